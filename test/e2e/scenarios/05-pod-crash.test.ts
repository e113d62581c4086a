import assert from "node:assert/strict";
import { kubectl } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  peerAddress,
  SETTLE_MS,
  templateSnapshot,
  waitForPeers,
  waitForValidatorConverged,
  type TemplateSnapshot,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

const NAMES = ["alpha", "beta", "gamma"] as const;

scenario(
  "5. a validator's pod is deleted (as a crash would): it comes back; no validator's pod template changes",
  { namespaces: ["e2e-5-crash"] },
  async ({ namespace: ns, step }) => {
    await createValidators(
      ns,
      NAMES.map((name) => ({ name })),
    );
    for (const name of NAMES) {
      const others = NAMES.filter((n) => n !== name).map((n) => peerAddress(ns, n));
      await waitForPeers(ns, name, others, 120_000);
    }
    // Converged: any restart the quorum-safe rollout still owes has happened.
    for (const name of NAMES) await waitForValidatorConverged(ns, name, 120_000);
    step("alpha, beta and gamma run and list each other, with no restart pending");

    const before = new Map<string, TemplateSnapshot>();
    for (const name of NAMES) before.set(name, await templateSnapshot(ns, name));
    const crashed = before.get("beta")?.podUid;
    assert.ok(crashed);

    await kubectl(["delete", "pod", "beta-0", "-n", ns, "--wait=false"]);
    step(`deleted pod beta-0 (${crashed})`);
    await waitFor("a new pod beta-0", async () => {
      const uid = (await templateSnapshot(ns, "beta")).podUid;
      assert.ok(uid !== undefined && uid !== crashed, `beta-0 uid ${String(uid)}`);
    });
    const beta = await waitForValidatorConverged(ns, "beta");
    step(`beta-0 is back as ${beta.pod.metadata.uid}`);
    await sleep(SETTLE_MS);

    for (const name of NAMES) {
      const after = await templateSnapshot(ns, name);
      const was = before.get(name);
      assert.ok(was);
      // The pod template (its hashes, hence the revision) and the generation stay as they
      // were: the peers are stable DNS names, so a restarted pod changes nobody's list.
      assert.deepEqual(
        { ...after, podUid: undefined },
        { ...was, podUid: undefined },
        `${name}'s StatefulSet must not change`,
      );
      if (name === "beta") {
        assert.notEqual(after.podUid, was.podUid, "beta-0 is a new pod");
      } else {
        assert.equal(after.podUid, was.podUid, `${name}-0 must not be restarted`);
      }
    }
    for (const name of NAMES) {
      const others = NAMES.filter((n) => n !== name).map((n) => peerAddress(ns, n));
      await waitForPeers(ns, name, others, 5_000);
    }
  },
);
