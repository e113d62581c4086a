import { isPublicKey } from "../strkey.js";
import { addHistoryArchive, type HistoryArchives } from "./history.js";
import type { NodeNames } from "./node-names.js";
import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";
import { readString } from "./toml-reads.js";

/** ValidatorQuality (src/main/Config.h, v27.1.0), in its order. */
export const QUALITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Quality = 0 | 1 | 2 | 3;
export const LOW: Quality = 0;
export const HIGH: Quality = 2;
export const CRITICAL: Quality = 3;

/** ValidatorEntry (src/main/Config.h, v27.1.0). */
export interface ValidatorEntry {
  name: string;
  homeDomain: string;
  quality: Quality;
  key: string;
  hasHistory: boolean;
  /** The entry Config::addSelfToValidators adds for this node. */
  self?: true;
}

export type DomainQualities = ReadonlyMap<string, Quality>;

const PARSE_VALIDATORS: RuleOrigin = {
  family: "InvalidValidators",
  origin: "Config::parseValidators",
};
const PARSE_DOMAINS: RuleOrigin = {
  family: "InvalidValidators",
  origin: "Config::parseDomainsQuality",
};

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `as_table_array()`: [[X]] blocks. An empty `X = []` or an array of strings is a plain
 * array to cpptoml, so it is refused like any other value.
 */
function tableArray(value: unknown): Record<string, unknown>[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every(isTable) ? value : undefined;
}

/** Config::parseQuality (src/main/Config.cpp, v27.1.0). */
function parseQuality(text: string, rule: RuleOrigin): Quality {
  const index = QUALITIES.findIndex((quality) => quality === text);
  if (index < 0) {
    throw new CoreConfigRefused(
      { family: rule.family, origin: "Config::parseQuality" },
      `Unknown QUALITY '${text}'`,
      `QUALITY is one of ${QUALITIES.join(", ")}`,
    );
  }
  return index as Quality;
}

/** Config::parseDomainsQuality (src/main/Config.cpp, v27.1.0): the [[HOME_DOMAINS]] blocks. */
export function parseDomainsQuality(value: unknown): Map<string, Quality> {
  const blocks = tableArray(value);
  if (blocks === undefined) {
    throw new CoreConfigRefused(
      PARSE_DOMAINS,
      "malformed HOME_DOMAINS",
      `HOME_DOMAINS must be [[HOME_DOMAINS]] tables, not ${showValue(value)}`,
    );
  }
  const result = new Map<string, Quality>();
  for (const block of blocks) {
    let domain = "";
    let quality: Quality | undefined;
    for (const [field, fieldValue] of Object.entries(block)) {
      if (field === "QUALITY") {
        quality = parseQuality(readString(field, fieldValue, PARSE_DOMAINS), PARSE_DOMAINS);
      } else if (field === "HOME_DOMAIN") {
        domain = readString(field, fieldValue, PARSE_DOMAINS);
      } else {
        throw new CoreConfigRefused(
          PARSE_DOMAINS,
          `Unknown field '${field}' in HOME_DOMAINS`,
          "a [[HOME_DOMAINS]] block holds HOME_DOMAIN and QUALITY only",
        );
      }
    }
    if (quality === undefined || domain === "") {
      throw new CoreConfigRefused(
        PARSE_DOMAINS,
        `Malformed HOME_DOMAINS '${domain}'`,
        "a [[HOME_DOMAINS]] block needs both HOME_DOMAIN and QUALITY",
      );
    }
    if (result.has(domain)) {
      throw new CoreConfigRefused(
        PARSE_DOMAINS,
        `Malformed HOME_DOMAINS: duplicate '${domain}'`,
        `${domain} has two [[HOME_DOMAINS]] blocks`,
      );
    }
    result.set(domain, quality);
  }
  return result;
}

/**
 * Config::parseValidators (src/main/Config.cpp, v27.1.0): the [[VALIDATORS]] blocks. NAME becomes
 * an alias of PUBLIC_KEY, and HISTORY an archive named NAME (Config::addHistoryArchive),
 * which HistoryArchiveManager::checkSensibleConfig then counts like a [HISTORY.*] table.
 * ADDRESS only feeds KNOWN_PEERS / PREFERRED_PEERS, which nothing here checks.
 */
export function parseValidators(
  value: unknown,
  domainQualities: DomainQualities,
  names: NodeNames,
  archives: HistoryArchives,
): ValidatorEntry[] {
  const blocks = tableArray(value);
  if (blocks === undefined) {
    throw new CoreConfigRefused(
      PARSE_VALIDATORS,
      "malformed VALIDATORS",
      `top-level VALIDATORS must be [[VALIDATORS]] tables, not ${showValue(value)} (a [QUORUM_SET] lists its VALIDATORS inside the table)`,
    );
  }
  return blocks.map((block) => {
    let name = "";
    let homeDomain = "";
    let quality: Quality | undefined;
    let publicKey = "";
    let history = "";
    for (const [field, fieldValue] of Object.entries(block)) {
      if (field === "NAME") name = readString(field, fieldValue, PARSE_VALIDATORS);
      else if (field === "HOME_DOMAIN")
        homeDomain = readString(field, fieldValue, PARSE_VALIDATORS);
      else if (field === "QUALITY") {
        quality = parseQuality(readString(field, fieldValue, PARSE_VALIDATORS), PARSE_VALIDATORS);
      } else if (field === "PUBLIC_KEY")
        publicKey = readString(field, fieldValue, PARSE_VALIDATORS);
      else if (field === "ADDRESS") readString(field, fieldValue, PARSE_VALIDATORS);
      else if (field === "HISTORY") history = readString(field, fieldValue, PARSE_VALIDATORS);
      else {
        throw new CoreConfigRefused(
          PARSE_VALIDATORS,
          `malformed VALIDATORS entry, unknown element '${field}'`,
          "a [[VALIDATORS]] block holds NAME, HOME_DOMAIN, QUALITY, PUBLIC_KEY, ADDRESS and HISTORY only",
        );
      }
    }
    if (name === "") {
      throw new CoreConfigRefused(
        PARSE_VALIDATORS,
        "malformed VALIDATORS entry: missing 'NAME'",
        `the block with PUBLIC_KEY ${showValue(publicKey)} has no NAME`,
      );
    }
    if (publicKey === "" || homeDomain === "") {
      throw new CoreConfigRefused(
        PARSE_VALIDATORS,
        `malformed VALIDATORS entry '${name}'`,
        `${name} needs ${publicKey === "" ? "PUBLIC_KEY" : "HOME_DOMAIN"}`,
      );
    }
    const domainQuality = domainQualities.get(homeDomain);
    if (domainQuality !== undefined) {
      if (quality !== undefined) {
        throw new CoreConfigRefused(
          PARSE_VALIDATORS,
          `malformed VALIDATORS entry '${name}': quality already defined in home domain '${homeDomain}'`,
          `remove QUALITY from ${name} or ${homeDomain} from [[HOME_DOMAINS]]`,
        );
      }
      quality = domainQuality;
    }
    if (quality === undefined) {
      throw new CoreConfigRefused(
        PARSE_VALIDATORS,
        `malformed VALIDATORS entry '${name}' (missing quality)`,
        `${name} has no QUALITY and no [[HOME_DOMAINS]] block gives ${homeDomain} one`,
      );
    }
    names.addValidatorName(publicKey, name, PARSE_VALIDATORS);
    if (!isPublicKey(publicKey)) {
      throw new CoreConfigRefused(
        {
          family: "InvalidValidators",
          origin: "KeyUtils::fromStrKey, from Config::parseValidators",
        },
        "bad public key",
        `PUBLIC_KEY ${showValue(publicKey)} of ${name} is not a G... public key (length, alphabet or checksum)`,
      );
    }
    if (history !== "") {
      addHistoryArchive(archives, { name, get: history, put: "", mkdir: "" }, PARSE_VALIDATORS);
    }
    // Config::skipHighCriticalValidatorChecks can lift this only in BUILD_TESTS builds,
    // with SKIP_HIGH_CRITICAL_VALIDATOR_CHECKS_FOR_TESTING, which no validator sets.
    if ((quality === HIGH || quality === CRITICAL) && history === "") {
      throw new CoreConfigRefused(
        PARSE_VALIDATORS,
        `malformed VALIDATORS entry '${name}' (critical and high quality must have an archive)`,
        `${name} is ${QUALITIES[quality]} but has no HISTORY`,
      );
    }
    return { name, homeDomain, quality, key: publicKey, hasHistory: history !== "" };
  });
}
