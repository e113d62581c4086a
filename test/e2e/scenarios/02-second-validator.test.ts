import assert from "node:assert/strict";
import { scenario } from "../support/scenario.js";
import {
  controllerRevisions,
  createValidators,
  getConfigMap,
  getPod,
  knownPeersLines,
  peerAddress,
  REVISION_LABEL,
  SETTLE_MS,
  waitForPeers,
  waitForValidatorConverged,
  waitForValidatorReady,
} from "../support/stellar.js";
import { sleep } from "../support/wait.js";
import { PodWatch } from "../support/watch.js";

scenario(
  "2. a second validator: each lists the other and not itself; the first validator's pod is rolled exactly once",
  { namespaces: ["e2e-2-second"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }]);
    const first = await waitForValidatorConverged(ns, "alpha", 120_000);
    await waitForPeers(ns, "alpha", []);
    const revisionBefore = first.pod.metadata.labels?.[REVISION_LABEL];
    assert.ok(revisionBefore, "pod alpha-0 has a controller-revision-hash");
    step(`alpha runs: pod ${first.pod.metadata.uid}, revision ${revisionBefore}`);

    // Every state of alpha-0 from here on: a roll cannot slip between two polls.
    const watch = await PodWatch.start(ns, "alpha-0");
    try {
      assert.equal(
        watch.states[0]?.uid,
        first.pod.metadata.uid,
        "the watch starts at the running pod",
      );
      await createValidators(ns, [{ name: "beta" }]);
      step("created beta");

      const alphaPeers = await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")]);
      const betaPeers = await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
      step("alpha and beta list each other");
      for (const [self, configMap, other] of [
        ["alpha", alphaPeers, "beta"],
        ["beta", betaPeers, "alpha"],
      ] as const) {
        assert.ok(
          !knownPeersLines(configMap)?.includes(peerAddress(ns, self)),
          `${self}-peers must not list ${self} itself`,
        );
        assert.equal(configMap.data?.["peer_count"], "1");
        // The other member is a preferred peer too (issue 16), with its outbound slot on
        // top of stellar-core's default 8 (docs/preferred-peers.md).
        assert.equal(
          configMap.data?.["peers.toml"],
          [
            `KNOWN_PEERS = ["${peerAddress(ns, other)}"]`,
            `PREFERRED_PEERS = ["${peerAddress(ns, other)}"]`,
            "TARGET_PEER_CONNECTIONS = 9",
            "",
          ].join("\n"),
          `${self}-peers peers.toml`,
        );
        assert.equal(
          configMap.data?.["PREFERRED_PEERS"],
          `${peerAddress(ns, other)}\n`,
          `${self}-peers PREFERRED_PEERS lists the other member`,
        );
        assert.deepEqual(
          JSON.parse(configMap.data?.["peers.json"] ?? "null"),
          [
            {
              name: other,
              namespace: ns,
              address: `${other}-0.${other}.${ns}.svc.cluster.local`,
              port: 11625,
              source: "discovered",
              preferred: "PREFERRED_PEERS",
            },
          ],
          `${self}-peers peers.json`,
        );
      }

      // The quorum-safe rollout puts alpha's new list on its template once it has been
      // stable for settleSeconds (15 s by default) and beta has seen the same group.
      const alpha = await waitForValidatorConverged(ns, "alpha", 120_000);
      await waitForValidatorConverged(ns, "beta");
      step(
        `both run; alpha's StatefulSet is at revision ${alpha.statefulSet.status?.updateRevision}`,
      );
      // Give a second, unwanted roll the time to show up.
      await sleep(SETTLE_MS);
      watch.assertAlive();

      const revisionAfter = alpha.statefulSet.status?.updateRevision;
      assert.notEqual(revisionAfter, revisionBefore, "alpha's pod template changed");
      assert.deepEqual(
        watch.revisions(),
        [revisionBefore, revisionAfter],
        `alpha-0's controller-revision-hash changes exactly once: ${watch.describe()}`,
      );
      assert.deepEqual(
        watch.uids(),
        [first.pod.metadata.uid, alpha.pod.metadata.uid],
        `alpha-0 is replaced exactly once: ${watch.describe()}`,
      );
      const pod = await getPod(ns, "alpha-0");
      assert.equal(pod?.metadata.uid, alpha.pod.metadata.uid, "alpha-0 is still the rolled pod");
      assert.equal(pod.metadata.labels?.[REVISION_LABEL], revisionAfter);
      await waitForValidatorReady(ns, "alpha", 10_000);

      // The StatefulSets' own record agrees: alpha had two templates, beta only one
      // (beta saw alpha from its first sync, so it never restarted).
      assert.equal(
        (await controllerRevisions(ns, "alpha")).length,
        2,
        "alpha's ControllerRevisions",
      );
      assert.equal((await controllerRevisions(ns, "beta")).length, 1, "beta's ControllerRevisions");
      assert.deepEqual(knownPeersLines(await getConfigMap(ns, "alpha-peers")), [
        peerAddress(ns, "beta"),
      ]);
    } finally {
      watch.stop();
    }
  },
);
