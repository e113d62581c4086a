import { MAXIMUM_QUORUM_NESTING_LEVEL, type QuorumSet } from "./quorum-set-tree.js";

export type Sanity = { sane: true } | { sane: false; error: string };

const MAXIMUM_NODES = 1000;

/**
 * isQuorumSetSane / QuorumSetSanityChecker (src/scp/QuorumSetUtils.cpp, v27.1.0). Config::
 * validateConfig asks for the extra check (threshold at least the v-blocking size, i.e.
 * more than half at every level) unless UNSAFE_QUORUM is set.
 */
export function isQuorumSetSane(qset: QuorumSet, extraChecks: boolean): Sanity {
  const known = new Set<string>();
  let count = 0;

  const check = (set: QuorumSet, depth: number): string | undefined => {
    if (depth > MAXIMUM_QUORUM_NESTING_LEVEL) return "Maximum quorum nesting level exceeded";
    if (set.threshold < 1) return "Threshold must be greater than 0";
    const entries = set.validators.length + set.innerSets.length;
    const vBlockingSize = entries - set.threshold + 1;
    count += set.validators.length;
    if (set.threshold > entries) return "Threshold exceeds total number of entries";
    if (extraChecks && set.threshold < vBlockingSize) {
      return "Threshold is lower than the v-blocking size (< 51%).";
    }
    for (const node of set.validators) {
      if (known.has(node)) return "Duplicate node found in quorum configuration";
      known.add(node);
    }
    for (const inner of set.innerSets) {
      const error = check(inner, depth + 1);
      if (error !== undefined) return error;
    }
    return undefined;
  };

  const error = check(qset, 0);
  if (error !== undefined) return { sane: false, error };
  if (count < 1 || count > MAXIMUM_NODES) {
    return {
      sane: false,
      error: "Total number of nodes in a quorum must be within 1 and 1000",
    };
  }
  return { sane: true };
}
