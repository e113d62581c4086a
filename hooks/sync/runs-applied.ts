import type { ObservedState } from "./observed-state.js";
import { readyCondition } from "./readiness.js";

/**
 * The validator's pod is Ready on the pod template last applied to its StatefulSet: that
 * template's stellar-core has opened the ledger volume (the init container's new-db, then
 * `run`, which upgrades the database schema before anything else). Only then is what the
 * volume holds known from the template. A pod that never became Ready on it (an image
 * that cannot be pulled, a config refused before the database was opened, a rollout that
 * has not reached it) proves nothing, and a change then must not be refused: a refusal
 * would freeze the broken pod as it is, and keep the user from going back.
 */
export function runsAppliedTemplate(observed: ObservedState, name: string): boolean {
  return (
    observed.appliedStatefulSet !== undefined &&
    (observed.appliedReplicas ?? 0) > 0 &&
    readyCondition(name, observed.statefulSet, false).status === "True"
  );
}
