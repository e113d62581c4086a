import { rfc3339 } from "../kube/time.js";
import type { ConditionInput } from "../kube/conditions.js";

/** What the rollout rule knows of one other member of the group, from its status. */
export interface MemberState {
  key: string;
  /** Ranked before the deciding node in the group's order (namespace/name). */
  earlier: boolean;
  valid: boolean;
  published: boolean;
  groupFingerprint: string | undefined;
  /** Its own new peer list is not yet on its pod template. */
  pending: boolean;
  ready: boolean;
  /** Since when it has been unready: its published unreadySince, or its creation time. */
  unreadySince: string | undefined;
}

export interface RolloutInput {
  now: Date;
  strategy: "QuorumSafe" | "LiveConnect";
  maxUnavailable: number;
  settleSeconds: number;
  stuckAfterSeconds: number;
  groupFingerprint: string;
  desiredPeersHash: string;
  /** The peers hash on the observed pod template; undefined before the StatefulSet exists. */
  appliedPeersHash: string | undefined;
  /**
   * The hash this node last put on its template, from its own status. Metacontroller's
   * cache may still show the template from before that apply; a decision once made is
   * kept, never reverted on such a stale view (a revert would roll the pod twice).
   */
  appliedBefore: string | undefined;
  /** When the current desired list first became pending (carried over from own status). */
  pendingSince: string | undefined;
  /** The other members of the group, in the group's order. */
  others: readonly MemberState[];
}

export interface RolloutDecision {
  /** The peers hash the pod template gets now; undefined for LiveConnect (not on the template). */
  podPeersHash: string | undefined;
  /** The hash the running config is (or will be) built from. */
  appliedPeersHash: string;
  pendingSince: string | undefined;
  waitingFor: string | undefined;
  condition: ConditionInput;
  resyncAfterSeconds: number | undefined;
}

/** When nothing else wakes a waiting node up (a related status change does), look again. */
const WAITING_RESYNC_SECONDS = 30;

/**
 * The quorum-safe rollout rule, a pure function of the request and the clock. A node puts
 * a new peer list on its pod template (which restarts it) only when:
 *  1. the list has been stable for settleSeconds (a burst of joins restarts it once);
 *  2. every other member has published the same group fingerprint (no one acts on a
 *     membership another member has not seen yet);
 *  3. no member ranked before it still waits to apply its own new list (one at a time,
 *     in the group's order);
 *  4. fewer than maxUnavailable other members are unready.
 * Invalid members (their children are frozen) and members unready for longer than
 * stuckAfterSeconds do not block anyone. test/unit/rollout-safety.test.ts checks, over
 * generated event sequences with stale reads, that no more than maxUnavailable members are
 * ever rolling at once.
 */
export function decideRollout(input: RolloutInput): RolloutDecision {
  const { now, desiredPeersHash: desired } = input;
  if (input.strategy === "LiveConnect") {
    return applied(undefined, desired, {
      type: "PeersApplied",
      status: "True",
      reason: "LiveConnect",
      message: "the peer-connector sidecar connects new peers at runtime; no restart",
    });
  }
  if (
    input.appliedPeersHash === undefined ||
    input.appliedPeersHash === desired ||
    input.appliedBefore === desired
  ) {
    return applied(desired, desired, {
      type: "PeersApplied",
      status: "True",
      reason: "Applied",
      message: "the pod runs with the current peer list",
    });
  }
  const current = input.appliedPeersHash;
  const pendingSince = input.pendingSince ?? rfc3339(now);
  const settledFor = (now.getTime() - Date.parse(pendingSince)) / 1000;
  if (settledFor < input.settleSeconds) {
    const remaining = Math.max(1, Math.ceil(input.settleSeconds - settledFor));
    return wait(current, pendingSince, undefined, remaining, {
      reason: "Settling",
      message: `a new peer list waits ${remaining}s more to be stable for ${input.settleSeconds}s before the pod restarts with it`,
    });
  }
  let unavailable: string[] = [];
  let soonestStuck = Number.POSITIVE_INFINITY;
  for (const member of input.others) {
    if (!member.valid) continue;
    const unreadyFor =
      member.ready || member.unreadySince === undefined
        ? 0
        : (now.getTime() - Date.parse(member.unreadySince)) / 1000;
    if (!member.ready && unreadyFor >= input.stuckAfterSeconds) continue;
    if (!member.ready) soonestStuck = Math.min(soonestStuck, input.stuckAfterSeconds - unreadyFor);
    if (!member.published || member.groupFingerprint !== input.groupFingerprint) {
      return wait(current, pendingSince, member.key, resyncFor(soonestStuck), {
        reason: "WaitingForGroup",
        message: `waiting for ${member.key} to see the same group of validators (it has not published this group's fingerprint yet; all members need the same peerDiscovery scope and groupSelector)`,
      });
    }
    if (member.earlier && member.pending) {
      return wait(current, pendingSince, member.key, resyncFor(soonestStuck), {
        reason: "WaitingForGroup",
        message: `waiting for ${member.key}, ahead in the group's order, to restart with its new peer list first`,
      });
    }
    if (!member.ready) unavailable = [...unavailable, member.key];
  }
  if (unavailable.length >= input.maxUnavailable) {
    return wait(current, pendingSince, unavailable[0], resyncFor(soonestStuck), {
      reason: "WaitingForGroup",
      message: `waiting: ${unavailable.join(", ")} not Ready, and at most ${input.maxUnavailable} validator(s) of the group may be down at once (spec.peerDiscovery.maxUnavailable)`,
    });
  }
  return applied(desired, desired, {
    type: "PeersApplied",
    status: "True",
    reason: "Applied",
    message: "the new peer list is on the pod template; the pod restarts with it",
  });
}

function applied(
  podPeersHash: string | undefined,
  hash: string,
  condition: ConditionInput,
): RolloutDecision {
  return {
    podPeersHash,
    appliedPeersHash: hash,
    pendingSince: undefined,
    waitingFor: undefined,
    condition,
    resyncAfterSeconds: undefined,
  };
}

function wait(
  current: string,
  pendingSince: string,
  waitingFor: string | undefined,
  resyncAfterSeconds: number,
  condition: { reason: string; message: string },
): RolloutDecision {
  return {
    podPeersHash: current,
    appliedPeersHash: current,
    pendingSince,
    waitingFor,
    condition: { type: "PeersApplied", status: "False", ...condition },
    resyncAfterSeconds,
  };
}

function resyncFor(secondsUntilStuck: number): number {
  if (Number.isNaN(secondsUntilStuck)) return WAITING_RESYNC_SECONDS;
  return Math.max(1, Math.min(WAITING_RESYNC_SECONDS, Math.ceil(secondsUntilStuck)));
}
