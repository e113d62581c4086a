import assert from "node:assert/strict";
import {
  condition,
  getJson,
  type ConfigMap,
  type KubeObject,
  type Service,
} from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  EXAMPLE_QUORUM_SET,
  getStatefulSet,
  getStellarNode,
  patchStellarNode,
  peerAddress,
  SETTLE_MS,
  templateSnapshot,
  waitForPeers,
  waitForValidatorConverged,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

/** What must not move while the spec is invalid: identity and content of every child. */
async function childrenOf(ns: string, name: string) {
  const peers = await getJson<ConfigMap>(["get", "configmap", `${name}-peers`, "-n", ns]);
  const config = await getJson<ConfigMap>(["get", "configmap", `${name}-config`, "-n", ns]);
  const service = await getJson<Service>(["get", "service", name, "-n", ns]);
  const statefulSet = await getStatefulSet(ns, name);
  const identity = (o: KubeObject) => ({
    uid: o.metadata.uid,
    resourceVersion: o.metadata.resourceVersion,
  });
  return {
    peers: { ...identity(peers), data: peers.data },
    config: { ...identity(config), data: config.data },
    service: identity(service),
    // A StatefulSet's resourceVersion also moves with its status: compare what the
    // controller acts on, its generation and pod template (snapshot below).
    statefulSet: { uid: statefulSet.metadata.uid, generation: statefulSet.metadata.generation },
    template: await templateSnapshot(ns, name),
  };
}

scenario(
  "8. an invalid spec (quorumSet sets KNOWN_PEERS): no child is deleted or changed, Valid=False naming the field; fixed: Valid=True",
  { namespaces: ["e2e-8-invalid"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }]);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")], 120_000);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
    await waitForValidatorConverged(ns, "alpha", 120_000);
    await waitForValidatorConverged(ns, "beta");
    const before = await childrenOf(ns, "alpha");
    step("alpha and beta run and list each other");

    // The CRD schema accepts any string as quorumSet; the hook refuses a quorum TOML that
    // sets a key it renders itself (KNOWN_PEERS), so this spec passes admission.
    const invalid = `KNOWN_PEERS = ["x:1"]\n${EXAMPLE_QUORUM_SET}`;
    await patchStellarNode(ns, "alpha", { spec: { validatorConfig: { quorumSet: invalid } } });
    const invalidGeneration = (await getStellarNode(ns, "alpha")).metadata.generation;
    step(`alpha's quorumSet now sets KNOWN_PEERS (generation ${invalidGeneration})`);

    const refused = await waitFor(
      "StellarNode alpha Valid=False for the new generation",
      async () => {
        const node = await getStellarNode(ns, "alpha");
        const valid = condition(node.status?.conditions, "Valid");
        assert.equal(valid?.status, "False", `Valid: ${JSON.stringify(valid)}`);
        assert.equal(valid.observedGeneration, invalidGeneration, "Valid.observedGeneration");
        return { node, valid };
      },
    );
    step(`Valid=False: ${refused.valid.reason}: ${refused.valid.message}`);
    assert.match(
      refused.valid.message ?? "",
      /spec\.validatorConfig\.quorumSet/,
      "the message names the field",
    );
    assert.match(refused.valid.message ?? "", /KNOWN_PEERS/, "the message names the refused key");
    // The last peer figures are carried over, not wiped.
    assert.equal(refused.node.status?.peerCount, 1, "status.peerCount is kept");

    await sleep(SETTLE_MS);
    assert.deepEqual(
      await childrenOf(ns, "alpha"),
      before,
      "alpha's children are unchanged while the spec is invalid",
    );
    step("alpha's children are unchanged");

    await patchStellarNode(ns, "alpha", {
      spec: { validatorConfig: { quorumSet: EXAMPLE_QUORUM_SET } },
    });
    const fixedGeneration = (await getStellarNode(ns, "alpha")).metadata.generation;
    await waitFor("StellarNode alpha Valid=True for the fixed generation", async () => {
      const node = await getStellarNode(ns, "alpha");
      const valid = condition(node.status?.conditions, "Valid");
      assert.equal(valid?.status, "True", `Valid: ${JSON.stringify(valid)}`);
      assert.equal(valid.observedGeneration, fixedGeneration, "Valid.observedGeneration");
    });
    step("fixed: Valid=True");
    await waitForValidatorConverged(ns, "alpha");
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")]);
    // The fixed spec is the original one: it renders the very same children, so nothing
    // is rolled by the round trip.
    await sleep(SETTLE_MS);
    assert.deepEqual(
      await childrenOf(ns, "alpha"),
      before,
      "alpha's children are unchanged after the fix",
    );
  },
);
