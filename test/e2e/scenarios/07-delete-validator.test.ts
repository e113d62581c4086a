import assert from "node:assert/strict";
import { getOptional, kubectl } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getPvc,
  peerAddress,
  waitForPeers,
  waitForValidatorReady,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

scenario(
  "7. delete a validator: dropped from the others' lists; its PVC is kept (Retain)",
  { namespaces: ["e2e-7-delete"] },
  async ({ namespace: ns, step }) => {
    const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => peerAddress(ns, n));
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }, { name: "gamma" }]);
    await waitForPeers(ns, "alpha", [beta!, gamma!], 120_000);
    await waitForPeers(ns, "gamma", [alpha!, beta!]);
    const { pvc } = await waitForValidatorReady(ns, "beta");
    step(`beta runs with PVC ${pvc.metadata.uid}`);

    await kubectl(["delete", "stellarnode", "beta", "-n", ns, "--timeout=60s"]);
    step("deleted StellarNode beta");
    await waitForPeers(ns, "alpha", [gamma!]);
    await waitForPeers(ns, "gamma", [alpha!]);
    step("beta is dropped from alpha's and gamma's lists");

    // The garbage collector removes the children (owned by beta); the PVC is not one.
    for (const [kind, name] of [
      ["statefulset", "beta"],
      ["service", "beta"],
      ["configmap", "beta-peers"],
      ["configmap", "beta-config"],
      ["pod", "beta-0"],
    ] as const) {
      await waitFor(`${kind} ${name} to be gone`, async () => {
        assert.equal(
          await getOptional([`get`, kind, name, "-n", ns]),
          undefined,
          `${kind} ${name}`,
        );
      });
    }
    step("beta's children are gone");
    const kept = await getPvc(ns, "data-beta-0");
    assert.equal(kept.metadata.uid, pvc.metadata.uid, "PVC data-beta-0 is kept");
    assert.equal(
      kept.metadata.deletionTimestamp,
      undefined,
      "PVC data-beta-0 is not being deleted",
    );
    assert.equal(kept.status?.phase, "Bound", "PVC data-beta-0 still holds its volume");
  },
);
