import { namespacedName } from "../kube/keys.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";

/**
 * "namespace/pod" -> IP of each Running pod among the related Pods (PodIP addressing).
 * Pods without an IP, or not Running, are left out: they cannot be reached yet.
 */
export function readPodIps(related: unknown): Map<string, string> {
  const ips = new Map<string, string>();
  if (!isRecord(related)) return ips;
  const pods = related[GROUP_KEYS.Pod];
  if (!isRecord(pods)) return ips;
  for (const pod of Object.values(pods)) {
    if (!isRecord(pod) || !isRecord(pod["metadata"]) || !isRecord(pod["status"])) continue;
    const { name, namespace, deletionTimestamp } = pod["metadata"];
    const { phase, podIP } = pod["status"];
    if (typeof name !== "string" || typeof namespace !== "string") continue;
    if (phase !== "Running" || typeof podIP !== "string" || podIP === "") continue;
    if (deletionTimestamp !== undefined && deletionTimestamp !== null) continue;
    ips.set(namespacedName({ namespace, name }), podIP);
  }
  return ips;
}
