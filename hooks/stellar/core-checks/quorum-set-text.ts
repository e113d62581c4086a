import type { QuorumSet } from "./quorum-set-tree.js";

/**
 * Config::toString(SCPQuorumSet) (src/main/Config.cpp, v27.1.0) over LocalNode::toJson
 * (src/scp/LocalNode.cpp, v27.1.0): { "t": threshold, "v": [short names..., inner sets...] } with
 * Config::toShortString names (the common name, else the first 5 characters of the key).
 * Config::processConfig compares two such texts to decide whether [QUORUM_SET] differs
 * from the set [[VALIDATORS]] generates. Json::StyledWriter is a function of the JSON
 * value, so equal values here mean equal texts there.
 *
 * The generated set's inner sets are in normalizeQSet's order; a loaded set's inner sets
 * are in cpptoml's table order, which the source does not determine. `sortInnerSets`
 * compares inner sets as a multiset: when the sets differ only by that order this check
 * calls them equal, where stellar-core may or may not.
 */
export function quorumSetText(
  qset: QuorumSet,
  shortName: (key: string) => string,
  sortInnerSets: boolean,
): string {
  const inner = qset.innerSets.map((set) => quorumSetText(set, shortName, sortInnerSets));
  if (sortInnerSets) inner.sort();
  return `{"t":${qset.threshold},"v":[${[
    ...qset.validators.map((key) => JSON.stringify(shortName(key))),
    ...inner,
  ].join(",")}]}`;
}
