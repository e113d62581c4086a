import assert from "node:assert/strict";
import { applyObjects, condition, getOptional } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getStellarNode,
  patchStellarNode,
  peerAddress,
  validatorObjects,
  waitForPeers,
  waitForValidatorConverged,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

scenario(
  "24. two validators naming one seed Secret: the younger is refused (DuplicateNodeIdentity) and gets no StatefulSet, the older runs on; its own Secret: both run and list each other",
  { namespaces: ["e2e-24-identity"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }]);
    await waitForValidatorConverged(ns, "alpha", 120_000);
    step("alpha runs with the Secret alpha-seed");

    // beta's StellarNode names alpha's Secret; its own Secret is created, but not named.
    const beta = validatorObjects(ns, "beta").map((object) => {
      const node = object as { kind: string; spec: { validatorConfig: Record<string, unknown> } };
      return node.kind === "StellarNode"
        ? {
            ...node,
            spec: {
              ...node.spec,
              validatorConfig: { ...node.spec.validatorConfig, seedSecretRef: "alpha-seed" },
            },
          }
        : object;
    });
    await applyObjects(beta);
    const refused = await waitFor("StellarNode beta Valid=False", async () => {
      const valid = condition((await getStellarNode(ns, "beta")).status?.conditions, "Valid");
      assert.equal(valid?.status, "False", `Valid: ${JSON.stringify(valid)}`);
      return valid;
    });
    step(`beta: Valid=False: ${refused.reason}: ${refused.message}`);
    assert.equal(refused.reason, "DuplicateNodeIdentity");
    assert.match(
      refused.message ?? "",
      new RegExp(
        `the Secret ${ns}/alpha-seed, which the StellarNode ${ns}/alpha \\(created earlier\\)`,
      ),
    );
    assert.equal(
      await getOptional(["get", "statefulset", "beta", "-n", ns]),
      undefined,
      "beta gets no StatefulSet",
    );
    // beta never ran: it is nobody's peer, and alpha stays valid and converged.
    await waitForPeers(ns, "alpha", []);
    const alpha = await getStellarNode(ns, "alpha");
    assert.equal(condition(alpha.status?.conditions, "Valid")?.status, "True", "alpha Valid");
    await waitForValidatorConverged(ns, "alpha");
    step("alpha stays Valid=True and lists no one");

    await patchStellarNode(ns, "beta", {
      spec: { validatorConfig: { seedSecretRef: "beta-seed" } },
    });
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")], 120_000);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
    await waitForValidatorConverged(ns, "beta", 120_000);
    step("beta with its own Secret: Valid=True, both list each other");
  },
);
