import { sha256Hex } from "../hash.js";
import type { LabelSelector } from "../kube/label-selector.js";
import { stableStringify } from "../kube/stable-json.js";

/** The pod label that names a validator's group: its PodDisruptionBudget selects on it. */
export const LABEL_GROUP = "stellar.org/group";

export interface GroupIdentity {
  /** The network's name in lower case (only to make the value readable). */
  network: string;
  networkPassphrase: string;
  scope: "Namespace" | "Cluster";
  groupSelector: LabelSelector | undefined;
}

/**
 * The value of the group label for a validator: what makes its group in its namespace
 * (network, scope, group selector), hashed. A pod carries one value of one label, so the
 * budgets that select on it (one per value) never overlap: exactly one budget selects a
 * pod, also when the members of a group disagree on their selectors (they then get
 * different values, and different budgets). The namespace is implicit: a budget only ever
 * selects pods of its own namespace.
 */
export function groupLabelValue(group: GroupIdentity): string {
  const digest = sha256Hex(
    [group.networkPassphrase, group.scope, stableStringify(group.groupSelector ?? null)].join("\n"),
  ).slice(0, 16);
  return `${group.network.toLowerCase().replace(/[^a-z0-9]/g, "")}-${digest}`;
}
