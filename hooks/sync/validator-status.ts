import type { PeerPlan } from "../discovery/plan-peers.js";
import { mergeConditions, type ConditionInput } from "../kube/conditions.js";
import { isRecord, type KubeObject } from "../kube/objects.js";
import { rfc3339 } from "../kube/time.js";
import type { RolloutDecision } from "../rollout/decide.js";
import type { PeerDiscovery } from "../spec/stellar-node-spec.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import type { ObservedState } from "./observed-state.js";
import { readyCondition } from "./readiness.js";

export interface ValidatorStatusInput {
  name: string;
  generation: number | undefined;
  suspended: boolean;
  discovery: PeerDiscovery;
  plan: PeerPlan;
  configHash: string;
  rollout: RolloutDecision;
  /** What stellar-core's rules say of the quorum it accepts (judge-core-config.ts). */
  quorumCondition: ConditionInput;
  manualSteps: readonly string[];
  observed: ObservedState;
  now: Date;
}

/** The status of a rendered validator: its peers, hashes, rollout state and conditions. */
export function validatorStatus(input: ValidatorStatusInput): StellarNodeStatus {
  const { plan, rollout, observed } = input;
  const ready = readyCondition(input.name, observed.statefulSet, input.suspended);
  // Ready for the group means: Ready, and running the peer list this sync puts on the
  // template. In the sync that applies a new list the old pod still looks Ready.
  const runsAppliedList =
    ready.status === "True" &&
    (rollout.podPeersHash === undefined || observed.templatePeersHash === rollout.podPeersHash);
  const unreadySince = runsAppliedList
    ? undefined
    : (observed.status.rollout?.unreadySince ?? rfc3339(input.now));
  const conditions: ConditionInput[] = [
    { type: "Valid", status: "True", reason: "SpecValid", message: "the spec is valid" },
    input.quorumCondition,
    ready,
    rollout.condition,
    specAppliedCondition(input.manualSteps),
  ];
  return {
    peerCount: plan.peers.length,
    peers: plan.statusPeers,
    ...(plan.statusPeersTruncated ? { peersTruncated: true } : {}),
    peersHash: plan.peersHash,
    appliedPeersHash: rollout.appliedPeersHash,
    pendingRestart: rollout.appliedPeersHash !== plan.peersHash,
    configHash: input.configHash,
    rollout: {
      strategy: input.discovery.updateStrategy,
      groupFingerprint: plan.groupFingerprint,
      groupSize: plan.members.length + 1,
      ready: runsAppliedList,
      ...(unreadySince === undefined ? {} : { unreadySince }),
      ...(rollout.pendingSince === undefined ? {} : { pendingSince: rollout.pendingSince }),
      ...(rollout.waitingFor === undefined ? {} : { waitingFor: rollout.waitingFor }),
    },
    conditions: mergeConditions(
      observed.status.conditions,
      conditions,
      input.now,
      input.generation,
    ),
  };
}

/**
 * The status of a refused spec: the last peer figures as observed, with Valid=False saying
 * why; observedGeneration is Metacontroller's to set.
 */
export function refusedStatus(
  parent: KubeObject,
  refusal: { reason: string; message: string },
  observed: ObservedState,
  now: Date,
): StellarNodeStatus {
  const { observedGeneration: _generation, conditions, ...carried } = observed.status;
  const spec = parent["spec"];
  const suspended = isRecord(spec) && spec["suspended"] === true;
  return {
    ...carried,
    conditions: mergeConditions(
      conditions,
      [
        { type: "Valid", status: "False", reason: refusal.reason, message: refusal.message },
        readyCondition(parent.metadata.name, observed.statefulSet, suspended),
      ],
      now,
      parent.metadata.generation,
    ),
  };
}

function specAppliedCondition(manualSteps: readonly string[]): ConditionInput {
  return manualSteps.length === 0
    ? {
        type: "SpecApplied",
        status: "True",
        reason: "Applied",
        message: "every field of the spec is applied",
      }
    : {
        type: "SpecApplied",
        status: "False",
        reason: "ManualStepRequired",
        message: manualSteps.join("; "),
      };
}
