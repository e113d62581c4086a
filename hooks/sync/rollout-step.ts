import type { PeerPlan } from "../discovery/plan-peers.js";
import type { PeerSelf } from "../discovery/peers.js";
import { decideRollout, type RolloutDecision } from "../rollout/decide.js";
import { memberStates } from "../rollout/members.js";
import type { PeerDiscovery } from "../spec/stellar-node-spec.js";
import type { ObservedState } from "./observed-state.js";

/**
 * The rollout rule's input, from the plan and what this node and the other members
 * published: when this node's pod template may take the planned peer list.
 */
export function decideNextStep(
  self: PeerSelf,
  discovery: PeerDiscovery,
  plan: PeerPlan,
  observed: ObservedState,
  now: Date,
): RolloutDecision {
  const previous = observed.status;
  return decideRollout({
    now,
    strategy: discovery.updateStrategy,
    maxUnavailable: discovery.maxUnavailable,
    settleSeconds: discovery.settleSeconds,
    stuckAfterSeconds: discovery.stuckAfterSeconds,
    groupFingerprint: plan.groupFingerprint,
    desiredPeersHash: plan.peersHash,
    appliedPeersHash: observed.templatePeersHash,
    appliedBefore: previous.appliedPeersHash,
    // The list has been pending since then only if it is the same list.
    pendingSince:
      previous.peersHash === plan.peersHash ? previous.rollout?.pendingSince : undefined,
    others: memberStates(self, plan.members),
  });
}
