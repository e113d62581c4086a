import type { Condition } from "./objects.js";
import { rfc3339 } from "./time.js";

/** A condition as a hook decides it; its times are merged in by mergeConditions. */
export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/** A condition as read from an observed status: only what carrying its time over needs. */
export interface ObservedCondition {
  type: string;
  status: string | undefined;
  reason?: string | undefined;
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
      message: boundedMessage(condition.message),
      lastTransitionTime: since,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    };
  });
}

/**
 * A condition message of at most 2 KiB. A message can quote user input; the status is
 * written to etcd and carried in every group member's sync request, so a long one would
 * cost every member (and past etcd's request limit, the status write would fail).
 */
export const MAX_CONDITION_MESSAGE = 2048;

function boundedMessage(message: string): string {
  if (message.length <= MAX_CONDITION_MESSAGE) return message;
  const suffix = ` ... (${message.length - MAX_CONDITION_MESSAGE} more characters)`;
  return `${message.slice(0, MAX_CONDITION_MESSAGE - suffix.length)}${suffix}`;
}
