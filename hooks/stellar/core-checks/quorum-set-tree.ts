import type { NodeNames } from "./node-names.js";
import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";
import { readStringArray, tomlInteger } from "./toml-reads.js";

/** SCPQuorumSet (src/protocol-curr/xdr/Stellar-SCP.x, v27.1.0), validators as G... StrKeys. */
export interface QuorumSet {
  readonly threshold: number;
  readonly validators: readonly string[];
  readonly innerSets: readonly QuorumSet[];
  /** THRESHOLD_PERCENT the threshold came from, when loadQset built the set. */
  readonly thresholdPercent?: number;
}

/** MAXIMUM_QUORUM_NESTING_LEVEL (src/scp/QuorumSetUtils.cpp, v27.1.0); [QUORUM_SET] is level 0. */
export const MAXIMUM_QUORUM_NESTING_LEVEL = 4;

const DEFAULT_THRESHOLD_PERCENT = 67;

const LOAD_QSET: RuleOrigin = { family: "InvalidQuorumSet", origin: "Config::loadQset" };

/** LocalNode::forAllNodes (src/scp/LocalNode.cpp, v27.1.0): every validator, depth first. */
export function forAllNodes(qset: QuorumSet): string[] {
  return [...qset.validators, ...qset.innerSets.flatMap(forAllNodes)];
}

export function topLevelEntries(qset: QuorumSet): number {
  return qset.validators.length + qset.innerSets.length;
}

/**
 * Config::loadQset (src/main/Config.cpp, v27.1.0). stellar-core walks the table in cpptoml's
 * order, which is an unordered_map's and not knowable from the source ("cpptoml returns
 * the items in non-deterministic order", Config::processConfig). This port walks the
 * parsed object's order instead. Only two things can depend on it: which of several
 * errors is reported first (the verdict is the same), and whether a `$name` defined by
 * a "G... name" entry of one table resolves in a sibling table read before it.
 */
export function loadQset(
  group: unknown,
  names: NodeNames,
  bigIntegers = false,
  level = 0,
  path = "QUORUM_SET",
): QuorumSet {
  if (typeof group !== "object" || group === null || Array.isArray(group)) {
    throw new CoreConfigRefused(
      LOAD_QSET,
      "invalid entry in quorum set definition",
      `${path} is ${showValue(group)}, not a table`,
    );
  }
  if (level > MAXIMUM_QUORUM_NESTING_LEVEL) {
    throw new CoreConfigRefused(
      LOAD_QSET,
      "too many levels in quorum set",
      `[${path}] is at nesting level ${level}; stellar-core allows ${MAXIMUM_QUORUM_NESTING_LEVEL} below [QUORUM_SET]`,
    );
  }
  let thresholdPercent = DEFAULT_THRESHOLD_PERCENT;
  const validators: string[] = [];
  const innerSets: QuorumSet[] = [];
  for (const [key, value] of Object.entries(group)) {
    if (key === "THRESHOLD_PERCENT") {
      const percent = tomlInteger(value, bigIntegers);
      if (percent === undefined || percent <= 0n || percent > 100n) {
        const float = bigIntegers && typeof value === "number" && Number.isInteger(value);
        throw new CoreConfigRefused(
          LOAD_QSET,
          "invalid THRESHOLD_PERCENT",
          `THRESHOLD_PERCENT = ${float ? `${value}.0 (a float)` : showValue(value)} in [${path}]; stellar-core needs an integer from 1 to 100`,
        );
      }
      thresholdPercent = Number(percent);
    } else if (key === "VALIDATORS") {
      for (const entry of readStringArray(key, value, LOAD_QSET)) {
        validators.push(names.parseNodeID(entry, LOAD_QSET));
      }
    } else {
      try {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          throw new CoreConfigRefused(
            LOAD_QSET,
            "invalid quorum set, should be a group",
            `${key} = ${showValue(value)} in [${path}] is neither THRESHOLD_PERCENT, VALIDATORS nor an inner set table`,
          );
        }
        innerSets.push(loadQset(value, names, bigIntegers, level + 1, `${path}.${key}`));
      } catch (error) {
        throw error instanceof CoreConfigRefused ? error.whileParsing(key) : error;
      }
    }
  }
  const entries = validators.length + innerSets.length;
  if (entries === 0) {
    // stellar-core computes a threshold first; with no entries its size_t arithmetic
    // wraps, and the emptiness test below throws either way.
    throw new CoreConfigRefused(
      LOAD_QSET,
      "invalid quorum set definition",
      `[${path}] has no validators and no inner sets`,
    );
  }
  // "round up: n*percent/100", in stellar-core's integer arithmetic.
  const threshold = 1 + Math.floor((entries * thresholdPercent - 1) / 100);
  return { threshold, validators, innerSets, thresholdPercent };
}
