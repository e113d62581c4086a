import { DATA_DIR } from "../stellar/core-config.js";

export const PEERS_MOUNT = "/etc/stellar/peers";
export const CONFIG_MOUNT = "/etc/stellar/config";
export const RUN_DIR = "/run/stellar";
export const ASSEMBLED_CONFIG = `${RUN_DIR}/stellar-core.cfg`;
/** How long the init container waits for kubelet to show the ConfigMap revision it expects. */
export const CONFIGMAP_WAIT_SECONDS = 180;

/**
 * The init container's script. It waits until the mounted ConfigMaps hash to what the pod
 * template expects: Metacontroller may apply the StatefulSet before the ConfigMaps, and
 * kubelet refreshes mounted ConfigMaps only every minute or so. Then it writes the file
 * stellar-core reads: top-level keys (KNOWN_PEERS, NODE_SEED) first, because every key
 * after a TOML table header would belong to that table, then the rendered config.
 */
export function initScript(peersFile: string, configFile: string): string {
  return [
    "set -eu",
    "wait_for() {",
    "  waited=0",
    '  while [ "$(sha256sum "$1" | cut -d" " -f1)" != "$2" ]; do',
    `    if [ "$waited" -ge ${CONFIGMAP_WAIT_SECONDS} ]; then`,
    '      echo "warning: $1 still differs from the expected revision after ${waited}s; using it as mounted" >&2',
    "      return 0",
    "    fi",
    "    sleep 2",
    "    waited=$((waited + 2))",
    "  done",
    "}",
    `if [ -n "\${PEERS_HASH:-}" ]; then wait_for ${PEERS_MOUNT}/${peersFile} "$PEERS_HASH"; fi`,
    `wait_for ${CONFIG_MOUNT}/${configFile} "$CONFIG_HASH"`,
    'case "$NODE_SEED" in',
    "  S?*) ;;",
    '  *) echo "the seed Secret\'s key STELLAR_CORE_SEED must hold a secret seed (S...)" >&2; exit 1 ;;',
    "esac",
    "umask 077",
    "{",
    `  cat ${PEERS_MOUNT}/peers.toml`,
    `  printf 'NODE_SEED="%s"\\n' "$NODE_SEED"`,
    `  cat ${CONFIG_MOUNT}/${configFile}`,
    `} > ${ASSEMBLED_CONFIG}.tmp`,
    `mv ${ASSEMBLED_CONFIG}.tmp ${ASSEMBLED_CONFIG}`,
    `if [ ! -e ${DATA_DIR}/stellar.db ]; then stellar-core new-db --conf ${ASSEMBLED_CONFIG}; fi`,
    "",
  ].join("\n");
}
