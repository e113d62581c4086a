import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import {
  applyObjects,
  condition,
  getJson,
  getOptional,
  isPodReady,
  kubectl,
  type KubeList,
  type KubeObject,
  REPO_ROOT,
  type ConfigMap,
  type PersistentVolumeClaim,
  type Pod,
  type StatefulSet,
  type StellarNode,
} from "./kube.js";
import { waitFor } from "./wait.js";

export const DEFAULT_PEER_PORT = 11625;
export const PEERS_HASH_ANNOTATION = "stellar.org/peers-hash";
export const CONFIG_HASH_ANNOTATION = "stellar.org/config-hash";
export const REVISION_LABEL = "controller-revision-hash";

interface ExampleDocument {
  kind?: string;
  metadata?: { name?: string };
  stringData?: Record<string, string>;
  spec?: { validatorConfig?: { quorumSet?: string } };
}

function exampleDocuments(file: string): ExampleDocument[] {
  const text = readFileSync(`${REPO_ROOT}manifests/examples/${file}`, "utf8");
  return parseAllDocuments(text).map((document) => document.toJS() as ExampleDocument);
}

/** The published EXAMPLE seeds of manifests/examples/seeds.yaml (containers never run here). */
export const EXAMPLE_SEEDS: readonly string[] = exampleDocuments("seeds.yaml").map((secret) => {
  const seed = secret.stringData?.["STELLAR_CORE_SEED"];
  assert.ok(seed, `manifests/examples/seeds.yaml: ${secret.metadata?.name} has no seed`);
  return seed;
});

/** The quorum set of manifests/examples/validators.yaml (validator-a). */
export const EXAMPLE_QUORUM_SET: string = (() => {
  const quorumSet = exampleDocuments("validators.yaml").find(
    (document) => document.kind === "StellarNode",
  )?.spec?.validatorConfig?.quorumSet;
  assert.ok(quorumSet, "manifests/examples/validators.yaml has no quorumSet");
  return quorumSet;
})();

export interface ValidatorOptions {
  network?: "Testnet" | "Mainnet";
  peerPort?: number;
  suspended?: boolean;
  /** spec.metrics.exporter.enabled: the stellar-core-prometheus-exporter sidecar. */
  exporter?: boolean;
}

/** The seed Secret and the StellarNode of validator `name`, like manifests/examples/. */
export function validatorObjects(
  namespace: string,
  name: string,
  options: ValidatorOptions = {},
): object[] {
  const seed =
    EXAMPLE_SEEDS[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % EXAMPLE_SEEDS.length];
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-seed`, namespace },
      type: "Opaque",
      stringData: { STELLAR_CORE_SEED: seed },
    },
    {
      apiVersion: "stellar.org/v1alpha1",
      kind: "StellarNode",
      metadata: { name, namespace },
      spec: {
        nodeType: "Validator",
        network: options.network ?? "Testnet",
        version: "27.0.0",
        ...(options.suspended === undefined ? {} : { suspended: options.suspended }),
        storage: { storageClass: "standard", size: "1Gi" },
        validatorConfig: {
          seedSecretRef: `${name}-seed`,
          ...(options.peerPort === undefined ? {} : { peerPort: options.peerPort }),
          quorumSet: EXAMPLE_QUORUM_SET,
        },
        ...(options.exporter === undefined
          ? {}
          : { metrics: { exporter: { enabled: options.exporter } } }),
      },
    },
  ];
}

export async function createValidators(
  namespace: string,
  validators: readonly (ValidatorOptions & { name: string })[],
): Promise<void> {
  await applyObjects(validators.flatMap((v) => validatorObjects(namespace, v.name, v)));
}

/** The address others list for validator `name`: its pod's stable DNS name and peer port. */
export function peerAddress(namespace: string, name: string, port = DEFAULT_PEER_PORT): string {
  return `${name}-0.${name}.${namespace}.svc.cluster.local:${port}`;
}

export function knownPeersLines(configMap: ConfigMap | undefined): string[] | undefined {
  const text = configMap?.data?.["KNOWN_PEERS"];
  return text === undefined ? undefined : text.split("\n").filter((line) => line !== "");
}

export const getStellarNode = (namespace: string, name: string): Promise<StellarNode> =>
  getJson<StellarNode>(["get", "stellarnode", name, "-n", namespace]);
export const getStatefulSet = (namespace: string, name: string): Promise<StatefulSet> =>
  getJson<StatefulSet>(["get", "statefulset", name, "-n", namespace]);
export const getConfigMap = (namespace: string, name: string): Promise<ConfigMap> =>
  getJson<ConfigMap>(["get", "configmap", name, "-n", namespace]);
export const getPod = (namespace: string, name: string): Promise<Pod | undefined> =>
  getOptional<Pod>(["get", "pod", name, "-n", namespace]);
export const getPvc = (namespace: string, name: string): Promise<PersistentVolumeClaim> =>
  getJson<PersistentVolumeClaim>(["get", "pvc", name, "-n", namespace]);

/**
 * Waits until `name-peers` lists exactly `expected` (sorted, one per line), peer_count
 * says so, and the StellarNode's status.peers/peerCount agree.
 */
export async function waitForPeers(
  namespace: string,
  name: string,
  expected: readonly string[],
  timeoutMs?: number,
): Promise<ConfigMap> {
  const sorted = [...expected].sort();
  return waitFor(
    `${namespace}/${name}-peers to list exactly [${sorted.join(", ")}]`,
    async () => {
      const configMap = await getConfigMap(namespace, `${name}-peers`);
      assert.deepEqual(knownPeersLines(configMap), sorted, `${name}-peers KNOWN_PEERS`);
      assert.equal(
        configMap.data?.["peer_count"],
        String(sorted.length),
        `${name}-peers peer_count`,
      );
      const node = await getStellarNode(namespace, name);
      assert.deepEqual(node.status?.peers, sorted, `StellarNode ${name} status.peers`);
      assert.equal(node.status?.peerCount, sorted.length, `StellarNode ${name} status.peerCount`);
      return configMap;
    },
    timeoutMs,
  );
}

export interface RunningValidator {
  node: StellarNode;
  statefulSet: StatefulSet;
  pod: Pod;
  pvc: PersistentVolumeClaim;
}

/**
 * Waits until validator `name` runs: its StatefulSet has rolled out its current
 * revision (1 replica, Ready), pod name-0 is Running and Ready with that revision,
 * PVC data-name-0 is Bound, and the StellarNode's status says Ready=True for its
 * current generation.
 */
export async function waitForValidatorReady(
  namespace: string,
  name: string,
  timeoutMs?: number,
): Promise<RunningValidator> {
  return waitFor(
    `validator ${namespace}/${name} to run: StatefulSet rolled out, pod Ready, PVC Bound, status Ready=True`,
    async () => {
      const statefulSet = await getStatefulSet(namespace, name);
      const status = statefulSet.status ?? {};
      assert.equal(statefulSet.spec.replicas, 1, `StatefulSet ${name} spec.replicas`);
      assert.equal(
        status.observedGeneration,
        statefulSet.metadata.generation,
        `StatefulSet ${name} observedGeneration`,
      );
      assert.equal(status.readyReplicas, 1, `StatefulSet ${name} readyReplicas`);
      assert.equal(
        status.currentRevision,
        status.updateRevision,
        `StatefulSet ${name} currentRevision vs updateRevision`,
      );
      const pod = await getPod(namespace, `${name}-0`);
      assert.ok(isPodReady(pod), `pod ${name}-0 Running and Ready: ${JSON.stringify(pod?.status)}`);
      assert.equal(
        pod.metadata.labels?.[REVISION_LABEL],
        status.updateRevision,
        `pod ${name}-0 revision`,
      );
      const pvc = await getPvc(namespace, `data-${name}-0`);
      assert.equal(pvc.status?.phase, "Bound", `PVC data-${name}-0 phase`);
      const node = await getStellarNode(namespace, name);
      assert.equal(
        node.status?.observedGeneration,
        node.metadata.generation,
        `StellarNode ${name} status.observedGeneration`,
      );
      const ready = condition(node.status?.conditions, "Ready");
      assert.equal(
        ready?.status,
        "True",
        `StellarNode ${name} Ready condition: ${JSON.stringify(ready)}`,
      );
      return { node, statefulSet, pod, pvc };
    },
    timeoutMs,
  );
}

/**
 * waitForValidatorReady, and the validator runs its current pod template: with the
 * quorum-safe rollout a new template (peers, config, image...) first waits
 * (settleSeconds, the group's order) before it reaches the StatefulSet, so a Ready pod may
 * still be due for a restart. Converged means status.pendingRestart is false,
 * TemplateApplied=True, the desired and applied template hashes agree, and the template
 * carries the current peers hash (QuorumSafe), rolled out.
 */
export async function waitForValidatorConverged(
  namespace: string,
  name: string,
  timeoutMs = 120_000,
): Promise<RunningValidator> {
  await waitFor(
    `validator ${namespace}/${name} to run its current pod template (pendingRestart false, TemplateApplied=True, on the StatefulSet)`,
    async () => {
      const node = await getStellarNode(namespace, name);
      const status = node.status ?? {};
      assert.equal(
        status.observedGeneration,
        node.metadata.generation,
        "status.observedGeneration",
      );
      assertNothingPending(name, status);
      const statefulSet = await getStatefulSet(namespace, name);
      const peersHash = statefulSet.spec.template.metadata.annotations?.[PEERS_HASH_ANNOTATION];
      if (peersHash !== undefined) {
        assert.equal(peersHash, status.peersHash, `StatefulSet ${name}'s template peers-hash`);
      }
    },
    timeoutMs,
  );
  return waitForValidatorReady(namespace, name, timeoutMs);
}

/** Nothing waits for a restart: the StatefulSet carries the template the node wants. */
export function assertNothingPending(name: string, status: StellarNode["status"] = {}): void {
  assert.equal(status.pendingRestart, false, `${name} status.pendingRestart`);
  const applied = condition(status.conditions, "TemplateApplied");
  assert.equal(applied?.status, "True", `${name} TemplateApplied: ${JSON.stringify(applied)}`);
  assert.ok(status.rollout?.templateHash, `${name} status.rollout.templateHash`);
  assert.equal(
    status.rollout.appliedTemplateHash,
    status.rollout.templateHash,
    `${name} status.rollout.appliedTemplateHash`,
  );
}

/** What restarts a validator if it changes: its pod template, and which pod runs. */
export interface TemplateSnapshot {
  generation: number | undefined;
  peersHash: string | undefined;
  configHash: string | undefined;
  updateRevision: string | undefined;
  podUid: string | undefined;
}

export async function templateSnapshot(namespace: string, name: string): Promise<TemplateSnapshot> {
  const statefulSet = await getStatefulSet(namespace, name);
  const annotations = statefulSet.spec.template.metadata.annotations ?? {};
  const pod = await getPod(namespace, `${name}-0`);
  return {
    generation: statefulSet.metadata.generation,
    peersHash: annotations[PEERS_HASH_ANNOTATION],
    configHash: annotations[CONFIG_HASH_ANNOTATION],
    updateRevision: statefulSet.status?.updateRevision,
    podUid: pod?.metadata.uid,
  };
}

/** How long a converged state must stay unchanged before "nothing else changed" is believed. */
export const SETTLE_MS = 5_000;

export async function patchStellarNode(
  namespace: string,
  name: string,
  patch: Record<string, unknown>,
): Promise<void> {
  await kubectl([
    "patch",
    "stellarnode",
    name,
    "-n",
    namespace,
    "--type",
    "merge",
    "-p",
    JSON.stringify(patch),
  ]);
}

/** The ControllerRevisions (apps/v1) of StatefulSet `name`: one per pod template it has had. */
export async function controllerRevisions(namespace: string, name: string): Promise<string[]> {
  const list = await getJson<KubeList<KubeObject>>([
    "get",
    "controllerrevisions.apps",
    "-n",
    namespace,
  ]);
  return list.items
    .filter((revision) =>
      revision.metadata.ownerReferences?.some(
        (owner) => owner.kind === "StatefulSet" && owner.name === name,
      ),
    )
    .map((revision) => revision.metadata.name)
    .sort();
}
