import { parse, TomlError } from "smol-toml";

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
  return { ok: true, quorum };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
