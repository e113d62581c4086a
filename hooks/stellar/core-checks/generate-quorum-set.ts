import {
  CRITICAL,
  HIGH,
  QUALITIES,
  type Quality,
  type ValidatorEntry,
} from "./automatic-quorum.js";
import { computeDefaultThreshold, ThresholdLevel } from "./default-threshold.js";
import { normalizeQSet } from "./normalize-qset.js";
import type { QuorumSet } from "./quorum-set-tree.js";
import { CoreConfigRefused, type RuleOrigin } from "./refusal.js";

const GENERATE: RuleOrigin = {
  family: "InvalidValidators",
  origin: "Config::generateQuorumSetHelper",
};

/** The redundancy stellar-core wants from a HIGH or CRITICAL home domain. */
const MINIMUM_REDUNDANCY = 3;

/**
 * Config::generateQuorumSetHelper (src/main/Config.cpp, v27.1.0): one inner set per home domain
 * of quality `current` (simple majority), then the rest one level down as a single inner
 * set; the level's threshold is all-required for CRITICAL and byzantine otherwise.
 */
function generateLevel(
  sorted: readonly ValidatorEntry[],
  start: number,
  current: Quality,
): QuorumSet {
  const selfDomain = sorted.find((entry) => entry.self === true)?.homeDomain;
  let index = start;
  const innerSets: QuorumSet[] = [];
  for (let first = sorted[index]; first !== undefined && first.quality === current;) {
    const group: string[] = [];
    let next = index;
    for (
      let other = sorted[next];
      other !== undefined && other.homeDomain === first.homeDomain;
      other = sorted[++next]
    ) {
      if (other.quality !== first.quality) {
        throw new CoreConfigRefused(
          GENERATE,
          `Validators '${first.name}' and '${other.name}' must have same quality`,
          `both are in home domain ${first.homeDomain}, as ${QUALITIES[first.quality]} and ${QUALITIES[other.quality]}`,
        );
      }
      group.push(other.key);
    }
    if (
      group.length < MINIMUM_REDUNDANCY &&
      (first.quality === HIGH || first.quality === CRITICAL)
    ) {
      throw new CoreConfigRefused(
        GENERATE,
        `Critical and High quality validators for '${first.homeDomain}' must have redundancy of at least ${MINIMUM_REDUNDANCY}`,
        `${first.homeDomain} is ${QUALITIES[first.quality]} with ${group.length} validator${group.length === 1 ? "" : "s"}${selfDomain === first.homeDomain ? ", counting this node" : ""}`,
      );
    }
    const domainSet: QuorumSet = { threshold: 0, validators: group, innerSets: [] };
    innerSets.push({
      ...domainSet,
      threshold: computeDefaultThreshold(domainSet, ThresholdLevel.SIMPLE_MAJORITY),
    });
    index = next;
    first = sorted[index];
  }
  const rest = sorted[index];
  if (rest !== undefined) {
    if (rest.quality > current) {
      throw new CoreConfigRefused(
        GENERATE,
        `invalid validator quality for '${rest.name}' (must be ascending)`,
        "validators are sorted by quality first, so stellar-core never reaches this",
      );
    }
    innerSets.push(generateLevel(sorted, index, rest.quality));
  }
  const level: QuorumSet = { threshold: 0, validators: [], innerSets };
  return {
    ...level,
    threshold: computeDefaultThreshold(
      level,
      current === CRITICAL ? ThresholdLevel.ALL_REQUIRED : ThresholdLevel.BYZANTINE_FAULT_TOLERANCE,
    ),
  };
}

/**
 * Config::generateQuorumSet (src/main/Config.cpp, v27.1.0): validators sorted by quality
 * (highest first) then home domain, grouped, then normalizeQSet. stellar-core's std::sort
 * is not stable, so validators of one domain come in an unspecified order; only the names
 * an error message picks depend on it, since normalizeQSet sorts each group's keys.
 */
export function generateQuorumSet(validators: readonly ValidatorEntry[]): QuorumSet {
  const sorted = [...validators].sort((left, right) => {
    if (left.quality !== right.quality) return right.quality - left.quality;
    return left.homeDomain < right.homeDomain ? -1 : left.homeDomain > right.homeDomain ? 1 : 0;
  });
  return normalizeQSet(generateLevel(sorted, 0, CRITICAL));
}
