import { compareText, namespacedName } from "./keys.js";

/** A StellarNode as the order of creation sees it. */
export interface CreatedNode {
  name: string;
  namespace: string;
  /** metadata.creationTimestamp; undefined (or unparseable) counts as the newest. */
  creationTimestamp: string | undefined;
}

/**
 * Whether `a` was created before `b`, then (same second, or neither known) whether it comes
 * first by namespace/name: of two members contesting one thing (a nodePort, a node
 * identity), exactly one comes first, the same in both members' syncs, and it keeps it.
 */
export function comesFirst(a: CreatedNode, b: CreatedNode): boolean {
  const [ta, tb] = [creationTime(a), creationTime(b)];
  if (ta !== tb) return ta < tb;
  return compareText(namespacedName(a), namespacedName(b)) < 0;
}

/** How `first` (which comesFirst before `second`) came first, for a message. */
export function howItCameFirst(first: CreatedNode, second: CreatedNode): string {
  return creationTime(first) < creationTime(second)
    ? "created earlier"
    : "created at the same time and first by namespace/name";
}

function creationTime(node: CreatedNode): number {
  const ms = node.creationTimestamp === undefined ? NaN : Date.parse(node.creationTimestamp);
  return Number.isNaN(ms) ? Infinity : ms;
}
