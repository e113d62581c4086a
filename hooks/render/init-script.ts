import { DATA_DIR } from "../stellar/core-config.js";

export const PEERS_MOUNT = "/etc/stellar/peers";
export const CONFIG_MOUNT = "/etc/stellar/config";
export const RUN_DIR = "/run/stellar";
export const ASSEMBLED_CONFIG = `${RUN_DIR}/stellar-core.cfg`;
/** How long the init container waits for kubelet to show the ConfigMap revision it expects. */
export const CONFIGMAP_WAIT_SECONDS = 180;

/**
 * The init container's script. It waits until the mounted ConfigMaps are at least as new
 * as the pod template expects (the peers ConfigMap names its own hash, and kubelet swaps a
 * volume's files together): Metacontroller may apply the StatefulSet before the
 * ConfigMaps, and kubelet refreshes mounted ConfigMaps only every minute or so. A peers
 * list newer than the template (listed in peers-hash-history) is taken as it is: that
 * happens when the pod restarts for another reason while a paced peer change waits.
 * Then it writes the file stellar-core reads: top-level keys (KNOWN_PEERS, NODE_SEED)
 * first, because every key after a TOML table header would belong to that table, then the
 * rendered config.
 */
export function initScript(hashFile: string, historyFile: string, configFile: string): string {
  return [
    "set -eu",
    "hash_of() { sha256sum \"$1\" | cut -d' ' -f1; }",
    "peers_current() {",
    `  [ "$(cat ${PEERS_MOUNT}/${hashFile} 2>/dev/null)" = "$PEERS_HASH" ] ||`,
    `    grep -qx "$PEERS_HASH" ${PEERS_MOUNT}/${historyFile} 2>/dev/null`,
    "}",
    `config_current() { [ "$(hash_of ${CONFIG_MOUNT}/${configFile})" = "$CONFIG_HASH" ]; }`,
    "wait_until() {",
    "  waited=0",
    '  until "$1"; do',
    `    if [ "$waited" -ge ${CONFIGMAP_WAIT_SECONDS} ]; then`,
    '      echo "warning: $1 still false after ${waited}s; starting with the ConfigMaps as mounted" >&2',
    "      return 0",
    "    fi",
    "    sleep 2",
    "    waited=$((waited + 2))",
    "  done",
    "}",
    'if [ -n "${PEERS_HASH:-}" ]; then wait_until peers_current; fi',
    "wait_until config_current",
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
