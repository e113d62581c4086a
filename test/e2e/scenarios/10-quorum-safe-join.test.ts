import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { getJson } from "../support/kube.js";
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
      // With COORDINATED_ROLLOUT=on (run.sh's default for this suite; off is the product's).
      if ((process.env["E2E_COORDINATED_ROLLOUT"] ?? "on") === "on") {
        // The group was coordinated by the namespace decorator: its view lists the four, it is
        // the Namespace's, and no turn waits once nothing does.
        const view = await getJson<{
          metadata: { ownerReferences?: { kind: string; name: string }[] };
          data: Record<string, string>;
        }>(["get", "configmap", "stellar-peers-view-0", "-n", ns, "-o", "json"]);
        const names = (
          JSON.parse(view.data["nodes.json"] ?? "[]") as { metadata: { name: string } }[]
        )
          .map((node) => node.metadata.name)
          .sort();
        assert.deepEqual(names, [...existing, "v4"]);
        assert.deepEqual(
          view.metadata.ownerReferences?.map((owner) => `${owner.kind}/${owner.name}`),
          [`Namespace/${ns}`],
        );
        // A turn to apply stays with its member for its hold (40 s) after the member acted on
        // it; none may be for anything but the template the member now runs.
        const turns = await getJson<{
          items: { metadata: { name: string }; data: Record<string, string> }[];
        }>([
          "get",
          "configmaps",
          "-n",
          ns,
          "-l",
          "app.kubernetes.io/component=rollout-turn",
          "-o",
          "json",
        ]);
        for (const cm of turns.items) {
          const member = cm.metadata.name.replace(/-turn$/, "");
          const turn = JSON.parse(cm.data["turn.json"] ?? "{}") as {
            apply?: boolean;
            templateHash?: string;
          };
          const node = await getJson<{ status?: { rollout?: { appliedTemplateHash?: string } } }>([
            "get",
            "stellarnode",
            member,
            "-n",
            ns,
            "-o",
            "json",
          ]);
          assert.equal(turn.apply, true, `${cm.metadata.name}: ${JSON.stringify(turn)}`);
          assert.equal(turn.templateHash, node.status?.rollout?.appliedTemplateHash);
        }
        step("the namespace decorator's group view lists the four; no turn waits");
      }
    } finally {
      watch.stop();
    }
  },
);
