import { parse } from "smol-toml";
import type { GeneratedQuorum } from "../discovery/automatic-quorum.js";
import { sha256Hex } from "../hash.js";
import type { ConditionInput } from "../kube/conditions.js";
import { stableStringify } from "../kube/stable-json.js";
import { isRecord, type KubeObject } from "../kube/objects.js";
import { coreConfigKey } from "../render/core-configmap.js";
import { ANNOTATION_CONFIG_HASH } from "../render/labels.js";
import type { AutomaticQuorum } from "../spec/stellar-node-spec.js";
import type { QuorumFigures } from "../spec/stellar-node-status.js";
import { checkCoreConfig } from "../stellar/core-checks/check-core-config.js";
import {
  computeDefaultThreshold,
  ThresholdLevel,
} from "../stellar/core-checks/default-threshold.js";
import { QUORUM_KEYS } from "../stellar/quorum-set.js";

/**
 * The figures of the quorum a stellar-core.cfg gives, as stellar-core computes them: the
 * generated or loaded set's top-level threshold and FAILURE_SAFETY (Config::validateConfig),
 * and for the node's own home domain, the simple majority Config::generateQuorumSetHelper
 * gives each domain's inner set (computeDefaultThreshold with SIMPLE_MAJORITY: n - (n-1)/2,
 * rounded down): how many of its n validators must agree, and so how many may be down
 * while the organisation still agrees. Undefined for a config stellar-core refuses.
 */
export function quorumFigures(
  configText: string,
  selfPublicKey: string | undefined,
): QuorumFigures | undefined {
  let document: Record<string, unknown>;
  try {
    document = parse(configText);
  } catch {
    return undefined;
  }
  const verdict = checkCoreConfig(
    document,
    selfPublicKey === undefined ? undefined : { selfPublicKey },
  );
  if (!verdict.accepted) return undefined;
  const quorum: Record<string, unknown> = {};
  for (const key of QUORUM_KEYS) if (key in document) quorum[key] = document[key];
  const figures: QuorumFigures = {
    hash: sha256Hex(stableStringify(quorum)),
    validators: verdict.summary.validators,
    topLevelEntries: verdict.summary.topLevelEntries,
    threshold: verdict.summary.threshold,
    failureSafety: verdict.summary.failureSafety,
  };
  const home = document["NODE_HOME_DOMAIN"];
  if (typeof home !== "string" || !Array.isArray(document["HOME_DOMAINS"])) return figures;
  const listed = Array.isArray(document["VALIDATORS"])
    ? document["VALIDATORS"].filter((v) => isRecord(v) && v["HOME_DOMAIN"] === home).length
    : 0;
  const members = listed + 1; // Config::addSelfToValidators adds the node itself
  const threshold = computeDefaultThreshold(
    {
      threshold: 0,
      validators: Array.from({ length: members }, (_, i) => String(i)),
      innerSets: [],
    },
    ThresholdLevel.SIMPLE_MAJORITY,
  );
  return {
    ...figures,
    homeDomainValidators: members,
    homeDomainThreshold: threshold,
    homeDomainCanLose: members - threshold,
  };
}

/**
 * The config the StatefulSet's pod template names (its config-hash annotation), from the
 * children as they go back to Metacontroller: what the pod runs, or is rolling to.
 */
export function runningConfig(children: readonly KubeObject[], name: string): string | undefined {
  const statefulSet = children.find((c) => c.kind === "StatefulSet" && c.metadata.name === name);
  const spec = isRecord(statefulSet?.["spec"]) ? statefulSet["spec"] : {};
  const template = isRecord(spec["template"]) ? spec["template"] : {};
  const metadata = isRecord(template["metadata"]) ? template["metadata"] : {};
  const annotations = isRecord(metadata["annotations"]) ? metadata["annotations"] : {};
  const hash = annotations[ANNOTATION_CONFIG_HASH];
  if (typeof hash !== "string") return undefined;
  for (const child of children) {
    if (child.kind !== "ConfigMap" || !isRecord(child["data"])) continue;
    const text = child["data"][coreConfigKey(hash)];
    if (typeof text === "string") return text;
  }
  return undefined;
}

const MINIMUM_REDUNDANCY = 3;

/**
 * Condition AutomaticQuorum: what the generated quorum holds, what the organisation can
 * lose, who waits to enter and who is left out. False (a warning: the quorum still runs)
 * when a change lowers what the organisation can lose, when members are left out, or when
 * the home domain is at the minimum its quality needs (one member fewer and stellar-core
 * refuses the generated quorum, which then stays as it runs).
 */
export function automaticQuorumCondition(
  homeDomain: string,
  settings: AutomaticQuorum,
  generated: GeneratedQuorum,
  running: QuorumFigures | undefined,
  desired: QuorumFigures | undefined,
): ConditionInput {
  const figures = desired ?? running;
  const parts: string[] = [];
  if (figures?.homeDomainValidators !== undefined) {
    const n = figures.homeDomainValidators;
    parts.push(
      `${n} validator${n === 1 ? "" : "s"} of ${homeDomain} (${settings.quality}, this one included): the organisation agrees while ${figures.homeDomainThreshold ?? n} of them do, so it can lose ${figures.homeDomainCanLose ?? 0}`,
    );
    parts.push(
      `the whole quorum: ${figures.validators} validators, threshold ${figures.threshold} of ${figures.topLevelEntries} top-level entries, FAILURE_SAFETY ${figures.failureSafety}${settings.unsafeQuorum ? " (UNSAFE_QUORUM)" : ""}`,
    );
  }
  if (generated.joining.length > 0) {
    parts.push(
      `waiting to enter once in consensus: ${generated.joining.join(", ")} (quorum-admission: a member not in consensus would count as down)`,
    );
  }
  if (generated.leftOut.length > 0) {
    parts.push(`left out of the quorum: ${generated.leftOut.join(", ")}`);
  }
  const lowers =
    running?.homeDomainCanLose !== undefined &&
    desired?.homeDomainCanLose !== undefined &&
    desired.homeDomainCanLose < running.homeDomainCanLose;
  const highQuality = settings.quality === "HIGH" || settings.quality === "CRITICAL";
  const atMinimum = highQuality && figures?.homeDomainValidators === MINIMUM_REDUNDANCY;
  let reason = "Generated";
  if (lowers) {
    reason = "SafetyLowered";
    parts.unshift(
      `this change lowers what ${homeDomain} can lose from ${running.homeDomainCanLose} to ${desired.homeDomainCanLose} validators`,
    );
  } else if (generated.leftOut.length > 0) {
    reason = "MembersLeftOut";
  } else if (atMinimum) {
    reason = "AtMinimum";
  }
  if (atMinimum) {
    parts.push(
      `${homeDomain} is at the minimum ${settings.quality} needs (${MINIMUM_REDUNDANCY} validators, Config::generateQuorumSetHelper): one member fewer and stellar-core refuses the generated quorum, which then stays as it runs; add a validator, or set automaticQuorum.quality: MEDIUM`,
    );
  }
  return {
    type: "AutomaticQuorum",
    status: reason === "Generated" ? "True" : "False",
    reason,
    message: parts.join("; ") || "the quorum is generated",
  };
}

/** How to fix a generated quorum stellar-core refuses, by the rule that refused it. */
export function automaticQuorumAdvice(message: string, settings: AutomaticQuorum): string {
  if (/redundancy of at least/.test(message)) {
    return `${settings.quality} needs at least ${MINIMUM_REDUNDANCY} validators of the home domain in the quorum (this one, and members in consensus that declare a publicKey of the same homeDomain): add validators, wait for joining ones to reach consensus, or set automaticQuorum.quality: MEDIUM`;
  }
  if (/must have an archive/.test(message)) {
    return "HIGH and CRITICAL need HISTORY on every validator: set validatorConfig.history.publish: true on every member, and history on every validator of automaticQuorum.organizations, or lower the quality";
  }
  if (/without validators with an archive/.test(message)) {
    return "the validators with an archive must be v-blocking, and this node's own archive does not count (stellar-core adds the node without HISTORY): add members that publish history (history.publish: true), or set automaticQuorum.unsafeQuorum: true if you mean it (a group of 1)";
  }
  if (/FAILURE_SAFETY 0|SCP unsafe/.test(message)) {
    return "the quorum can lose nothing (FAILURE_SAFETY 0): a home domain of 1 or 2 validators, or 2 or 3 organisations (the top level needs n - (n-1)/3 of n, so 4 organisations to lose 1); add validators or organisations, or set automaticQuorum.unsafeQuorum: true if you mean it";
  }
  if (/Duplicate validator entry|name already used|naming node twice/.test(message)) {
    return "two entries share a publicKey or NAME: each member and each organisation's validator needs its own";
  }
  return "fix the members' publicKey, homeDomain and history, or automaticQuorum";
}
