import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";

/** HistoryArchiveConfiguration (src/main/Config.h, v27.1.0). */
export interface HistoryArchive {
  name: string;
  get: string;
  put: string;
  mkdir: string;
}

/** Config::HISTORY: archive name -> commands. */
export type HistoryArchives = Map<string, HistoryArchive>;

const HISTORY_BLOCK: RuleOrigin = { family: "NoHistoryArchive", origin: "Config::processConfig" };
const SENSIBLE: RuleOrigin = {
  family: "NoHistoryArchive",
  origin: "HistoryArchiveManager::checkSensibleConfig",
};

/** Config::addHistoryArchive (src/main/Config.cpp, v27.1.0). */
export function addHistoryArchive(
  archives: HistoryArchives,
  archive: HistoryArchive,
  rule: RuleOrigin,
): void {
  if (archives.has(archive.name)) {
    throw new CoreConfigRefused(
      { family: rule.family, origin: "Config::addHistoryArchive" },
      `Conflicting archive name '${archive.name}'`,
      `[HISTORY.${archive.name}] and a [[VALIDATORS]] block named ${archive.name} with HISTORY both define archive ${archive.name}`,
    );
  }
  archives.set(archive.name, archive);
}

/** The HISTORY entry of Config::processConfig (src/main/Config.cpp, v27.1.0): [HISTORY.<name>] tables. */
export function parseHistoryTable(value: unknown, archives: HistoryArchives): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CoreConfigRefused(
      HISTORY_BLOCK,
      "incomplete HISTORY block",
      `HISTORY is ${showValue(value)}, not a table of [HISTORY.<name>] tables`,
    );
  }
  for (const [name, table] of Object.entries(value)) {
    if (typeof table !== "object" || table === null || Array.isArray(table)) {
      throw new CoreConfigRefused(
        HISTORY_BLOCK,
        "malformed HISTORY config block",
        `HISTORY.${name} is ${showValue(table)}, not a table`,
      );
    }
    const commands = { get: "", put: "", mkdir: "" };
    for (const [command, text] of Object.entries(table)) {
      if (command !== "get" && command !== "put" && command !== "mkdir") {
        throw new CoreConfigRefused(
          HISTORY_BLOCK,
          `Unknown HISTORY-table entry: '${command}', within [HISTORY.${name}]`,
          "an archive has get, put and mkdir commands only",
        );
      }
      if (typeof text !== "string") {
        // stellar-core reads `as<std::string>()->get()` unchecked: a non-string is a
        // null dereference, a crash rather than an error message.
        throw new CoreConfigRefused(
          HISTORY_BLOCK,
          `[HISTORY.${name}] ${command} is not a string`,
          `it is ${showValue(text)}; stellar-core reads it without a type check and crashes`,
        );
      }
      commands[command] = text;
    }
    addHistoryArchive(archives, { name, ...commands }, HISTORY_BLOCK);
  }
}

/**
 * HistoryArchiveManager::checkSensibleConfig (src/history/HistoryArchiveManager.cpp, v27.1.0),
 * which setupApp (src/main/ApplicationUtils.cpp, v27.1.0) runs before `stellar-core run` starts,
 * for every node, validator or not: every archive needs a get command, and without
 * RUN_STANDALONE at least one archive must be readable. The archives are the [HISTORY.*]
 * tables and the HISTORY of [[VALIDATORS]] blocks (get only). An empty command counts as
 * none (HistoryArchive::hasGetCmd).
 */
export function checkSensibleConfig(
  archives: HistoryArchives,
  runStandalone: boolean,
): CoreConfigRefused[] {
  const refusals: CoreConfigRefused[] = [];
  let readable = 0;
  for (const archive of archives.values()) {
    if (archive.get !== "") {
      readable++;
    } else if (archive.put !== "") {
      refusals.push(
        new CoreConfigRefused(
          SENSIBLE,
          `Archive '${archive.name}' has 'put' but no 'get' command, will be unwritable`,
          "History archives misconfigured",
        ),
      );
    } else {
      refusals.push(
        new CoreConfigRefused(
          SENSIBLE,
          `Archive '${archive.name}' has no 'get' or 'put' command, will not function`,
          "History archives misconfigured",
        ),
      );
    }
  }
  if (readable === 0 && !runStandalone) {
    refusals.push(
      new CoreConfigRefused(
        SENSIBLE,
        "No readable archives configured, catchup will fail",
        archives.size === 0
          ? "there is no [HISTORY.*] table and no [[VALIDATORS]] block has HISTORY; stellar-core run exits"
          : `none of the ${archives.size} archives has a get command; stellar-core run exits`,
      ),
    );
  }
  return refusals;
}

/**
 * The archives HistoryArchiveManager::checkSensibleConfig (v27.1.0) logs as "will be read
 * and written": a get and a put command (`hasGetCmd() && hasPutCmd()`). A put without get
 * is refused above, so these are the archives stellar-core publishes checkpoints to.
 */
export function writableArchives(archives: HistoryArchives): string[] {
  return [...archives.values()]
    .filter((archive) => archive.get !== "" && archive.put !== "")
    .map((archive) => archive.name);
}

/**
 * The archives catchup reads from: HistoryArchiveManager::selectRandomReadableHistoryArchive
 * (src/history/HistoryArchiveManager.cpp, v27.1.0) picks at random among the archives with a
 * get command and no put command ("archives we're explicitly not publishing to"), and only
 * when there are none among those with get and put.
 */
export function catchupArchives(archives: HistoryArchives): string[] {
  const readable = [...archives.values()].filter((archive) => archive.get !== "");
  const getOnly = readable.filter((archive) => archive.put === "");
  return (getOnly.length > 0 ? getOnly : readable).map((archive) => archive.name);
}
