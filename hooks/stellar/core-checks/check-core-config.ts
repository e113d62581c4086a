import {
  parseDomainsQuality,
  parseValidators,
  type DomainQualities,
  type ValidatorEntry,
} from "./automatic-quorum.js";
import { ThresholdLevel } from "./default-threshold.js";
import { generateQuorumSet } from "./generate-quorum-set.js";
import {
  catchupArchives,
  checkSensibleConfig,
  parseHistoryTable,
  writableArchives,
  type HistoryArchives,
} from "./history.js";
import { verifyHistoryValidatorsBlocking } from "./history-validators-blocking.js";
import { NodeNames } from "./node-names.js";
import { quorumSetText } from "./quorum-set-text.js";
import { loadQset, type QuorumSet } from "./quorum-set-tree.js";
import { CoreConfigRefused, type RuleOrigin } from "./refusal.js";
import { addSelfToValidators, selfKey } from "./self-validator.js";
import { integersAreBigInt, readBool, readInt, readString, readStringArray } from "./toml-reads.js";
import { validateConfig } from "./validate-config.js";
import { checkValidatorWeights } from "./validator-weights.js";

export interface CoreConfigRefusal {
  /** One of: "InvalidQuorumSet" | "UnsafeQuorum" | "InvalidValidators" | "NoHistoryArchive" | "InvalidHomeDomain" */
  family: string;
  /** stellar-core function the rule comes from, e.g. "Config::validateConfig" */
  origin: string;
  /** stellar-core's own error text, then the numbers behind it, e.g. "SCP unsafe: 3 top-level entries at 67%: threshold 3, FAILURE_SAFETY 0; stellar-core refuses this unless UNSAFE_QUORUM = true (Config::validateConfig)" */
  message: string;
}
export interface CoreConfigSummary {
  topLevelEntries: number;
  threshold: number;
  failureSafety: number;
  vBlockingSize: number;
  validators: number;
  /**
   * Archives stellar-core will publish to: those with get and put commands
   * (HistoryArchiveManager::checkSensibleConfig's read-write archives; with none it warns
   * "No writable archives configured, history will not be written").
   */
  writableArchives: number;
  /**
   * The archives catchup reads history from (HistoryArchiveManager::
   * selectRandomReadableHistoryArchive): the get-only ones, or with none of those the
   * writable ones.
   */
  catchupArchives: string[];
}
export type CoreConfigVerdict =
  | { accepted: true; summary: CoreConfigSummary }
  | { accepted: false; refusals: CoreConfigRefusal[] };

const PROCESS_QUORUM: RuleOrigin = { family: "InvalidQuorumSet", origin: "Config::processConfig" };
const PROCESS_NAMES: RuleOrigin = { family: "InvalidValidators", origin: "Config::processConfig" };
const INT32_MAX = 2n ** 31n - 1n;

/** The top-level settings Config::processConfig reads in its loop over the items. */
interface Settings {
  isValidator: boolean;
  nodeHomeDomain: string;
  unsafeQuorum: boolean;
  failureSafety: number;
  runStandalone: boolean;
  /** The document was parsed with integersAsBigInt (see tomlInteger). */
  bigIntegers: boolean;
  names: NodeNames;
  domainQualities: DomainQualities;
  archives: HistoryArchives;
}

function refusalOf(error: unknown): CoreConfigRefused {
  if (error instanceof CoreConfigRefused) return error;
  throw error;
}

/**
 * Config::processConfig's loop over the top-level items (src/main/Config.cpp, v27.1.0).
 * stellar-core visits them in cpptoml's order, which the source leaves unspecified, and
 * stops at the first throw; the items do not depend on each other, so every failing one
 * is reported.
 */
function readSettings(document: Record<string, unknown>): Settings | CoreConfigRefused[] {
  const refusals: CoreConfigRefused[] = [];
  const read = <T>(key: string, fallback: T, reader: (value: unknown) => T): T => {
    if (!(key in document)) return fallback;
    try {
      return reader(document[key]);
    } catch (error) {
      refusals.push(refusalOf(error));
      return fallback;
    }
  };
  const names = new NodeNames();
  const archives: HistoryArchives = new Map();
  const bigIntegers = integersAreBigInt(document);
  const settings: Settings = {
    isValidator: read("NODE_IS_VALIDATOR", false, (value) =>
      readBool("NODE_IS_VALIDATOR", value, PROCESS_QUORUM),
    ),
    nodeHomeDomain: read("NODE_HOME_DOMAIN", "", (value) =>
      readString("NODE_HOME_DOMAIN", value, {
        family: "InvalidHomeDomain",
        origin: "Config::processConfig",
      }),
    ),
    unsafeQuorum: read("UNSAFE_QUORUM", false, (value) =>
      readBool("UNSAFE_QUORUM", value, PROCESS_QUORUM),
    ),
    failureSafety: read("FAILURE_SAFETY", -1, (value) =>
      readInt(
        "FAILURE_SAFETY",
        value,
        -1n,
        INT32_MAX - 1n,
        { family: "UnsafeQuorum", origin: "Config::processConfig" },
        bigIntegers,
      ),
    ),
    runStandalone: read("RUN_STANDALONE", false, (value) =>
      readBool("RUN_STANDALONE", value, {
        family: "NoHistoryArchive",
        origin: "Config::processConfig",
      }),
    ),
    bigIntegers,
    names,
    domainQualities: read("HOME_DOMAINS", new Map(), parseDomainsQuality),
    archives,
  };
  read("NODE_NAMES", undefined, (value) => {
    for (const entry of readStringArray("NODE_NAMES", value, PROCESS_NAMES)) {
      names.parseNodeID(entry, PROCESS_NAMES);
    }
  });
  read("HISTORY", undefined, (value) => parseHistoryTable(value, archives));
  return refusals.length > 0 ? refusals : settings;
}

/** Config::parseNodeIDsIntoSet (src/main/Config.cpp, v27.1.0): these lists can name keys too. */
function parseNodeIDsIntoSet(document: Record<string, unknown>, key: string, names: NodeNames) {
  if (!(key in document)) return;
  for (const entry of readStringArray(key, document[key], PROCESS_NAMES)) {
    names.parseNodeID(entry, PROCESS_NAMES);
  }
}

/**
 * The [QUORUM_SET]-versus-[[VALIDATORS]] rule of Config::processConfig
 * (src/main/Config.cpp, v27.1.0): a [QUORUM_SET]
 * that differs from the set [[VALIDATORS]] generates needs UNSAFE_QUORUM.
 */
function checkOverride(
  loaded: QuorumSet,
  names: NodeNames,
  generated: QuorumSet,
  namesBeforeLoad: NodeNames,
  validators: readonly ValidatorEntry[],
  selfKnown: boolean,
  unsafeQuorum: boolean,
): void {
  if (validators.length === 0 || unsafeQuorum) return;
  const includesUnknownSelf = !selfKnown && validators.some((v) => v.self === true);
  if (
    !includesUnknownSelf &&
    quorumSetText(loaded, (key) => names.shortName(key), true) ===
      quorumSetText(generated, (key) => namesBeforeLoad.shortName(key), true)
  ) {
    return;
  }
  throw new CoreConfigRefused(
    { family: "UnsafeQuorum", origin: "Config::processConfig" },
    "SCP unsafe",
    includesUnknownSelf
      ? "[QUORUM_SET] is set next to [[VALIDATORS]]: stellar-core refuses it unless it equals the set generated from [[VALIDATORS]] plus this node, or UNSAFE_QUORUM = true; this node's public key is not known here, so the check assumes they differ"
      : "Can't override [[VALIDATORS]] with QUORUM_SET unless you also set UNSAFE_QUORUM=true: [QUORUM_SET] differs from the set generated from [[VALIDATORS]]",
  );
}

/**
 * Config::processConfig (src/main/Config.cpp, v27.1.0) from the item loop on, in its order, then
 * HistoryArchiveManager::checkSensibleConfig, which `stellar-core run` adds. Each throw
 * ends stellar-core's load, so after the first one only the archive check, whose input
 * is complete once [[VALIDATORS]] are read, is still reported.
 */
function processConfig(
  document: Record<string, unknown>,
  settings: Settings,
  options: { selfPublicKey?: string },
): { summary?: CoreConfigSummary; refusals: CoreConfigRefused[] } {
  const { names, domainQualities, archives, unsafeQuorum } = settings;
  const self = selfKey(options.selfPublicKey);
  const hasQuorumSet = "QUORUM_SET" in document;
  let archivesComplete = !("VALIDATORS" in document);
  const historyRefusals = () =>
    archivesComplete ? checkSensibleConfig(archives, settings.runStandalone) : [];
  try {
    let validators: ValidatorEntry[] = [];
    if ("VALIDATORS" in document) {
      validators = parseValidators(document["VALIDATORS"], domainQualities, names, archives);
      archivesComplete = true;
    }
    // "if only QUORUM_SET is specified: we don't populate validators at all"
    if (settings.isValidator && !(validators.length === 0 && hasQuorumSet)) {
      validators = addSelfToValidators(
        validators,
        domainQualities,
        settings.nodeHomeDomain,
        self.key,
      );
    }
    parseNodeIDsIntoSet(document, "PREFERRED_PEER_KEYS", names);
    parseNodeIDsIntoSet(document, "SURVEYOR_KEYS", names);
    // Generated, and so checked, even when [QUORUM_SET] is what stellar-core will use.
    const generated = generateQuorumSet(validators);
    const namesBeforeLoad = names.copy();
    let qset: QuorumSet;
    let level: ThresholdLevel;
    if (hasQuorumSet) {
      qset = loadQset(document["QUORUM_SET"], names, settings.bigIntegers);
      checkOverride(qset, names, generated, namesBeforeLoad, validators, self.known, unsafeQuorum);
      level = ThresholdLevel.BYZANTINE_FAULT_TOLERANCE;
    } else {
      qset = generated;
      verifyHistoryValidatorsBlocking(validators, qset, unsafeQuorum);
      if (settings.isValidator) checkValidatorWeights(validators);
      const domains = new Set(validators.map((validator) => validator.homeDomain));
      level =
        domains.size > 1
          ? ThresholdLevel.BYZANTINE_FAULT_TOLERANCE
          : ThresholdLevel.SIMPLE_MAJORITY;
    }
    const summary = {
      ...validateConfig(qset, settings.failureSafety, unsafeQuorum, level),
      writableArchives: writableArchives(archives).length,
      catchupArchives: catchupArchives(archives),
    };
    return { summary, refusals: historyRefusals() };
  } catch (error) {
    return { refusals: [refusalOf(error), ...historyRefusals()] };
  }
}

/** `document`: the stellar-core.cfg as parsed TOML (smol-toml `parse`), without NODE_SEED and KNOWN_PEERS. */
export function checkCoreConfig(
  document: Record<string, unknown>,
  options?: { selfPublicKey?: string },
): CoreConfigVerdict {
  const settings = readSettings(document);
  if (Array.isArray(settings)) {
    return { accepted: false, refusals: settings.map((refusal) => refusal.toRefusal()) };
  }
  const { summary, refusals } = processConfig(document, settings, options ?? {});
  if (summary !== undefined && refusals.length === 0) return { accepted: true, summary };
  return { accepted: false, refusals: refusals.map((refusal) => refusal.toRefusal()) };
}
