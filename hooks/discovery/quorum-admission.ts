import { rfc3339 } from "../kube/time.js";
import type { QuorumStatus } from "../spec/stellar-node-status.js";
import type { PeerCandidate } from "./related-nodes.js";

export type QuorumLatches = Pick<
  QuorumStatus,
  "joiningSince" | "inConsensusSince" | "inQuorumSince"
>;

/**
 * When a validator enters its group's generated quorums (status.quorum.inQuorumSince, which
 * every member reads; generate in automatic-quorum.ts). Its own sync decides and publishes
 * it, and keeps it until the validator is suspended.
 *
 * Why not at once: a member in everyone's quorum that is not in consensus counts as a
 * failure. A group of 3 can lose 1 (a simple majority of 3 is 2); with a fourth member
 * still catching up (hours on Mainnet) the majority of 4 is 3, so the group can lose
 * nothing more: the restart of any one member (the very restarts that roll the new quorum
 * out) would halt the organisation. What the existing rules give is not enough: the
 * rollout's rule 4 holds the others' restarts while the new member is unready, but only
 * for stuckAfterSeconds, and a crash or drain of an old member meanwhile still comes back
 * on its applied config (safe) but the newcomer would be counted from the rollout on.
 *
 * So a validator enters the generated quorum:
 * - once it has been Ready, which is in consensus (stellar-core's /info "Synced!"); or
 * - at once, when it started before any validator of its home domain in the group had ever
 *   been in consensus (a group that forms together: nobody's liveness to protect yet, and
 *   its members must count each other to reach consensus at all).
 * The newcomer itself lists the members already in the quorum from its first start, so its
 * own config does not change when it enters; the others' does, once: each restarts once per
 * join, paced by the rollout (and, since the newcomer is Ready by then, without ever
 * counting a member that is not in consensus). Suspension resets all three: a resumed
 * validator catches up first, like a new one. Readiness lost later (a restart, a crash)
 * changes nothing: a quorum that followed readiness would restart the group at every
 * restart of one member.
 */
export function quorumLatches(input: {
  previous: QuorumStatus | undefined;
  ready: boolean;
  suspended: boolean;
  now: Date;
  homeDomain: string | undefined;
  members: readonly PeerCandidate[];
}): QuorumLatches {
  if (input.suspended) return {};
  const now = rfc3339(input.now);
  const previous = input.previous ?? {};
  const joiningSince = previous.joiningSince ?? now;
  const inConsensusSince = previous.inConsensusSince ?? (input.ready ? now : undefined);
  let earliest = Number.POSITIVE_INFINITY;
  for (const member of input.members) {
    const since = member.quorum?.inConsensusSince;
    if (since !== undefined && member.quorum?.homeDomain === input.homeDomain) {
      earliest = Math.min(earliest, Date.parse(since));
    }
  }
  const enters =
    inConsensusSince !== undefined || Date.parse(joiningSince) <= earliest ? now : undefined;
  const inQuorumSince = previous.inQuorumSince ?? enters;
  return {
    joiningSince,
    ...(inConsensusSince === undefined ? {} : { inConsensusSince }),
    ...(inQuorumSince === undefined ? {} : { inQuorumSince }),
  };
}
