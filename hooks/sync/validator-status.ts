import type { PeerPlan } from "../discovery/plan-peers.js";
import { mergeConditions, type ConditionInput } from "../kube/conditions.js";
import { isRecord, type Condition, type KubeObject } from "../kube/objects.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import type { ObservedState } from "./observed-state.js";
import { readyCondition } from "./readiness.js";

export interface ValidatorStatusInput {
  name: string;
  generation: number | undefined;
  suspended: boolean;
  plan: PeerPlan;
  configHash: string;
  /** What stellar-core's rules say of the quorum it accepts (judge-core-config.ts). */
  quorumCondition: ConditionInput;
  /** The preferred peers and connection numbers (judge-peer-settings.ts). */
  peerConnectionsCondition: ConditionInput;
  manualSteps: readonly string[];
  observed: ObservedState;
  now: Date;
}

/**
 * The status of a rendered validator before its rollout is decided: its peers, hashes and
 * conditions. The rollout step (rollout-step.ts) adds what the rollout decides after the
 * platform's transforms: pendingRestart, status.rollout and condition TemplateApplied.
 */
export function validatorStatus(input: ValidatorStatusInput): StellarNodeStatus {
  const { plan, observed } = input;
  const conditions: ConditionInput[] = [
    { type: "Valid", status: "True", reason: "SpecValid", message: "the spec is valid" },
    input.quorumCondition,
    input.peerConnectionsCondition,
    readyCondition(input.name, observed.statefulSet, input.suspended),
    specAppliedCondition(input.manualSteps),
  ];
  return {
    peerCount: plan.peers.length,
    peers: plan.statusPeers,
    ...(plan.statusPeersTruncated ? { peersTruncated: true } : {}),
    peersHash: plan.peersHash,
    configHash: input.configHash,
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

/**
 * The status of a coordinated validator whose group view is not whole yet (the namespace
 * decorator has not written it, or a shard is missing): everything as it was, its conditions
 * included (the others read its Valid), and GroupView=False saying what it waits for. Its
 * children are kept as they run meanwhile.
 */
export function awaitingGroupViewStatus(
  parent: KubeObject,
  observed: ObservedState,
  now: Date,
): StellarNodeStatus {
  const { observedGeneration: _generation, conditions, ...carried } = observed.status;
  const raw = isRecord(parent["status"]) ? parent["status"]["conditions"] : undefined;
  const kept = (Array.isArray(raw) ? raw : []).filter(
    (condition: unknown): condition is Condition =>
      isCondition(condition) && condition.type !== "GroupView",
  );
  const waiting = mergeConditions(
    conditions,
    [
      {
        type: "GroupView",
        status: "False",
        reason: "WaitingForNamespaceDecorator",
        message:
          "the group view of this namespace (ConfigMaps stellar-peers-view-*, written by the stellar-peers Namespace DecoratorController) is not there or not whole yet: the validator keeps its children as they run until it is (is the namespace controller installed and its hook answering?)",
      },
    ],
    now,
    parent.metadata.generation,
  );
  return { ...carried, conditions: [...kept, ...waiting] };
}

function isCondition(value: unknown): value is Condition {
  return (
    isRecord(value) &&
    typeof value["type"] === "string" &&
    (value["status"] === "True" || value["status"] === "False" || value["status"] === "Unknown") &&
    typeof value["reason"] === "string" &&
    typeof value["message"] === "string" &&
    typeof value["lastTransitionTime"] === "string"
  );
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
