import { findClosestVBlocking } from "./closest-v-blocking.js";
import { computeDefaultThreshold, ThresholdLevel } from "./default-threshold.js";
import { isQuorumSetSane } from "./quorum-set-sane.js";
import { forAllNodes, topLevelEntries, type QuorumSet } from "./quorum-set-tree.js";
import { CoreConfigRefused, type RuleOrigin } from "./refusal.js";

export interface QuorumSafety {
  topLevelEntries: number;
  threshold: number;
  failureSafety: number;
  vBlockingSize: number;
  validators: number;
}

const VALIDATE: RuleOrigin = { family: "UnsafeQuorum", origin: "Config::validateConfig" };

/** "3 top-level entries at 67%" for a loaded set; "... (generated)" for [[VALIDATORS]]. */
function describe(qset: QuorumSet): string {
  const entries = topLevelEntries(qset);
  const noun = `${entries} top-level ${entries === 1 ? "entry" : "entries"}`;
  return qset.thresholdPercent === undefined
    ? `${noun} of the quorum set generated from [[VALIDATORS]]`
    : `${noun} at ${qset.thresholdPercent}%`;
}

/**
 * Config::validateConfig (src/main/Config.cpp, v27.1.0), on the loaded or generated QUORUM_SET.
 * `failureSafety` is FAILURE_SAFETY as configured (-1 by default). `level` is
 * byzantine for [QUORUM_SET], and for [[VALIDATORS]] byzantine with more than one home
 * domain (this node's included), simple majority otherwise (Config::processConfig).
 */
export function validateConfig(
  qset: QuorumSet,
  failureSafety: number,
  unsafeQuorum: boolean,
  level: ThresholdLevel,
): QuorumSafety {
  const nodes = new Set(forAllNodes(qset));
  if (nodes.size === 0) {
    throw new CoreConfigRefused(
      { family: "InvalidQuorumSet", origin: "Config::validateConfig" },
      "no validators defined in VALIDATORS/QUORUM_SET",
      "the quorum set is empty",
    );
  }
  const closest = findClosestVBlocking(qset, nodes);
  const minSize = computeDefaultThreshold(qset, level);
  const entries = topLevelEntries(qset);
  const configured = failureSafety !== -1;
  // The default gives every top-level entry the same weight: entries beyond the minimum
  // threshold may fail. It is computed from the minimum, not from the set's threshold.
  const effective = configured ? failureSafety : entries - minSize;
  const safety = `FAILURE_SAFETY ${effective}${configured ? "" : ` (default: ${entries} entries - minimum threshold ${minSize})`}`;

  if (effective >= closest.length) {
    throw new CoreConfigRefused(
      VALIDATE,
      "FAILURE_SAFETY incompatible with QUORUM_SET",
      `${describe(qset)}: threshold ${qset.threshold}, ${safety}, but ${closest.length} failing validator${closest.length === 1 ? "" : "s"} already block the quorum set (findClosestVBlocking); reduce FAILURE_SAFETY or fix the quorum set`,
    );
  }
  if (!unsafeQuorum) {
    if (effective === 0) {
      throw new CoreConfigRefused(
        VALIDATE,
        "SCP unsafe",
        `${describe(qset)}: threshold ${qset.threshold}, ${safety}; stellar-core refuses this unless UNSAFE_QUORUM = true`,
      );
    }
    if (qset.threshold < minSize) {
      throw new CoreConfigRefused(
        VALIDATE,
        "SCP unsafe",
        `${describe(qset)}: threshold ${qset.threshold} is below stellar-core's minimum ${minSize} (THRESHOLD_PERCENT too low); stellar-core refuses this unless UNSAFE_QUORUM = true`,
      );
    }
  }
  const sanity = isQuorumSetSane(qset, !unsafeQuorum);
  if (!sanity.sane) {
    throw new CoreConfigRefused(
      { family: "InvalidQuorumSet", origin: "Config::validateConfig, isQuorumSetSane" },
      "Invalid QUORUM_SET",
      sanity.error.startsWith("Threshold is lower than the v-blocking size")
        ? `${sanity.error} Without UNSAFE_QUORUM = true every level, inner sets included, needs a threshold above half its entries`
        : sanity.error,
    );
  }
  return {
    topLevelEntries: entries,
    threshold: qset.threshold,
    failureSafety: effective,
    vBlockingSize: closest.length,
    validators: nodes.size,
  };
}
