import type { Condition } from "./objects.js";
import { rfc3339 } from "./time.js";

/** A condition as a hook decides it; its times are merged in by mergeConditions. */
export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/** A condition as read from an observed status: only what carrying its time over needs. */
export interface ObservedCondition {
  type: string;
  status: string | undefined;
  lastTransitionTime: string | undefined;
}

/**
 * Conditions in Kubernetes' convention: lastTransitionTime is carried over from the
 * observed status while a condition's status stays the same, and is `now` only in the
 * sync where it changes. Output order follows `next`, so it is deterministic.
 */
export function mergeConditions(
  observed: readonly ObservedCondition[],
  next: readonly ConditionInput[],
  now: Date,
  generation: number | undefined,
): Condition[] {
  const previous = new Map<string, ObservedCondition>();
  for (const condition of observed) previous.set(condition.type, condition);
  return next.map((condition) => {
    const before = previous.get(condition.type);
    const since =
      before?.status === condition.status && before.lastTransitionTime !== undefined
        ? before.lastTransitionTime
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
