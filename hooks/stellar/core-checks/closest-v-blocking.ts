import type { QuorumSet } from "./quorum-set-tree.js";

/**
 * LocalNode::findClosestVBlocking (src/scp/LocalNode.cpp, v27.1.0): the smallest set of `nodes`
 * whose failure blocks `qset` (an empty result: the nodes outside `nodes` already block
 * it). Config::validateConfig passes every node of the set, so the size is the number of
 * failures the quorum set survives plus one.
 *
 * stellar-core counts with size_t; (1 + n) - threshold is at least 1 for every set that
 * loadQset or generateQuorumSet builds (threshold <= n), so plain numbers do not differ.
 */
export function findClosestVBlocking(
  qset: QuorumSet,
  nodes: ReadonlySet<string>,
  excluded?: string,
): string[] {
  let leftTillBlock = 1 + qset.validators.length + qset.innerSets.length - qset.threshold;
  let result: string[] = [];
  for (const validator of qset.validators) {
    if (validator === excluded) continue;
    if (!nodes.has(validator)) {
      leftTillBlock--;
      if (leftTillBlock === 0) return [];
    } else {
      result.push(validator);
    }
  }
  // A std::multiset ordered by size keeps equal sizes in insertion order; so does a
  // stable sort.
  const inner: string[][] = [];
  for (const innerSet of qset.innerSets) {
    const closest = findClosestVBlocking(innerSet, nodes, excluded);
    if (closest.length === 0) {
      leftTillBlock--;
      if (leftTillBlock === 0) return [];
    } else {
      inner.push(closest);
    }
  }
  inner.sort((a, b) => a.length - b.length);
  if (result.length > leftTillBlock) result = result.slice(0, leftTillBlock);
  leftTillBlock -= result.length;
  for (const closest of inner) {
    if (leftTillBlock === 0) break;
    result = [...result, ...closest];
    leftTillBlock--;
  }
  return result;
}
