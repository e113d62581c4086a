import { knownPeersText } from "../discovery/plan-peers.js";
import type { Peer } from "../discovery/peers.js";
import type { KubeObject } from "../kube/objects.js";
import { formatPeerAddress } from "../stellar/peer-address.js";
import { peersConfigMapName } from "./names.js";

export const KNOWN_PEERS_KEY = "KNOWN_PEERS";
const PEERS_TOML_KEY = "peers.toml";
/** The hash the pod template carries for this list; the init container compares it. */
export const PEERS_HASH_KEY = "peers-hash";
export const PEERS_HASH_HISTORY_KEY = "peers-hash-history";
/** How many earlier peer-list hashes the ConfigMap remembers for the init container. */
export const PEERS_HASH_HISTORY_LENGTH = 20;

export function renderPeersConfigMap(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  peers: readonly Peer[],
  peersHash: string,
  previousHashes: readonly string[],
): KubeObject {
  const addresses = peers.map(formatPeerAddress);
  const json = peers.map((peer) => ({
    name: peer.name ?? null,
    namespace: peer.namespace ?? null,
    address: peer.host,
    port: peer.port,
    source: peer.source,
  }));
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: peersConfigMapName(name), namespace, labels: { ...labels } },
    data: {
      [KNOWN_PEERS_KEY]: knownPeersText(peers),
      [PEERS_TOML_KEY]: `KNOWN_PEERS = [${addresses.map((a) => JSON.stringify(a)).join(", ")}]\n`,
      "peers.json": `${JSON.stringify(json)}\n`,
      peer_count: String(peers.length),
      [PEERS_HASH_KEY]: peersHash,
      [PEERS_HASH_HISTORY_KEY]: previousHashes.map((hash) => `${hash}\n`).join(""),
    },
  };
}
