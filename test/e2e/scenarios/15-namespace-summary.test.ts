import assert from "node:assert/strict";
import {
  applyObjects,
  getJson,
  getOptional,
  kubectl,
  type ConfigMap,
  type KubeObject,
} from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  knownPeersLines,
  patchStellarNode,
  peerAddress,
  SETTLE_MS,
  waitForValidatorReady,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

/**
 * The namespace summary (README "Namespace summary ConfigMap"): the DecoratorController
 * stellar-peers-namespace of manifests/overlays/local keeps a ConfigMap stellar-peers in
 * every namespace with a StellarNode Validator, owned by the Namespace, and leaves a
 * stellar-peers it does not own alone, saying so on the Namespace.
 */

const SUMMARY = "stellar-peers";
const CONFLICT_ANNOTATION = "stellar.org/peers-configmap-conflict";
/** Metacontroller marks what a DecoratorController created (pkg/controller/decorator). */
const DECORATOR_ANNOTATION = "metacontroller.k8s.io/decorator-controller";
const DECORATOR = "stellar-peers-namespace";

interface Listed {
  name: string;
  namespace: string;
  network: string;
  address: string;
  port: number;
  suspended: boolean;
  ready: boolean;
}

interface Metadata {
  total: number;
  peers: number;
  suspended: number;
  byNetwork: Record<string, number>;
  updatedAt: string;
}

interface Expected {
  peers: readonly string[];
  /** name -> suspended, for every validator peers.json lists. */
  listed: Record<string, boolean>;
}

const getSummary = (namespace: string): Promise<ConfigMap | undefined> =>
  getOptional<ConfigMap>(["get", "configmap", SUMMARY, "-n", namespace]);

const listedOf = (configMap: ConfigMap): Listed[] =>
  JSON.parse(configMap.data?.["peers.json"] ?? "null") as Listed[];

const metadataOf = (configMap: ConfigMap): Metadata =>
  JSON.parse(configMap.data?.["discovery_metadata"] ?? "null") as Metadata;

/** Waits until the summary, owned by Namespace `namespace`, says exactly `expected`. */
async function waitForSummary(
  namespace: string,
  expected: Expected,
  timeoutMs?: number,
): Promise<ConfigMap> {
  const peers = [...expected.peers].sort();
  const names = Object.keys(expected.listed).sort();
  return waitFor(
    `${namespace}/${SUMMARY} to list peers [${peers.join(", ")}] of validators [${names.join(", ")}]`,
    async () => {
      const configMap = await getSummary(namespace);
      assert.ok(configMap, `ConfigMap ${SUMMARY} exists`);
      assert.deepEqual(knownPeersLines(configMap), peers, "KNOWN_PEERS");
      assert.deepEqual(
        configMap.data?.["peers.txt"]?.split("\n").filter((line) => line !== ""),
        peers.map((peer) => peer.slice(0, peer.lastIndexOf(":"))),
        "peers.txt",
      );
      assert.equal(configMap.data?.["peer_count"], String(peers.length), "peer_count");
      assert.deepEqual(
        listedOf(configMap).map((v) => [v.name, v.suspended]),
        names.map((name) => [name, expected.listed[name]]),
        "peers.json: name, suspended",
      );
      const metadata = metadataOf(configMap);
      assert.deepEqual(
        [metadata.total, metadata.peers, metadata.suspended],
        [names.length, peers.length, names.length - peers.length],
        "discovery_metadata total, peers, suspended",
      );
      assert.ok(!Number.isNaN(Date.parse(metadata.updatedAt)), "discovery_metadata.updatedAt");
      const owner = configMap.metadata.ownerReferences ?? [];
      assert.deepEqual(
        owner.map((ref) => `${ref.kind}/${ref.name}`),
        [`Namespace/${namespace}`],
        "owned by the Namespace",
      );
      assert.equal(configMap.metadata.annotations?.[DECORATOR_ANNOTATION], DECORATOR);
      return configMap;
    },
    timeoutMs,
  );
}

async function waitForNoSummary(namespace: string): Promise<void> {
  await waitFor(`${namespace}/${SUMMARY} to be gone`, async () => {
    assert.equal(await getSummary(namespace), undefined, `ConfigMap ${SUMMARY}`);
  });
}

const conflictAnnotation = async (namespace: string): Promise<string | undefined> =>
  (await getJson<KubeObject>(["get", "namespace", namespace])).metadata.annotations?.[
    CONFLICT_ANNOTATION
  ];

async function waitForConflict(namespace: string, expected: string | undefined): Promise<void> {
  await waitFor(
    `Namespace ${namespace} annotation ${CONFLICT_ANNOTATION} to be ${expected ?? "absent"}`,
    async () => {
      assert.equal(await conflictAnnotation(namespace), expected);
    },
    120_000,
  );
}

scenario(
  "15a. namespace summary: stellar-peers appears with the first validator, follows add, suspend, resume, delete, and goes with the last",
  { namespaces: ["e2e-15-summary"] },
  async ({ namespace: ns, step }) => {
    const alpha = peerAddress(ns, "alpha");
    const beta = peerAddress(ns, "beta", 11700);
    assert.equal(await getSummary(ns), undefined, "no summary in a namespace without validators");

    await createValidators(ns, [{ name: "alpha" }]);
    await waitForSummary(ns, { peers: [alpha], listed: { alpha: false } }, 120_000);
    step("stellar-peers appeared with alpha, owned by the Namespace");
    await waitForValidatorReady(ns, "alpha", 120_000);
    const readyAlpha = await waitFor("peers.json to show alpha ready", async () => {
      const configMap = await waitForSummary(ns, { peers: [alpha], listed: { alpha: false } });
      assert.equal(listedOf(configMap)[0]?.ready, true, "alpha ready");
      return configMap;
    });
    step("alpha runs; peers.json says ready");

    // Nothing changes: nothing is written, and updatedAt is kept.
    await sleep(SETTLE_MS);
    const settled = await getSummary(ns);
    assert.equal(
      settled?.metadata.resourceVersion,
      readyAlpha.metadata.resourceVersion,
      "no writes while nothing changes",
    );
    step("no writes while nothing changes");

    await createValidators(ns, [{ name: "beta", peerPort: 11700 }]);
    const added = await waitForSummary(ns, {
      peers: [alpha, beta],
      listed: { alpha: false, beta: false },
    });
    assert.ok(
      Date.parse(metadataOf(added).updatedAt) >= Date.parse(metadataOf(readyAlpha).updatedAt),
      "updatedAt moves forward when the list changes",
    );
    step("beta added");

    await patchStellarNode(ns, "beta", { spec: { suspended: true } });
    const suspended = await waitForSummary(ns, {
      peers: [alpha],
      listed: { alpha: false, beta: true },
    });
    assert.equal(listedOf(suspended).find((v) => v.name === "beta")?.ready, false);
    step("beta suspended: dropped from KNOWN_PEERS, listed as suspended");

    await patchStellarNode(ns, "beta", { spec: { suspended: false } });
    await waitForSummary(ns, { peers: [alpha, beta], listed: { alpha: false, beta: false } });
    step("beta resumed");

    await kubectl(["delete", "stellarnode", "beta", "-n", ns, "--timeout=60s"]);
    await waitForSummary(ns, { peers: [alpha], listed: { alpha: false } });
    step("beta deleted");

    await kubectl(["delete", "stellarnode", "alpha", "-n", ns, "--timeout=60s"]);
    await waitForNoSummary(ns);
    assert.equal(await conflictAnnotation(ns), undefined, "no conflict annotation");
    step("the last validator is gone, and so is stellar-peers");
  },
);

scenario(
  "15b. namespace summary: a stellar-peers ConfigMap it does not own is left untouched and reported on the Namespace",
  { namespaces: ["e2e-15-conflict"] },
  async ({ namespace: ns, step }) => {
    await applyObjects([
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: SUMMARY,
          namespace: ns,
          labels: { "app.kubernetes.io/managed-by": "earlier-operator" },
        },
        data: { KNOWN_PEERS: "core-testnet1.stellar.org:11625\n" },
      },
    ]);
    const legacy = await getSummary(ns);
    assert.ok(legacy);
    step("an un-owned stellar-peers exists, as the earlier operator left it");

    await createValidators(ns, [{ name: "alpha" }]);
    await waitForConflict(ns, "no owner; rename or delete it to let stellar-peers manage it");
    step("the Namespace carries the conflict annotation");
    await sleep(SETTLE_MS);
    const untouched = await getSummary(ns);
    assert.equal(
      untouched?.metadata.resourceVersion,
      legacy.metadata.resourceVersion,
      "left untouched",
    );
    assert.equal(untouched?.metadata.uid, legacy.metadata.uid);
    assert.deepEqual(untouched?.data, legacy.data);
    assert.equal(untouched?.metadata.ownerReferences, undefined, "not adopted");
    step("the ConfigMap is untouched");

    await kubectl(["delete", "configmap", SUMMARY, "-n", ns]);
    await waitForSummary(ns, { peers: [peerAddress(ns, "alpha")], listed: { alpha: false } });
    await waitForConflict(ns, undefined);
    step("once deleted, the summary takes over and the annotation is removed");
  },
);

scenario(
  "15c. namespace summary: a StellarNode named stellar keeps its own stellar-peers, and the Namespace says so",
  { namespaces: ["e2e-15-stellar"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }]);
    await waitForSummary(
      ns,
      { peers: [peerAddress(ns, "alpha")], listed: { alpha: false } },
      120_000,
    );
    step("the summary exists");

    await createValidators(ns, [{ name: "stellar" }]);
    await waitForConflict(
      ns,
      "StellarNode/stellar; rename or delete it to let stellar-peers manage it",
    );
    await waitFor(
      "stellar-peers to be StellarNode stellar's peers ConfigMap",
      async () => {
        const configMap = await getSummary(ns);
        assert.deepEqual(
          configMap?.metadata.ownerReferences?.map((ref) => `${ref.kind}/${ref.name}`),
          ["StellarNode/stellar"],
        );
      },
      180_000,
    );
    step("the summary yielded: stellar-peers is StellarNode stellar's own peer list");

    await kubectl(["delete", "stellarnode", "stellar", "-n", ns, "--timeout=60s"]);
    await waitForSummary(
      ns,
      { peers: [peerAddress(ns, "alpha")], listed: { alpha: false } },
      120_000,
    );
    await waitForConflict(ns, undefined);
    step("with StellarNode stellar gone, the summary is back");
  },
);
