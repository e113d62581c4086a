import { parse, TomlError } from "smol-toml";
import { nestsDeeperThan } from "../kube/json-depth.js";
import { isRecord } from "../kube/objects.js";
import { parsePeerAddress } from "./peer-address.js";

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

export type QuorumParseResult = { ok: true; quorum: QuorumContent } | { ok: false; error: string };

const FIELD = "spec.validatorConfig.quorumSet";

/**
 * Parses the quorum TOML and keeps it to quorum keys. Whether stellar-core accepts the
 * quorum is judged on the whole rendered config (stellar/core-checks/check-core-config.ts).
 */
export function parseQuorumSet(
  toml: string | undefined,
  coreConfigKeys: ReadonlySet<string>,
): QuorumParseResult {
  if (toml === undefined || toml.trim() === "") {
    return {
      ok: false,
      error: `${FIELD} is empty: stellar-core refuses to run a validator without [QUORUM_SET] or [[VALIDATORS]]`,
    };
  }
  let quorum: QuorumContent;
  try {
    // A __proto__ or constructor key is refused rather than kept on a parsed object.
    quorum = parse(toml, { unsafeKeyBehaviour: "throw", maxDepth: MAX_QUORUM_DEPTH });
  } catch (error) {
    const detail =
      error instanceof TomlError
        ? `line ${error.line}, column ${error.column}: ${firstLine(error.message)}`
        : String(error);
    return { ok: false, error: `${FIELD} is not valid TOML (${detail})` };
  }
  // Tables nest through dotted keys too, which maxDepth does not count; the TOML writer
  // and every recursive reader downstream must only see a bounded depth.
  if (nestsDeeperThan(quorum, MAX_QUORUM_DEPTH)) {
    return {
      ok: false,
      error: `${FIELD} nests tables deeper than ${MAX_QUORUM_DEPTH} levels; stellar-core allows quorum sets 4 levels deep (Config::loadQset)`,
    };
  }
  const emptyKey = emptyKeyPath(quorum);
  if (emptyKey !== undefined) {
    return {
      ok: false,
      error: `${FIELD} has an empty key ("") ${emptyKey === "" ? "at the top level" : `in ${emptyKey}`}: stellar-core's TOML parser refuses it ("Empty component of table name", parser::parse_single_table in lib/util/cpptoml.h, v27.1.0), so it could not load the config`,
    };
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
  const validatorProblem = automaticValidatorsProblem(quorum["VALIDATORS"]);
  if (validatorProblem !== undefined) return { ok: false, error: validatorProblem };
  return { ok: true, quorum };
}

/**
 * Where the parsed quorum TOML has an empty key (`""`): the dotted path of the table holding
 * it ("" for the top level); undefined if none. smol-toml accepts `[QUORUM_SET.""]` (valid TOML) and writes it back as such, but
 * stellar-core's cpptoml throws "Empty component of table name" on it. Tables nest at most
 * MAX_QUORUM_DEPTH levels here (checked before), so the recursion is bounded.
 */
function emptyKeyPath(value: unknown, path = ""): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
    if (!Array.isArray(value) && key === "") return path;
    const found = emptyKeyPath(child, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** How deep the quorum TOML may nest: quorum sets 4 levels deep, with room to spare. */
const MAX_QUORUM_DEPTH = 16;

/**
 * stellar-core splits a [[VALIDATORS]] HISTORY command on whitespace and runs it to fetch
 * history, and dials ADDRESS: both are held to what they are for, as historyArchiveUrls
 * are: HISTORY is `curl -sf <http(s) URL>{0} -o {1}` (the form of SDF's examples, e.g.
 * stellar-core's docs/stellar-core_example_validators.cfg), ADDRESS a `host[:port]`.
 */
function automaticValidatorsProblem(validators: unknown): string | undefined {
  if (!Array.isArray(validators)) return undefined;
  for (const [index, entry] of validators.entries()) {
    if (!isRecord(entry)) continue;
    const where = `${FIELD} [[VALIDATORS]] #${index + 1}`;
    const history = entry["HISTORY"];
    if (history !== undefined && (typeof history !== "string" || !HISTORY_COMMAND.test(history))) {
      return `${where}: HISTORY must be "curl -sf <http(s) URL>{0} -o {1}" with no whitespace, quote, backslash or brace in the URL; it is ${JSON.stringify(history).slice(0, 120)}`;
    }
    const address = entry["ADDRESS"];
    if (
      address !== undefined &&
      (typeof address !== "string" || parsePeerAddress(address) === undefined)
    ) {
      return `${where}: ADDRESS must be host[:port] (a DNS name or IPv4 address, port 1-65535); it is ${JSON.stringify(address).slice(0, 120)}`;
    }
  }
  return undefined;
}

// No brace, quote or backslash in the URL: stellar-core formats the command with fmt (a
// brace is a replacement field: formatString in src/history/HistoryArchive.cpp, v27.1.0)
// and runs it without a shell.
const HISTORY_COMMAND = /^curl -sf https?:\/\/[^\s"'\\{}]*\{0\} -o \{1\}$/;

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
