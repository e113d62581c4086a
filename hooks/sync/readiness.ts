import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import type { ConditionInput } from "../kube/conditions.js";

/** Ready from the observed StatefulSet: its pod is Ready and runs the current revision. */
export function readyCondition(
  name: string,
  statefulSet: KubeObject | undefined,
  suspended: boolean,
): ConditionInput {
  if (suspended) {
    return {
      type: "Ready",
      status: "False",
      reason: "Suspended",
      message: "spec.suspended is true: the validator is scaled to 0; set it to false to resume",
    };
  }
  if (statefulSet === undefined) {
    return {
      type: "Ready",
      status: "False",
      reason: "Creating",
      message: `StatefulSet ${name} has not been created yet`,
    };
  }
  const status = isRecord(statefulSet["status"]) ? statefulSet["status"] : {};
  const generation = statefulSet.metadata.generation;
  const observedGeneration = status["observedGeneration"];
  const ready = numberOr(status["readyReplicas"], 0);
  const updated = numberOr(status["updatedReplicas"], 0);
  if (typeof generation === "number" && numberOr(observedGeneration, 0) < generation) {
    return {
      type: "Ready",
      status: "False",
      reason: "Progressing",
      message: `StatefulSet ${name} has a change its controller has not seen yet`,
    };
  }
  if (status["currentRevision"] !== status["updateRevision"] || updated < 1) {
    return {
      type: "Ready",
      status: "False",
      reason: "RollingUpdate",
      message: `pod ${name}-0 is being replaced with the new revision ${String(status["updateRevision"] ?? "")}`,
    };
  }
  if (ready < 1) {
    return {
      type: "Ready",
      status: "False",
      reason: "PodNotReady",
      message: `pod ${name}-0 is not Ready: see "kubectl describe pod ${name}-0" and its logs`,
    };
  }
  return { type: "Ready", status: "True", reason: "PodReady", message: `pod ${name}-0 is Ready` };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}
