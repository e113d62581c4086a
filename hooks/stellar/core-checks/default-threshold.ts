import type { QuorumSet } from "./quorum-set-tree.js";

/** ValidationThresholdLevels (src/main/Config.h, v27.1.0). */
export const ThresholdLevel = {
  SIMPLE_MAJORITY: 0,
  BYZANTINE_FAULT_TOLERANCE: 1,
  ALL_REQUIRED: 2,
} as const;
export type ThresholdLevel = (typeof ThresholdLevel)[keyof typeof ThresholdLevel];

/**
 * computeDefaultThreshold (src/main/Config.cpp, v27.1.0): n - f with n = 2f+1 for a simple majority
 * (only when there are no inner sets: otherwise byzantine), n for all required, and
 * n - f with n = 3f+1 for byzantine fault tolerance. The empty set gets 0.
 */
export function computeDefaultThreshold(qset: QuorumSet, level: ThresholdLevel): number {
  const topSize = qset.validators.length + qset.innerSets.length;
  if (topSize === 0) return 0;
  if (level === ThresholdLevel.SIMPLE_MAJORITY && qset.innerSets.length === 0) {
    return topSize - Math.floor((topSize - 1) / 2);
  }
  if (level === ThresholdLevel.ALL_REQUIRED) return topSize;
  return topSize - Math.floor((topSize - 1) / 3);
}
