import assert from "node:assert/strict";
import { applyObjects, condition } from "../support/kube.js";
import { createValidatorsWith, waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import {
  getPod,
  getStellarNode,
  peerAddress,
  validatorObjects,
  waitForPeers,
  waitForValidatorReady,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

// Issue 4: a validator stuck unready (its claim can never bind, so its pod stays Pending)
// blocks the others' restarts only until stuckAfterSeconds.
const STUCK_AFTER = 30;
const DISCOVERY = { peerDiscovery: { settleSeconds: 3, stuckAfterSeconds: STUCK_AFTER } };

scenario(
  "12. a validator stuck unready stops blocking the others after stuckAfterSeconds",
  { namespaces: ["e2e-12-stuck"] },
  async ({ namespace: ns, step }) => {
    await createValidatorsWith(ns, ["m1", "m2"], DISCOVERY);
    await waitForGroupConverged(ns, ["m1", "m2"]);
    const stuck = validatorObjects(ns, "m0").map((object) => {
      const node = object as { kind: string; spec: Record<string, unknown> };
      return node.kind === "StellarNode"
        ? {
            ...node,
            spec: {
              ...node.spec,
              ...DISCOVERY,
              storage: { storageClass: "no-such-class", size: "1Gi" },
            },
          }
        : object;
    });
    await applyObjects(stuck);
    step("created m0, whose volume can never bind");
    await waitForPeers(ns, "m1", [peerAddress(ns, "m0"), peerAddress(ns, "m2")]);
    const waiting = await waitFor(
      "m1 to wait for the unready m0",
      async () => {
        const node = await getStellarNode(ns, "m1");
        const applied = condition(node.status?.conditions, "TemplateApplied");
        assert.equal(applied?.reason, "PeersChanged", JSON.stringify(applied));
        assert.match(applied?.message ?? "", /waiting.*m0/);
        assert.equal(node.status?.rollout?.waitingFor, `${ns}/m0`);
        return Date.now();
      },
      60_000,
    );
    step("m1 waits for m0, ahead of it in the group's order");
    assert.equal((await getPod(ns, "m0-0"))?.status?.phase, "Pending");

    for (const name of ["m1", "m2"]) {
      await waitFor(
        `${name} to restart with m0 in its list (pendingRestart false, TemplateApplied=True)`,
        async () => {
          const node = await getStellarNode(ns, name);
          assert.ok(node.status?.peers?.includes(peerAddress(ns, "m0")), `${name} lists m0`);
          assert.equal((node.status as Record<string, unknown>)["pendingRestart"], false);
          assert.equal(condition(node.status?.conditions, "TemplateApplied")?.status, "True");
        },
        180_000,
      );
      await waitForValidatorReady(ns, name);
    }
    const waited = (Date.now() - waiting) / 1000;
    step(`m1 and m2 restarted with m0 in their lists after ${waited.toFixed(0)} s`);
    assert.ok(
      waited >= STUCK_AFTER - 10,
      `m1 and m2 did not wait for m0 to count as stuck (${waited} s)`,
    );
    const m0 = await getStellarNode(ns, "m0");
    assert.notEqual(
      condition(m0.status?.conditions, "Ready")?.status,
      "True",
      "m0 is still not Ready",
    );
    assert.equal((await getPod(ns, "m0-0"))?.status?.phase, "Pending", "m0's pod is still Pending");
  },
);
