import { DATA_DIR } from "../stellar/core-config.js";
import {
  LOCAL_ARCHIVE_DIR,
  LOCAL_ARCHIVE_NAME,
  WELL_KNOWN_STATE,
} from "../stellar/local-history-archive.js";

export const PEERS_MOUNT = "/etc/stellar/peers";
export const CONFIG_MOUNT = "/etc/stellar/config";
export const RUN_DIR = "/run/stellar";
export const ASSEMBLED_CONFIG = `${RUN_DIR}/stellar-core.cfg`;
/** How long the init container waits for kubelet to show the ConfigMap revision it expects. */
const CONFIGMAP_WAIT_SECONDS = 180;
/** How often it looks again while it waits. */
const CONFIGMAP_POLL_SECONDS = 2;

/** The SQLite file of `DATABASE` in the rendered config (hooks/stellar/core-config.ts). */
const DATABASE_FILE = `${DATA_DIR}/stellar.db`;
/** Written once `stellar-core new-db` succeeded on this volume, or an existing schema was found. */
const DB_READY_MARKER = `${DATA_DIR}/.stellar-peers-db-ready`;
/** Present while this script's `stellar-core new-db` runs: left behind if it was interrupted. */
const NEW_DB_RUNNING_MARKER = `${DATA_DIR}/.stellar-peers-new-db-running`;
/**
 * What stellar-core throws when the database holds no schema version: `getVersion` in
 * src/database/Database.cpp (v27.1.0), reached from `Database::upgradeToCurrentSchema`.
 */
const NO_SCHEMA_MESSAGE = "No DB schema version found";

export interface ConfigMapWait {
  /** Seconds between two looks at the mounted ConfigMaps (fractions work with GNU sleep). */
  readonly pollSeconds: number;
  /** Give up waiting (with a warning) after about this many seconds. */
  readonly waitSeconds: number;
}

const DEFAULT_WAIT: ConfigMapWait = {
  pollSeconds: CONFIGMAP_POLL_SECONDS,
  waitSeconds: CONFIGMAP_WAIT_SECONDS,
};

/** The base32 alphabet of strkeys (RFC 4648), spelled out: `A-Z` in a sh pattern depends on the locale. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * The init container's script. It waits until the mounted ConfigMaps hold what the pod
 * template expects: Metacontroller may apply the StatefulSet before the ConfigMaps, and
 * kubelet refreshes mounted ConfigMaps only every minute or so.
 * - The config: the config ConfigMap holds the applied and the desired stellar-core.cfg,
 *   each under a key named by its hash (`configFile` is that key, a shell word that uses
 *   $CONFIG_HASH). The script takes the one its template's CONFIG_HASH names, and checks
 *   its hash: a pod that restarts while a new template waits for its turn (a crash, a
 *   drain) comes back on its applied template with its applied config, never the new
 *   config on the old image. If that config never shows up, it stops rather than start
 *   with another one.
 * - The peers list: the peers ConfigMap names its own hash; a list newer than the template
 *   (listed in peers-hash-history) is taken as it is (a newer list is never a risk). After
 *   the wait it starts with the list as mounted.
 * Then it writes the file stellar-core reads: top-level keys (KNOWN_PEERS, NODE_SEED)
 * first, because every key after a TOML table header would belong to that table, then the
 * rendered config. Last it creates the database on a volume that has none (see
 * {@link databaseSteps}).
 *
 * The wait polls every `wait.pollSeconds` and gives up after `wait.waitSeconds`: it counts
 * polls, not seconds, so fractions of a second work (tests use them).
 */
export function initScript(
  hashFile: string,
  historyFile: string,
  configFile: string,
  wait: ConfigMapWait = DEFAULT_WAIT,
  options: InitScriptOptions = {},
): string {
  if (!(wait.pollSeconds > 0 && Number.isFinite(wait.pollSeconds))) {
    throw new Error(`pollSeconds must be a positive number, not ${wait.pollSeconds}`);
  }
  if (!(wait.waitSeconds >= 0 && Number.isFinite(wait.waitSeconds))) {
    throw new Error(`waitSeconds must be a non-negative number, not ${wait.waitSeconds}`);
  }
  const maxPolls = Math.ceil(wait.waitSeconds / wait.pollSeconds);
  return [
    "set -eu",
    "hash_of() { sha256sum \"$1\" | cut -d' ' -f1; }",
    "peers_current() {",
    `  [ "$(cat ${PEERS_MOUNT}/${hashFile} 2>/dev/null)" = "$PEERS_HASH" ] ||`,
    `    grep -qx "$PEERS_HASH" ${PEERS_MOUNT}/${historyFile} 2>/dev/null`,
    "}",
    `config_file="${CONFIG_MOUNT}/${configFile}"`,
    'config_current() { [ -f "$config_file" ] && [ "$(hash_of "$config_file")" = "$CONFIG_HASH" ]; }',
    "wait_until() {",
    "  polls=0",
    '  until "$1"; do',
    `    if [ "$polls" -ge ${maxPolls} ]; then`,
    '      if [ "$2" = required ]; then',
    `        echo "$1 still false after ${wait.waitSeconds}s: $config_file is not the config of this pod template (CONFIG_HASH $CONFIG_HASH); not starting with another one" >&2`,
    "        exit 1",
    "      fi",
    `      echo "warning: $1 still false after ${wait.waitSeconds}s; starting with the peers list as mounted" >&2`,
    "      return 0",
    "    fi",
    `    sleep ${wait.pollSeconds}`,
    "    polls=$((polls + 1))",
    "  done",
    "}",
    'if [ -n "${PEERS_HASH:-}" ]; then wait_until peers_current optional; fi',
    "wait_until config_current required",
    ...seedSteps(),
    // Only for a declared key: other validators' pod templates stay as they were.
    ...(options.checkPublicKey === true ? publicKeySteps() : []),
    "umask 077",
    "{",
    `  cat ${PEERS_MOUNT}/peers.toml`,
    `  printf 'NODE_SEED="%s"\\n' "$seed"`,
    '  cat "$config_file"',
    `} > ${ASSEMBLED_CONFIG}.tmp`,
    `mv ${ASSEMBLED_CONFIG}.tmp ${ASSEMBLED_CONFIG}`,
    ...databaseSteps(),
    ...(options.publishHistory === true ? publishedArchiveSteps() : []),
    "",
  ].join("\n");
}

export interface InitScriptOptions {
  /** spec.validatorConfig.history.publish: initialize the local archive on first start. */
  readonly publishHistory?: boolean;
  /** spec.validatorConfig.publicKey: refuse a seed of another key (stellar-core sec-to-pub). */
  readonly checkPublicKey?: boolean;
}

/**
 * First start of a publishing validator: `stellar-core new-hist local`, once, on a volume
 * whose archive holds no state yet.
 *
 * What stellar-core v27.1.0 does: `new-hist <HISTORY-LABEL>... --conf FILE` (`runNewHist`
 * in src/main/CommandLine.cpp) creates the application on the existing database
 * (`initializeHistories` in src/main/ApplicationUtils.cpp, so after the database steps),
 * then `HistoryArchiveManager::initializeHistoryArchive` gets the archive's
 * `.well-known/stellar-history.json` through its get command: found, it logs "History
 * archive 'local' already initialized!" and exits 1; not found, it puts an empty History
 * Archive State there (and under history/00/00/00/) through the mkdir and put commands and
 * exits 0. Any failure exits 1.
 *
 * So the script looks for that file itself first, as SDF's helm chart does: present, the
 * archive is initialized (by new-hist or by stellar-core's later publishing) and new-hist
 * would only fail; absent, new-hist runs, and a failure stops the pod (the next start runs
 * it again; a half-written archive without the file is initialized afresh).
 *
 * The archive is served by a server running as another user: new-hist runs with umask
 * 022 (the script's 077 is for the file holding the seed), so its directories and files
 * are world-readable, as those stellar-core writes later under the container's umask.
 */
function publishedArchiveSteps(): string[] {
  const state = `${LOCAL_ARCHIVE_DIR}/${WELL_KNOWN_STATE}`;
  return [
    `if [ -e ${state} ]; then`,
    `  : # initialized before: new-hist would refuse it ("already initialized")`,
    "else",
    `  (umask 022 && stellar-core new-hist ${LOCAL_ARCHIVE_NAME} --conf ${ASSEMBLED_CONFIG}) ||`,
    `    { echo "stellar-core new-hist ${LOCAL_ARCHIVE_NAME} failed; it runs again at the next start" >&2; exit 1; }`,
    "fi",
  ];
}

/**
 * Reads NODE_SEED into `seed`. `kubectl create secret --from-file` keeps the file's final
 * newline, and editors leave spaces or a CR: trailing whitespace is dropped. What remains
 * must look like a secret seed strkey: `S` and 55 characters of the base32 alphabet (56
 * characters: version byte, 32-byte key and CRC16 in base32, as `KeyUtils::fromStrKey`
 * decodes them; stellar-core checks the CRC itself when it loads the config). Anything else
 * stops here, before the value can reach a TOML string it would break: the messages say
 * what is wrong, never what the value is, because it is a secret.
 */
function seedSteps(): string[] {
  const refuse = (why: string): string =>
    `echo "the seed Secret's key STELLAR_CORE_SEED must hold a secret seed (S and 55 characters A-Z, 2-7): ${why}" >&2; exit 1`;
  return [
    'seed="${NODE_SEED:-}"',
    "while :; do",
    '  case "$seed" in',
    "    *[[:space:]]) seed=${seed%?} ;;",
    "    *) break ;;",
    "  esac",
    "done",
    'case "$seed" in',
    `  "") ${refuse("it is empty")} ;;`,
    `  *[!${BASE32}]*) ${refuse("it holds other characters")} ;;`,
    "  S*) ;;",
    `  *) ${refuse("it does not start with S")} ;;`,
    "esac",
    `if [ "\${#seed}" -ne 56 ]; then ${refuse("it holds ${#seed} characters, not 56")}; fi`,
  ];
}

/**
 * With spec.validatorConfig.publicKey (env PUBLIC_KEY), the seed must belong to that key,
 * asked of stellar-core itself: `stellar-core sec-to-pub` (runSecToPub ->
 * priv2pub in src/main/dumpxdr.cpp, v27.1.0) reads one line from standard input
 * (readSecret: std::getline when stdin is not a terminal), prints the public key on
 * standard output, and for a bad seed prints "invalid seed" (SecretKey::fromStrKeySeed's
 * CryptoError) on standard error and still exits 0. So its output is compared, never its
 * exit code; a line that is not a G... key (a log line) is ignored. The seed goes through a
 * pipe from the shell's printf builtin, never an argument (visible in /proc), and no
 * message names it: only the declared key and, on a mismatch, the key the seed is of (a
 * public key).
 */
function publicKeySteps(): string[] {
  return [
    'if [ -n "${PUBLIC_KEY:-}" ]; then',
    `  derived=$(printf '%s\\n' "$seed" | stellar-core sec-to-pub 2>/dev/null | tr -d '\\r' | grep -x 'G[${BASE32}]\\{55\\}' | tail -n 1) || derived=""`,
    '  if [ -z "$derived" ]; then',
    "    echo \"the seed Secret's key STELLAR_CORE_SEED is not a secret seed stellar-core accepts (stellar-core sec-to-pub derives no public key from it); spec.validatorConfig.publicKey is $PUBLIC_KEY: put that key's seed in the Secret; not starting\" >&2",
    "    exit 1",
    "  fi",
    '  if [ "$derived" != "$PUBLIC_KEY" ]; then',
    '    echo "the seed Secret\'s key STELLAR_CORE_SEED holds the seed of $derived, not of spec.validatorConfig.publicKey $PUBLIC_KEY: put the right seed in the Secret, or correct publicKey; not starting" >&2',
    "    exit 1",
    "  fi",
    "fi",
  ];
}

/**
 * First start: create the database only where there is none, and never wipe one that
 * holds a ledger.
 *
 * What stellar-core v27.1.0 does:
 * - `new-db` (`runNewDB` in src/main/CommandLine.cpp -> `initializeDatabase` in
 *   src/main/ApplicationUtils.cpp -> `ApplicationImpl::newDB`) deletes the SQLite files
 *   and starts afresh (`Database::initialize`): run on a synced node it throws the ledger
 *   away. It creates the tables, writes the schema version, upgrades it, then writes the
 *   genesis ledger (`LedgerManager::startNewLedger`). SQLite commits with the default
 *   synchronous=FULL (`DatabaseConfigureSessionOp`), so what it wrote is on disk when it
 *   exits 0.
 * - The SQLite file exists from the moment stellar-core opens it (`Database::open`, in the
 *   constructor), long before the schema is there. A `new-db` that fails or is killed
 *   midway (a bad config, an OOM kill, a node drain) leaves a file without schema, and the
 *   former `[ ! -e stellar.db ] && new-db` never retried: every `run` then failed with
 *   "No DB schema version found, try stellar-core new-db".
 * - `run` (`setupApp` -> `Application::create(clock, cfg, newDB=false)` ->
 *   `ApplicationImpl::initialize` -> `upgradeToCurrentSchemaAndMaybeRebuildLedger`) upgrades
 *   an existing schema itself, so an existing database needs no step here.
 * - `upgrade-db` (`runUpgradeDB`) does exactly that first step of `run` and stops:
 *   `Database::upgradeToCurrentSchema` reads the schema version (`getMainDBSchemaVersion`)
 *   and throws "No DB schema version found, try stellar-core new-db" (`getVersion`) when
 *   `storestate` has none; `handleCommandLine` logs "Got an exception: ..." at FATAL on
 *   stderr and exits 1. With a schema it applies the pending upgrades, checks the
 *   network passphrase and exits 0. Any other failure (another network's database, a
 *   schema newer than this binary, a corrupt file) also exits 1, with another message.
 *
 * So:
 * - no database file: `new-db`;
 * - the ready marker (written only after `new-db` exited 0, or after stellar-core found a
 *   schema): nothing, `run` upgrades;
 * - the running marker (this script's own `new-db` was interrupted; a ledger-less database
 *   it created): `new-db` again. This also covers a `new-db` killed after it wrote the
 *   schema but before the genesis ledger, which `upgrade-db` would take for a database;
 * - a database without markers (a volume from before the markers): ask `upgrade-db`.
 *   Exit 0: adopt it (ready marker). "No DB schema version found": `new-db`, there is no
 *   ledger to lose. Anything else: stop with stellar-core's output and touch nothing; `run`
 *   would fail the same way, and a person must look.
 *
 * Known gaps: on an unmarked volume, a pre-marker `new-db` killed between the schema and
 * the genesis ledger passes `upgrade-db`, and `run` then fails with "Could not load ledger
 * header from database" (`LedgerManagerImpl::loadLastKnownLedgerInternal`); delete
 * stellar.db to recover. stellar-core throws the same "No DB schema version found" when
 * only the misc database (stellar-misc.db, `Database::getMiscDBName`) lost its schema;
 * the script then runs `new-db`, which is what stellar-core's message asks for too.
 * Whoever restores a database into the volume removes the running marker.
 */
function databaseSteps(): string[] {
  const cfg = ASSEMBLED_CONFIG;
  return [
    "new_db() {",
    `  rm -f ${DB_READY_MARKER}`,
    `  : > ${NEW_DB_RUNNING_MARKER}`,
    `  stellar-core new-db --conf ${cfg} || { echo "stellar-core new-db failed; it runs again at the next start" >&2; exit 1; }`,
    `  : > ${DB_READY_MARKER}`,
    `  rm -f ${NEW_DB_RUNNING_MARKER}`,
    "}",
    `if [ ! -e ${DATABASE_FILE} ]; then`,
    "  new_db",
    `elif [ -e ${DB_READY_MARKER} ]; then`,
    "  : # created or adopted before: stellar-core run upgrades the schema itself",
    `elif [ -e ${NEW_DB_RUNNING_MARKER} ]; then`,
    '  echo "the last stellar-core new-db was interrupted; running it again" >&2',
    "  new_db",
    `elif upgrade=$(stellar-core upgrade-db --conf ${cfg} 2>&1); then`,
    "  printf '%s\\n' \"$upgrade\" >&2",
    `  : > ${DB_READY_MARKER}`,
    `elif printf '%s\\n' "$upgrade" | grep -q '${NO_SCHEMA_MESSAGE}'; then`,
    "  printf '%s\\n' \"$upgrade\" >&2",
    `  echo "${DATABASE_FILE} holds no schema (an interrupted new-db): running stellar-core new-db" >&2`,
    "  new_db",
    "else",
    "  printf '%s\\n' \"$upgrade\" >&2",
    `  echo "stellar-core upgrade-db could not open ${DATABASE_FILE}; leaving it untouched" >&2`,
    "  exit 1",
    "fi",
  ];
}
