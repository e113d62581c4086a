import type { Condition } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { rfc3339 } from "../kube/time.js";

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/**
 * Conditions in Kubernetes' convention: lastTransitionTime is carried over from the
 * observed status while a condition's status stays the same, and is `now` only in the
 * sync where it changes. Output order follows `next`, so it is deterministic.
 */
export function mergeConditions(
  observed: unknown,
  next: readonly ConditionInput[],
  now: Date,
  generation: number | undefined,
): Condition[] {
  const previous = new Map<string, Record<string, unknown>>();
  if (Array.isArray(observed)) {
    for (const condition of observed) {
      if (isRecord(condition) && typeof condition["type"] === "string") {
        previous.set(condition["type"], condition);
      }
    }
  }
  return next.map((condition) => {
    const before = previous.get(condition.type);
    const since =
      before?.["status"] === condition.status && typeof before["lastTransitionTime"] === "string"
        ? before["lastTransitionTime"]
        : rfc3339(now);
    return {
      type: condition.type,
      status: condition.status,
      reason: condition.reason,
      message: condition.message,
      lastTransitionTime: since,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    };
  });
}
