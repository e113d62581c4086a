import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { createValidatorsWith, waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import { SETTLE_MS } from "../support/stellar.js";
import { sleep } from "../support/wait.js";

// Issue 4: a 4th validator joins 3; each existing one restarts exactly once, one at a time.
const QUORUM_SAFE = { peerDiscovery: { settleSeconds: 5 } };

scenario(
  "10. quorum-safe rollout: a 4th validator joins 3; each restarts once, never two at once",
  { namespaces: ["e2e-10-join"] },
  async ({ namespace: ns, step }) => {
    const existing = ["v1", "v2", "v3"];
    await createValidatorsWith(ns, existing, QUORUM_SAFE);
    await waitForGroupConverged(ns, existing);
    step("3 validators run, each listing the other two");

    const watch = await GroupWatch.start(ns, existing);
    try {
      await createValidatorsWith(ns, ["v4"], QUORUM_SAFE);
      step("created v4");
      await waitForGroupConverged(ns, [...existing, "v4"]);
      step("all 4 list each other and run their current lists");
      await sleep(SETTLE_MS);
      watch.assertRestartedOnceOneAtATime(existing);
      assert.equal(
        watch.restarts("v4"),
        0,
        `the new validator starts with the full list:\n${watch.describe()}`,
      );
    } finally {
      watch.stop();
    }
  },
);
