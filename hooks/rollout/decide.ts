import { rfc3339 } from "../kube/time.js";

/** What the rollout rule knows of one other member of the group, from its status. */
export interface MemberState {
  key: string;
  /** Ranked before the deciding node in the group's order (namespace/name). */
  earlier: boolean;
  valid: boolean;
  published: boolean;
  groupFingerprint: string | undefined;
  /** Its own new pod template (whatever changed in it) is not yet on its StatefulSet. */
  pending: boolean;
  ready: boolean;
  /** Since when it has been unready: its published unreadySince, or its creation time. */
  unreadySince: string | undefined;
  /** Its spec.peerDiscovery.maxUnavailable (undefined: not readable, it asks nothing). */
  maxUnavailable?: number | undefined;
}

export interface RolloutInput {
  now: Date;
  maxUnavailable: number;
  settleSeconds: number;
  stuckAfterSeconds: number;
  groupFingerprint: string;
  /** The hash of the pod template as this sync renders it, after the platform's transforms. */
  desiredTemplateHash: string;
  /**
   * The hash of the pod template on the observed StatefulSet (as last applied); undefined
   * when no pod runs on it (no StatefulSet yet, or scaled to 0): nothing restarts then.
   */
  appliedTemplateHash: string | undefined;
  /**
   * The template hash this node last put on its StatefulSet, from its own status.
   * Metacontroller's cache may still show the template from before that apply; a decision
   * once made is kept, never reverted on such a stale view (a revert would roll the pod
   * twice).
   */
  appliedBefore: string | undefined;
  /** When the current desired template first became pending (carried over from own status). */
  pendingSince: string | undefined;
  /** The other members of the group, in the group's order. */
  others: readonly MemberState[];
}

/** Why a pending template waits: the reason the rule gives, for the condition's message. */
export interface RolloutWait {
  reason: "Settling" | "WaitingForGroup";
  message: string;
}

export interface RolloutDecision {
  /** True: the StatefulSet gets the desired template now; false: it keeps the applied one. */
  applyDesired: boolean;
  /** The hash of the template the StatefulSet carries after this sync. */
  appliedTemplateHash: string;
  pendingSince: string | undefined;
  waitingFor: string | undefined;
  /** Why the desired template waits; undefined when it is applied. */
  wait: RolloutWait | undefined;
  resyncAfterSeconds: number | undefined;
}

/**
 * A member whose unreadySince cannot be read is unready for an unknown time: look again
 * after this long rather than never.
 */
const UNKNOWN_STUCK_RESYNC_SECONDS = 30;

/**
 * The longest timer the hook asks for: the CompositeController's resyncPeriodSeconds, which
 * resyncs every node anyway. It also keeps a huge stuckAfterSeconds from overflowing
 * Metacontroller's conversion of resyncAfterSeconds to a Go time.Duration (negative: a hot
 * loop).
 */
export const MAX_RESYNC_SECONDS = 300;

/**
 * The quorum-safe rollout rule, a pure function of the request and the clock. A node puts
 * a new pod template on its StatefulSet (which restarts its pod), whatever changed in it
 * (peers, config, image, anything a release or a transform renders differently), only
 * when:
 *  1. the template has been stable for settleSeconds (a burst of changes restarts it once);
 *  2. every other member has published the same group fingerprint (no one acts on a
 *     membership another member has not seen yet);
 *  3. no member ranked before it still waits to apply its own new template (one at a
 *     time, in the group's order);
 *  4. fewer than maxUnavailable other members are unready.
 * Invalid members (their children are frozen) and members unready for longer than
 * stuckAfterSeconds do not block anyone. test/unit/rollout-safety.test.ts checks, over
 * generated event sequences with stale reads, that no more than maxUnavailable members are
 * ever rolling at once.
 */
export function decideRollout(input: RolloutInput): RolloutDecision {
  const { now, desiredTemplateHash: desired } = input;
  // The smallest any member of the group asks for, as the group's budget takes it
  // (namespace/group-budgets.ts): one member asking for more never decides for the others.
  const maxUnavailable = Math.min(
    input.maxUnavailable,
    ...input.others.map((member) => member.maxUnavailable ?? Number.POSITIVE_INFINITY),
  );
  const current = input.appliedTemplateHash;
  if (current === undefined || needsNoTurn(input)) return applied(desired);
  const pendingSince = input.pendingSince ?? rfc3339(now);
  const settledFor = (now.getTime() - Date.parse(pendingSince)) / 1000;
  if (settledFor < input.settleSeconds) {
    const remaining = Math.max(1, Math.ceil(input.settleSeconds - settledFor));
    return wait(
      current,
      pendingSince,
      undefined,
      remaining,
      settling(input.settleSeconds, pendingSince),
    );
  }
  // Which member a wait names is for people (status.rollout.waitingFor and the message);
  // the decision is the same whichever is named. Every status write of a member syncs whoever
  // relates it (every member, unless the decorator coordinates the group; then a changed
  // wait is a changed turn), so the one named is the one that changes least
  // while the group rolls one at a time: the first member (in the group's order) that
  // has not published this group, else the nearest earlier member still pending (a
  // member waits on it from settling to its restart, while those before it restart).
  let unpublished: MemberState | undefined;
  let earlierPending: MemberState | undefined;
  let nearestEarlierDown: MemberState | undefined;
  const unavailable: string[] = [];
  let soonestStuck = Number.POSITIVE_INFINITY;
  for (const member of input.others) {
    if (!member.valid) continue;
    const unreadyFor =
      member.ready || member.unreadySince === undefined
        ? 0
        : (now.getTime() - Date.parse(member.unreadySince)) / 1000;
    if (!member.ready && unreadyFor >= input.stuckAfterSeconds) continue;
    if (!member.ready) {
      soonestStuck = Math.min(soonestStuck, input.stuckAfterSeconds - unreadyFor);
      unavailable.push(member.key);
      if (member.earlier) nearestEarlierDown = member;
    }
    if (!member.published || member.groupFingerprint !== input.groupFingerprint) {
      unpublished ??= member;
    } else if (member.earlier && member.pending) {
      earlierPending = member;
    }
  }
  if (unpublished !== undefined) {
    return wait(current, pendingSince, unpublished.key, resyncFor(soonestStuck), {
      reason: "WaitingForGroup",
      message: `waiting for ${unpublished.key} to see the same group of validators (it has not published this group's fingerprint yet; all members need the same peerDiscovery scope and groupSelector)`,
    });
  }
  // Its turn comes after the member ahead of it: that member waits (pending), then restarts
  // (unready), then is Ready. One name and one message for both phases: a wait that changed
  // when the member ahead applied its template would be one more status write per member,
  // spread in time, each waking the whole group.
  const ahead =
    earlierPending ?? (unavailable.length >= maxUnavailable ? nearestEarlierDown : undefined);
  if (ahead !== undefined) {
    return wait(current, pendingSince, ahead.key, resyncFor(soonestStuck), {
      reason: "WaitingForGroup",
      message: `waiting for ${ahead.key}, ahead in the group's order, to go first: to restart with its own new pod template, if it has one, and be Ready (the group restarts one validator at a time in this order, and at most ${maxUnavailable} may be down at once: the smallest spec.peerDiscovery.maxUnavailable of its members)`,
    });
  }
  if (unavailable.length >= maxUnavailable) {
    return wait(current, pendingSince, unavailable[0], resyncFor(soonestStuck), {
      reason: "WaitingForGroup",
      message: `waiting: ${unavailable.join(", ")} not Ready, and at most ${maxUnavailable} validator(s) of the group may be down at once (the smallest spec.peerDiscovery.maxUnavailable of its members)`,
    });
  }
  return applied(desired);
}

/** A turn handed to a coordinated member by the namespace decorator (coordination/turns.ts). */
export interface TurnGrant {
  /** The pending template the turn is for (the member's published status.rollout.templateHash). */
  templateHash: string;
  /** Since when it has been pending (its status.rollout.pendingSince): one wait, one turn. */
  pendingSince: string;
  /** True: it may put the template on its StatefulSet, for TURN_VALID_SECONDS after grantedAt. */
  apply: boolean;
  /** When the decorator decided `apply` (RFC 3339). */
  grantedAt?: string | undefined;
  /** Why it waits, for its condition and status.rollout.waitingFor (apply false). */
  wait?: RolloutWait | undefined;
  waitingFor?: string | undefined;
}

/**
 * How long a turn to apply counts for its member, from grantedAt. A local decision is made
 * from reads a cache's lag old; a turn is acted on whenever the member next syncs, which a
 * backed-up queue or a hook outage can put off without bound, so it must run out. Long
 * enough for a slow queue (a member that misses it waits for the decorator to decide again).
 */
export const TURN_VALID_SECONDS = 30;
/**
 * How long the decorator counts a turn it granted as a restart in progress, and keeps it
 * as granted: the member's window, plus a clock up to TURN_CLOCK_SKEW_SECONDS behind the
 * decorator's, plus the time the member's status takes to show its restart to the decorator
 * (its write, and the decorator's cache). So the decorator never decides for the others
 * while a turn may still be acted on unseen, and the settling bound of the safety argument
 * stays the local one (docs/how-it-works.md).
 */
export const TURN_HOLD_SECONDS = 40;
/** A member's clock may run this far behind the decorator's (a grant from its future). */
const TURN_CLOCK_SKEW_SECONDS = 1;

/** Whether a member may still act on a turn to apply, at its `now`. */
export function turnIsLive(turn: TurnGrant, now: Date): boolean {
  return turnAge(turn, now, TURN_VALID_SECONDS);
}

/** Whether the decorator, at its `now`, counts a turn to apply as a restart in progress. */
export function turnIsHeld(turn: TurnGrant, now: Date): boolean {
  return turnAge(turn, now, TURN_HOLD_SECONDS);
}

function turnAge(turn: TurnGrant, now: Date, seconds: number): boolean {
  if (!turn.apply || turn.grantedAt === undefined) return false;
  const age = (now.getTime() - Date.parse(turn.grantedAt)) / 1000;
  return Number.isFinite(age) && age < seconds && age > -TURN_CLOCK_SKEW_SECONDS;
}

export type TurnInput = Omit<
  RolloutInput,
  "others" | "maxUnavailable" | "stuckAfterSeconds" | "groupFingerprint"
> & {
  turn: TurnGrant | undefined;
  /** The ConfigMap the turn comes in, named in the wait's message. */
  turnConfigMap: string;
};

/**
 * The rollout step of a coordinated member: the same rule as decideRollout, whose group part
 * (rules 1 to 4) the namespace decorator evaluated for it from the statuses the members
 * published, and handed it as its turn. What needs no group is decided here, as there: a
 * template that restarts nothing applies at once, and an applied one is never reverted. A
 * turn counts only for the template and the wait it was given for (a turn of an earlier
 * wait, still in a stale cache, never lets a later template through), and only for
 * TURN_VALID_SECONDS after it was granted; without one the template waits, and the member
 * publishes since when, which is what the decorator reads.
 */
export function decideByTurn(input: TurnInput): RolloutDecision {
  const { now, desiredTemplateHash: desired } = input;
  const current = input.appliedTemplateHash;
  if (current === undefined || needsNoTurn(input)) return applied(desired);
  const pendingSince = input.pendingSince ?? rfc3339(now);
  const turn = input.turn;
  if (turn !== undefined && turn.templateHash === desired && turn.pendingSince === pendingSince) {
    if (turnIsLive(turn, now)) return applied(desired);
    if (turn.apply) {
      // No time in the message: a status write at every expiry would wake the decorator.
      return wait(current, pendingSince, undefined, undefined, {
        reason: "WaitingForGroup",
        message: `its turn ran out before it could act on it: waiting for the namespace's rollout coordinator (the stellar-peers Namespace decorator, in ConfigMap ${input.turnConfigMap}) to decide again`,
      });
    }
    if (turn.wait !== undefined) {
      return wait(current, pendingSince, turn.waitingFor, undefined, turn.wait);
    }
  }
  // Before its turn comes, the wait the decorator will hand while the template settles: the
  // same words, so the turn's arrival is no status write of its own.
  const settledFor = (now.getTime() - Date.parse(pendingSince)) / 1000;
  if (settledFor < input.settleSeconds) {
    return wait(
      current,
      pendingSince,
      undefined,
      undefined,
      settling(input.settleSeconds, pendingSince),
    );
  }
  return wait(current, pendingSince, undefined, undefined, {
    reason: "WaitingForGroup",
    message: `waiting for its turn: the namespace's rollout coordinator (the stellar-peers Namespace decorator, in ConfigMap ${input.turnConfigMap}) has not yet handed one for this template, pending since ${pendingSince}`,
  });
}

/**
 * A template that is applied already, or was applied by this node before (a stale view of its
 * own StatefulSet never reverts it). (No pod running on the applied one restarts nothing
 * either: the callers check that first.)
 */
function needsNoTurn(
  input: Pick<RolloutInput, "appliedTemplateHash" | "desiredTemplateHash" | "appliedBefore">,
): boolean {
  return (
    input.appliedTemplateHash === input.desiredTemplateHash ||
    input.appliedBefore === input.desiredTemplateHash
  );
}

/**
 * The wait of a template that has not been stable for settleSeconds. No countdown in the
 * message: a status that changes at every sync would be written at every sync, and each
 * write syncs whoever relates the member.
 */
function settling(settleSeconds: number, pendingSince: string): RolloutWait {
  return {
    reason: "Settling",
    message: `it waits to be stable for ${settleSeconds}s (spec.peerDiscovery.settleSeconds), pending since ${pendingSince}`,
  };
}

function applied(hash: string): RolloutDecision {
  return {
    applyDesired: true,
    appliedTemplateHash: hash,
    pendingSince: undefined,
    waitingFor: undefined,
    wait: undefined,
    resyncAfterSeconds: undefined,
  };
}

function wait(
  current: string,
  pendingSince: string,
  waitingFor: string | undefined,
  resyncAfterSeconds: number | undefined,
  why: RolloutWait,
): RolloutDecision {
  return {
    applyDesired: false,
    appliedTemplateHash: current,
    pendingSince,
    waitingFor,
    wait: why,
    resyncAfterSeconds,
  };
}

/**
 * A wait ends by an event (a member's status write wakes whoever relates it through
 * Metacontroller's related-object watch: every member, or the coordinating decorator) or by time: an unready member becoming stuck. Only
 * the second needs a timer; a timer for the first would be polling, which at N members
 * waiting through a rollout of N restarts costs syncs that grow as N squared.
 * Metacontroller's own resync (resyncPeriodSeconds: 300) stays the backstop for a lost
 * event.
 */
function resyncFor(secondsUntilStuck: number): number | undefined {
  if (Number.isNaN(secondsUntilStuck)) return UNKNOWN_STUCK_RESYNC_SECONDS;
  if (!Number.isFinite(secondsUntilStuck)) return undefined;
  return Math.min(MAX_RESYNC_SECONDS, Math.max(1, Math.ceil(secondsUntilStuck)));
}
