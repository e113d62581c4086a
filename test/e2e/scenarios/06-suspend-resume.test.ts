import assert from "node:assert/strict";
import { condition } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getPod,
  getPvc,
  getStatefulSet,
  getStellarNode,
  patchStellarNode,
  peerAddress,
  waitForPeers,
  waitForValidatorReady,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

scenario(
  "6. suspend a validator: 0 replicas, dropped from the others' lists, PVC kept; resume: listed again",
  { namespaces: ["e2e-6-suspend"] },
  async ({ namespace: ns, step }) => {
    const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => peerAddress(ns, n));
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }, { name: "gamma" }]);
    await waitForPeers(ns, "alpha", [beta!, gamma!], 120_000);
    await waitForPeers(ns, "gamma", [alpha!, beta!]);
    const running = await waitForValidatorReady(ns, "beta");
    const pvc = running.pvc;
    step(`beta runs with PVC ${pvc.metadata.uid} on ${pvc.spec.volumeName}`);

    await patchStellarNode(ns, "beta", { spec: { suspended: true } });
    step("suspended beta");
    await waitFor("StatefulSet beta scaled to 0 and pod beta-0 gone", async () => {
      const statefulSet = await getStatefulSet(ns, "beta");
      assert.equal(statefulSet.spec.replicas, 0, "spec.replicas");
      assert.equal(statefulSet.status?.replicas ?? 0, 0, "status.replicas");
      assert.equal(await getPod(ns, "beta-0"), undefined, "pod beta-0");
    });
    await waitForPeers(ns, "alpha", [gamma!]);
    await waitForPeers(ns, "gamma", [alpha!]);
    step("beta is scaled to 0 and dropped from alpha's and gamma's lists");
    await waitFor("StellarNode beta Ready=False (Suspended)", async () => {
      const ready = condition((await getStellarNode(ns, "beta")).status?.conditions, "Ready");
      assert.deepEqual([ready?.status, ready?.reason], ["False", "Suspended"]);
    });
    const kept = await getPvc(ns, "data-beta-0");
    assert.equal(kept.metadata.uid, pvc.metadata.uid, "PVC data-beta-0 is kept");
    assert.equal(
      kept.metadata.deletionTimestamp,
      undefined,
      "PVC data-beta-0 is not being deleted",
    );
    assert.equal(kept.spec.volumeName, pvc.spec.volumeName, "PVC data-beta-0 keeps its volume");

    await patchStellarNode(ns, "beta", { spec: { suspended: false } });
    step("resumed beta");
    await waitForPeers(ns, "alpha", [beta!, gamma!]);
    await waitForPeers(ns, "gamma", [alpha!, beta!]);
    const resumed = await waitForValidatorReady(ns, "beta");
    step("beta is listed again and runs");
    assert.equal(resumed.pvc.metadata.uid, pvc.metadata.uid, "beta-0 runs on the kept PVC");
    assert.equal(resumed.pvc.spec.volumeName, pvc.spec.volumeName, "and the same volume");
  },
);
