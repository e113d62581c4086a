import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { kubectl } from "../support/kube.js";
import { createValidatorsWith, waitForNothingPending } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import {
  getPod,
  getStatefulSet,
  knownPeersLines,
  getConfigMap,
  peerAddress,
  PEERS_HASH_ANNOTATION,
  waitForPeers,
  waitForValidatorReady,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

// Issue 5: one group across two namespaces (scope Cluster + groupSelector); another
// organisation's validator in a third namespace is not in it.
scenario(
  "14a. cluster-wide group: two namespaces, one group; networks and selectors still separate",
  { namespaces: ["e2e-14-east", "e2e-14-west", "e2e-14-other"] },
  async ({ namespaces: [east = "", west = "", other = ""], step }) => {
    const group = {
      peerDiscovery: {
        scope: "Cluster",
        groupSelector: { matchLabels: { org: "acme" } },
        settleSeconds: 3,
      },
    };
    await createValidatorsWith(east, ["e1"], group, { org: "acme" });
    await createValidatorsWith(west, ["w1"], group, { org: "acme" });
    await createValidatorsWith(
      other,
      ["o1"],
      { peerDiscovery: { scope: "Cluster", groupSelector: { matchLabels: { org: "globex" } } } },
      { org: "globex" },
    );
    await waitForPeers(east, "e1", [peerAddress(west, "w1")]);
    await waitForPeers(west, "w1", [peerAddress(east, "e1")]);
    await waitForPeers(other, "o1", []);
    step("e1 and w1 list each other across namespaces; o1 of another organisation lists neither");
    await waitForValidatorReady(east, "e1");
    await waitForValidatorReady(west, "w1");
  },
);

// Issue 5: PodIP addressing lists pod IPs; one pod restart changes the others' lists
// but restarts none of them: no cascade.
scenario(
  "14b. PodIP: peers are listed by pod IP; one pod restart restarts nobody else",
  { namespaces: ["e2e-14-podip"] },
  async ({ namespace: ns, step }) => {
    const names = ["p1", "p2", "p3"];
    await createValidatorsWith(ns, names, {
      peerDiscovery: { addressing: "PodIP", settleSeconds: 3 },
    });
    for (const name of names) await waitForValidatorReady(ns, name, 180_000);
    const ipOf = async (name: string) => {
      const pod = await getPod(ns, `${name}-0`);
      const ip = (pod?.status as { podIP?: string } | undefined)?.podIP;
      assert.ok(ip, `${name}-0 has an IP`);
      return ip;
    };
    const expected = async (name: string) =>
      Promise.all(names.filter((n) => n !== name).map(async (n) => `${await ipOf(n)}:11625`));
    for (const name of names) await waitForPeers(ns, name, await expected(name));
    step("each lists the others' pod IPs");
    // The group's first rollout (each member restarting once for the list of its peers)
    // must be over before a crash can be said to restart nobody: wait until every member
    // runs its current template, then check the lists again (a restart changed an IP).
    await waitForNothingPending(ns, names);
    for (const name of names) await waitForPeers(ns, name, await expected(name));
    step("every member runs its current pod template; nothing is pending");
    const hashes = await Promise.all(
      names.map(
        async (n) =>
          (await getStatefulSet(ns, n)).spec.template.metadata.annotations?.[PEERS_HASH_ANNOTATION],
      ),
    );

    const watch = await GroupWatch.start(ns, names);
    try {
      const before = await ipOf("p1");
      await kubectl(["delete", "pod", "p1-0", "-n", ns, "--wait=false"]);
      step(`deleted p1-0 (IP ${before}), as a crash would`);
      await waitForValidatorReady(ns, "p1", 120_000);
      const after = await ipOf("p1");
      for (const name of ["p2", "p3"]) {
        await waitFor(`${name}-peers to list p1's IP ${after}`, async () => {
          assert.ok(
            knownPeersLines(await getConfigMap(ns, `${name}-peers`))?.includes(`${after}:11625`),
          );
        });
      }
      step(`p2 and p3 list p1's IP now (${after})`);
      await sleep(15_000);
      watch.assertAlive();
      assert.ok(watch.replacements("p1") >= 1, `p1-0 was replaced: ${watch.describe()}`);
      assert.equal(
        watch.restarts("p1"),
        0,
        `p1 came back with the same template: ${watch.describe()}`,
      );
      for (const name of ["p2", "p3"]) {
        assert.equal(
          watch.restarts(name),
          0,
          `${name} must not restart for p1's new IP:\n${watch.describe()}`,
        );
      }
      const hashesAfter = await Promise.all(
        names.map(
          async (n) =>
            (await getStatefulSet(ns, n)).spec.template.metadata.annotations?.[
              PEERS_HASH_ANNOTATION
            ],
        ),
      );
      assert.deepEqual(hashesAfter, hashes, "no pod template changed");
    } finally {
      watch.stop();
    }
  },
);
