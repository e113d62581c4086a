import { ADMIN_HTTP_PORT } from "../stellar/peer-address.js";
import { ASSEMBLED_CONFIG } from "./init-script.js";

/**
 * What the probe asks for:
 * - `answers`: stellar-core's admin port answered `info` at all (startup, liveness);
 * - `synced`: and its state is "Synced!", i.e. it is in consensus (readiness).
 */
export type CoreProbeCheck = "answers" | "synced";

/** The probe gives up on a silent stellar-core after this long, before kubelet's timeout. */
const CORE_PROBE_COMMAND_TIMEOUT_SECONDS = 8;
const PROBE_TIMEOUT_SECONDS = CORE_PROBE_COMMAND_TIMEOUT_SECONDS + 2;

/**
 * The probe script, for `/bin/sh -c`. The admin port answers on 127.0.0.1 only
 * (PUBLIC_HTTP_PORT=false), so kubelet cannot httpGet it: the probe runs in the container.
 *
 * It asks with `stellar-core http-command info --conf <file>`, the one tool the image is
 * sure to have (stellar/stellar-core's docker/setup also installs curl and wget, other
 * images may not). What that command does in v27.1.0 (`runHttpCommand` in
 * src/main/CommandLine.cpp -> `httpCommand` in src/main/ApplicationUtils.cpp ->
 * `http_request` in lib/http/HttpClient.cpp): it loads the config for HTTP_PORT, sends
 * `GET /info HTTP/1.0` to 127.0.0.1:HTTP_PORT, and on HTTP 200 prints the response headers
 * and the body on stdout. On any other outcome (connection refused, another status) it
 * only logs "http failed(...)" at INFO on stderr, and it exits 0 either way: the probe
 * judges the output, never the exit status. It has no timeout of its own and stellar-core
 * answers from its main thread, which is busy for minutes while it loads its state at
 * start (`ApplicationImpl::start` -> `LedgerManager::loadLastKnownLedger`; the admin port
 * already accepts connections then), hence `timeout` when the image has it.
 *
 * `info` answers with `ApplicationImpl::getJsonInfo(...).toStyledString()`
 * (`CommandHandler::info`): jsoncpp's StyledWriter, `"state" : "Synced!"`, with a space on
 * both sides of the colon; the match allows any spacing. The states are those of
 * `ApplicationImpl::getStateHuman`: "Booting", "Joining SCP", "Connected", "Catching up",
 * "Synced!", "Stopping". Before `CommandHandler::setReady` every command answers
 * `{"error": "Core is booting, try again later"}` (`CommandHandler::safeRouter`), which
 * counts as an answer but not as synced.
 */
export function coreProbeScript(
  check: CoreProbeCheck,
  configFile: string = ASSEMBLED_CONFIG,
  commandTimeoutSeconds: number = CORE_PROBE_COMMAND_TIMEOUT_SECONDS,
): string {
  const lines = [
    "set -u",
    `if command -v timeout >/dev/null 2>&1; then limit="timeout ${commandTimeoutSeconds}"; else limit=; fi`,
    // $limit unquoted on purpose: empty, or `timeout N` as two words.
    `info=$($limit stellar-core http-command info --conf ${configFile}) || true`,
    'case "$info" in',
    "  *'{'*) ;;",
    `  *) echo "stellar-core does not answer info on 127.0.0.1:${ADMIN_HTTP_PORT}" >&2; exit 1 ;;`,
    "esac",
  ];
  if (check === "synced") {
    lines.push(
      `if printf '%s\\n' "$info" | grep -Eq '"state"[[:space:]]*:[[:space:]]*"Synced!"'; then exit 0; fi`,
      `state=$(printf '%s\\n' "$info" | sed -n 's/.*"state"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p' | head -n 1)`,
      'if [ -z "$state" ]; then state=$(printf \'%s\\n\' "$info" | sed -n \'s/.*"error"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p\' | head -n 1); fi',
      'echo "stellar-core is not in consensus: ${state:-no state in its info answer}" >&2',
      "exit 1",
    );
  } else {
    lines.push("exit 0");
  }
  return `${lines.join("\n")}\n`;
}

function execProbe(check: CoreProbeCheck): Record<string, unknown> {
  return { exec: { command: ["/bin/sh", "-c", coreProbeScript(check)] } };
}

/**
 * Startup: stellar-core answers `info` at all. Before it does, `run` upgrades the schema
 * and loads its state (`ApplicationImpl::initialize`, then `ApplicationImpl::start`:
 * `loadLastKnownLedger` assumes the bucket list, indexing buckets whose index is missing,
 * and fills the in-memory Soroban state), which takes minutes on a full pubnet ledger and
 * longer on slow disks or after an upgrade that changes the bucket index. A restart would
 * start that work over, so the budget is an hour (360 x 10 s): a wedged start is found
 * late, a slow one is never killed in a loop. Catch-up comes after: stellar-core answers
 * `info` ("Catching up") while it catches up, and liveness covers it from then on.
 */
function coreStartupProbe(): Record<string, unknown> {
  return {
    ...execProbe("answers"),
    periodSeconds: 10,
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    failureThreshold: 360,
  };
}

/**
 * Ready = in consensus ("Synced!"). With `--wait-for-consensus` (./core-args.ts) a
 * validator reports "Synced!" only once it tracks the network, so a rolling update moves
 * on only when the restarted node is back in consensus. The peer Service publishes
 * not-ready addresses, so a node that is not Ready is still reachable by its peers.
 */
function coreReadinessProbe(): Record<string, unknown> {
  return {
    ...execProbe("synced"),
    periodSeconds: 10,
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    failureThreshold: 3,
  };
}

/**
 * Alive = answers `info`, whatever the state: a node that catches up for hours or lost
 * consensus is not restarted for it (a restart would not help and would reload its state).
 * Only a stellar-core silent for 5 minutes (10 x 30 s) is restarted: its main thread can
 * stall for a while on a heavy ledger or a bucket merge.
 */
function coreLivenessProbe(): Record<string, unknown> {
  return {
    ...execProbe("answers"),
    periodSeconds: 30,
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    failureThreshold: 10,
  };
}

/** The three probes of the stellar-core container, fresh objects on every call. */
export function coreProbes(): {
  startupProbe: Record<string, unknown>;
  readinessProbe: Record<string, unknown>;
  livenessProbe: Record<string, unknown>;
} {
  return {
    startupProbe: coreStartupProbe(),
    readinessProbe: coreReadinessProbe(),
    livenessProbe: coreLivenessProbe(),
  };
}
