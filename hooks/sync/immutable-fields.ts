import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { stableStringify } from "../kube/stable-json.js";
import { DATA_VOLUME_CLAIM } from "../render/names.js";

/** StatefulSet fields the API server refuses to change (apps/v1 validation). */

/**
 * The StatefulSet is recreated with the pod template this sync renders, and adopts the
 * running pod: a template still waiting for its paced turn would restart the pod at once,
 * whatever the rest of the group is doing.
 */
const WHEN_TO_ORPHAN =
  'only while no restart is pending for it (TemplateApplied=True, "Pending Restart" false in kubectl get sn): the new StatefulSet carries the pod template rendered now and would restart a pod still waiting for its turn at once';
const IMMUTABLE_FIELDS = ["selector", "serviceName", "volumeClaimTemplates"] as const;

export interface CarriedOver {
  statefulSet: KubeObject;
  /** One message per field whose desired value could not be applied. */
  pending: string[];
}

/**
 * Keeps the immutable fields of an existing StatefulSet as they were applied, so a spec
 * change never turns into an update the API server rejects (which would block every other
 * change too), and says what manual step applies the change.
 */
export function carryOverImmutableFields(
  desired: KubeObject,
  applied: KubeObject | undefined,
): CarriedOver {
  const desiredSpec = desired["spec"];
  const appliedSpec = applied?.["spec"];
  if (!isRecord(desiredSpec) || !isRecord(appliedSpec))
    return { statefulSet: desired, pending: [] };
  const spec: Record<string, unknown> = { ...desiredSpec };
  const pending: string[] = [];
  const name = desired.metadata.name;
  for (const field of IMMUTABLE_FIELDS) {
    const was = appliedSpec[field];
    if (was === undefined || stableStringify(was) === stableStringify(desiredSpec[field])) continue;
    spec[field] = was;
    pending.push(
      field === "volumeClaimTemplates"
        ? `spec.storage changed, but the StatefulSet's volume claim template cannot change: expand the PersistentVolumeClaim ${DATA_VOLUME_CLAIM}-${name}-0 yourself if its StorageClass allows it, then run "kubectl delete statefulset ${name} --cascade=orphan" (the pod and its volume keep running) and stellar-peers recreates the StatefulSet with the new template; ${WHEN_TO_ORPHAN}`
        : `the StatefulSet's spec.${field} differs from what stellar-peers renders and cannot change in place: run "kubectl delete statefulset ${name} --cascade=orphan" and stellar-peers recreates it; ${WHEN_TO_ORPHAN}`,
    );
  }
  return { statefulSet: { ...desired, spec }, pending };
}
