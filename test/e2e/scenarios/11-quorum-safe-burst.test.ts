import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { createValidatorsWith, waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import { SETTLE_MS } from "../support/stellar.js";
import { sleep } from "../support/wait.js";

// Issue 4: 5 validators created within 10 s next to 3: the settle time (default 15 s)
// makes each existing validator restart once, for the final list.
scenario(
  "11. quorum-safe rollout: a burst of 5 joins within 10 s restarts each of 3 existing validators once",
  { namespaces: ["e2e-11-burst"] },
  async ({ namespace: ns, step }) => {
    const existing = ["a1", "a2", "a3"];
    const joining = ["b1", "b2", "b3", "b4", "b5"];
    await createValidatorsWith(ns, existing, {});
    await waitForGroupConverged(ns, existing);
    step("3 validators run");

    const watch = await GroupWatch.start(ns, existing);
    try {
      const created: number[] = [];
      for (const [i, name] of joining.entries()) {
        if (i > 0) await sleep(1_500);
        await createValidatorsWith(ns, [name], {});
        created.push(Date.now());
      }
      const gaps = created.slice(1).map((at, i) => at - (created[i] ?? at));
      step(
        `created ${joining.length} validators in ${((Date.now() - (created[0] ?? 0)) / 1000).toFixed(1)} s (gaps ${gaps.map((g) => (g / 1000).toFixed(1)).join(", ")} s)`,
      );
      // The settle time restarts with every change a member sees, so the burst restarts
      // each member once as long as no two joins are settleSeconds (15 s) apart; a loaded
      // machine (slow kubectl) may stretch the whole burst, which does not matter.
      assert.ok(Math.max(...gaps) < 10_000, "two joins too far apart to be one burst");
      await waitForGroupConverged(ns, [...existing, ...joining], 300_000);
      step("all 8 converged");
      await sleep(SETTLE_MS);
      watch.assertAlive();
      for (const name of existing) {
        assert.equal(
          watch.restarts(name),
          1,
          `${name} restarts exactly once:\n${watch.describe()}`,
        );
      }
      const worst = watch.maxDownAtOnce(existing);
      assert.ok(
        worst.count <= 1,
        `${worst.count} existing validators down at once:\n${watch.describe()}`,
      );
    } finally {
      watch.stop();
    }
  },
);
