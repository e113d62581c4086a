import type { QuorumSet } from "./quorum-set-tree.js";

/**
 * LocalNode::isVBlocking / isVBlockingInternal (src/scp/LocalNode.cpp, v27.1.0): whether `nodes`
 * intersect every slice of `qset`. The empty set (threshold 0) has no v-blocking set.
 */
export function isVBlocking(qset: QuorumSet, nodes: ReadonlySet<string>): boolean {
  if (qset.threshold === 0) return false;
  let leftTillBlock = 1 + qset.validators.length + qset.innerSets.length - qset.threshold;
  for (const validator of qset.validators) {
    if (nodes.has(validator)) {
      leftTillBlock--;
      if (leftTillBlock <= 0) return true;
    }
  }
  for (const innerSet of qset.innerSets) {
    if (isVBlocking(innerSet, nodes)) {
      leftTillBlock--;
      if (leftTillBlock <= 0) return true;
    }
  }
  return false;
}
