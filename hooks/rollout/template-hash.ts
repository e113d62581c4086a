import { sha256Hex } from "../hash.js";
import { stableStringify } from "../kube/stable-json.js";

/**
 * Names a pod template: the StatefulSet's spec.template exactly as the hook returns it
 * (after the platform's transforms), keys sorted. Every member publishes the hash of its
 * desired and of its applied template (status.rollout), and every sync request carries
 * every member's status: 32 hex digits (128 bits) are plenty to tell two templates apart
 * and keep those requests small.
 */
export function templateHash(template: unknown): string {
  return sha256Hex(stableStringify(template ?? null)).slice(0, 32);
}
