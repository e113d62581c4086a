import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { createValidatorsWith, waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import { getStatefulSet, PEERS_HASH_ANNOTATION, SETTLE_MS } from "../support/stellar.js";
import { sleep } from "../support/wait.js";

// Issue 4: with LiveConnect a new validator restarts nobody; the sidecar connects it.
const LIVE = { peerDiscovery: { updateStrategy: "LiveConnect" } };

scenario(
  "13. LiveConnect: adding a validator restarts nobody",
  { namespaces: ["e2e-13-live"] },
  async ({ namespace: ns, step }) => {
    const existing = ["l1", "l2", "l3"];
    await createValidatorsWith(ns, existing, LIVE);
    await waitForGroupConverged(ns, existing);
    const sts = await getStatefulSet(ns, "l1");
    const podSpec = (sts.spec.template as { spec?: { containers?: { name: string }[] } }).spec;
    const containers = (podSpec?.containers ?? []).map((c) => c.name);
    assert.deepEqual(containers, ["stellar-core", "peer-connector"]);
    assert.equal(sts.spec.template.metadata.annotations?.[PEERS_HASH_ANNOTATION], undefined);
    step("3 LiveConnect validators run with the peer-connector sidecar");

    const watch = await GroupWatch.start(ns, existing);
    try {
      await createValidatorsWith(ns, ["l4"], LIVE);
      await waitForGroupConverged(ns, [...existing, "l4"]);
      step("all 4 list each other");
      await sleep(SETTLE_MS);
      watch.assertAlive();
      for (const name of existing) {
        assert.equal(watch.restarts(name), 0, `${name} must not restart:\n${watch.describe()}`);
      }
    } finally {
      watch.stop();
    }
  },
);
