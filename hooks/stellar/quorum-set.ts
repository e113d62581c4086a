import { parse, TomlError } from "smol-toml";
import { isRecord } from "../kube/objects.js";
import { isPublicKey } from "./strkey.js";

/**
 * The user's quorum TOML. It may hold quorum content only; every other stellar-core key is
 * ours to render (peers, passphrase, ports...), and two sources for one key would make the
 * rendered file ambiguous.
 */
export const QUORUM_KEYS = [
  "NODE_NAMES",
  "QUORUM_SET",
  "VALIDATORS",
  "HOME_DOMAINS",
  "UNSAFE_QUORUM",
  "FAILURE_SAFETY",
] as const;

export type QuorumContent = Record<string, unknown>;

export type QuorumParseResult =
  { ok: true; quorum: QuorumContent; problems: string[] } | { ok: false; error: string };

const FIELD = "spec.validatorConfig.quorumSet";

/**
 * Parses the quorum TOML. `error` makes the spec invalid (nothing is rendered);
 * `problems` are what stellar-core would refuse at start: rendered anyway, because the
 * quorum is the user's choice, but reported in the QuorumSetValid condition.
 */
export function parseQuorumSet(
  toml: string | undefined,
  coreConfigKeys: ReadonlySet<string>,
): QuorumParseResult {
  if (toml === undefined || toml.trim() === "") {
    return {
      ok: true,
      quorum: {},
      problems: [
        `${FIELD} is empty: stellar-core refuses to run a validator without [QUORUM_SET] or [[VALIDATORS]]`,
      ],
    };
  }
  let quorum: QuorumContent;
  try {
    quorum = parse(toml);
  } catch (error) {
    const detail =
      error instanceof TomlError
        ? `line ${error.line}, column ${error.column}: ${firstLine(error.message)}`
        : String(error);
    return { ok: false, error: `${FIELD} is not valid TOML (${detail})` };
  }
  const allowed = new Set<string>(QUORUM_KEYS);
  for (const key of Object.keys(quorum)) {
    if (allowed.has(key)) continue;
    const why = coreConfigKeys.has(key)
      ? "stellar-peers renders that key itself"
      : "stellar-core does not know that key";
    return {
      ok: false,
      error: `${FIELD} may hold only ${QUORUM_KEYS.join(", ")}; it sets ${key} (${why})`,
    };
  }
  return { ok: true, quorum, problems: quorumProblems(quorum) };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

function quorumProblems(quorum: QuorumContent): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const nodeNames = quorum["NODE_NAMES"];
  if (nodeNames !== undefined) {
    if (!Array.isArray(nodeNames)) {
      problems.push(`NODE_NAMES must be an array of "PUBLIC_KEY name" strings`);
    } else {
      for (const entry of nodeNames) {
        const [key, name, ...rest] = typeof entry === "string" ? entry.trim().split(/\s+/) : [];
        if (key === undefined || name === undefined || rest.length > 0 || !isPublicKey(key)) {
          problems.push(
            `NODE_NAMES entry ${JSON.stringify(entry)} is not "G... name" with a valid public key`,
          );
        } else {
          names.add(name);
        }
      }
    }
  }
  const quorumSet = quorum["QUORUM_SET"];
  const validators = quorum["VALIDATORS"];
  if (quorumSet === undefined && validators === undefined) {
    problems.push(
      "no [QUORUM_SET] and no [[VALIDATORS]]: stellar-core refuses to run a validator without a quorum",
    );
  }
  if (quorumSet !== undefined) checkQuorumSetTable(quorumSet, "QUORUM_SET", names, problems);
  if (validators !== undefined) checkAutomaticValidators(quorum, problems);
  return problems;
}

function checkQuorumSetTable(
  table: unknown,
  path: string,
  names: ReadonlySet<string>,
  problems: string[],
): void {
  if (!isRecord(table)) {
    problems.push(`[${path}] must be a table`);
    return;
  }
  const threshold = table["THRESHOLD_PERCENT"];
  if (
    threshold !== undefined &&
    (typeof threshold !== "number" || threshold < 1 || threshold > 100)
  ) {
    problems.push(`[${path}] THRESHOLD_PERCENT must be a number from 1 to 100`);
  }
  const entries = table["VALIDATORS"];
  if (entries !== undefined && !Array.isArray(entries)) {
    problems.push(`[${path}] VALIDATORS must be an array`);
  }
  for (const entry of Array.isArray(entries) ? entries : []) {
    const problem = validatorEntryProblem(entry, names);
    if (problem) problems.push(`[${path}] VALIDATORS entry ${JSON.stringify(entry)} ${problem}`);
  }
  for (const [key, value] of Object.entries(table)) {
    if (isRecord(value)) checkQuorumSetTable(value, `${path}.${key}`, names, problems);
  }
}

function validatorEntryProblem(entry: unknown, names: ReadonlySet<string>): string | undefined {
  if (typeof entry !== "string") return "is not a string";
  if (entry.startsWith("$")) {
    return names.has(entry.slice(1))
      ? undefined
      : `names ${entry.slice(1)}, which NODE_NAMES does not define`;
  }
  if (entry.startsWith("G")) {
    return isPublicKey(entry)
      ? undefined
      : "is not a valid public key (bad length, alphabet or checksum)";
  }
  return "is neither a G... public key nor a $name defined in NODE_NAMES";
}

function checkAutomaticValidators(quorum: QuorumContent, problems: string[]): void {
  const validators = quorum["VALIDATORS"];
  if (!Array.isArray(validators)) {
    problems.push("VALIDATORS must be an array of tables ([[VALIDATORS]])");
    return;
  }
  const homeDomains = new Map<string, unknown>();
  const declared = quorum["HOME_DOMAINS"];
  for (const domain of Array.isArray(declared) ? declared : []) {
    if (isRecord(domain) && typeof domain["HOME_DOMAIN"] === "string") {
      homeDomains.set(domain["HOME_DOMAIN"], domain["QUALITY"]);
    }
  }
  validators.forEach((validator, index) => {
    const where = `[[VALIDATORS]] #${index + 1}`;
    if (!isRecord(validator)) {
      problems.push(`${where} must be a table`);
      return;
    }
    for (const key of ["NAME", "HOME_DOMAIN", "PUBLIC_KEY"]) {
      if (typeof validator[key] !== "string") problems.push(`${where} needs ${key}`);
    }
    const publicKey = validator["PUBLIC_KEY"];
    if (typeof publicKey === "string" && !isPublicKey(publicKey)) {
      problems.push(`${where} PUBLIC_KEY ${JSON.stringify(publicKey)} is not a valid public key`);
    }
    const domain = validator["HOME_DOMAIN"];
    if (
      typeof domain === "string" &&
      validator["QUALITY"] === undefined &&
      homeDomains.get(domain) === undefined
    ) {
      problems.push(
        `${where} has no QUALITY and no [[HOME_DOMAINS]] entry for ${domain} gives one`,
      );
    }
  });
}
