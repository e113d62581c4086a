import { knownPeersText, type PeerPlan } from "../discovery/plan-peers.js";
import type { KubeObject } from "../kube/objects.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";
import { peersConfigMapName } from "./names.js";

export const KNOWN_PEERS_KEY = "KNOWN_PEERS";
const PEERS_TOML_KEY = "peers.toml";
/** The hash the pod template carries for this list; the init container compares it. */
export const PEERS_HASH_KEY = "peers-hash";
export const PEERS_HASH_HISTORY_KEY = "peers-hash-history";
/** How many earlier peer-list hashes the ConfigMap remembers for the init container. */
export const PEERS_HASH_HISTORY_LENGTH = 20;

export const PREFERRED_PEERS_KEY = "PREFERRED_PEERS";

/**
 * The peers ConfigMap: KNOWN_PEERS (one `host:port` a line; the LiveConnect sidecar reads
 * it), PREFERRED_PEERS (the same form, for people and tests), peers.toml (what the init
 * container gives stellar-core: both lists and the overlay settings), peers.json (each
 * peer, and whether stellar-core prefers it: `preferred` is `PREFERRED_PEERS`, `VALIDATORS`
 * when stellar-core makes it preferred from the automatic quorum, or null).
 */
export function renderPeersConfigMap(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  plan: Pick<PeerPlan, "peers" | "peersHash" | "peersToml" | "preferred">,
  previousHashes: readonly string[],
): KubeObject {
  const { peers, preferred } = plan;
  const rendered = new Set(preferred.rendered);
  const byQuorum = new Set(preferred.byQuorum);
  const preferredBy = (address: string) =>
    rendered.has(address) ? "PREFERRED_PEERS" : byQuorum.has(address) ? "VALIDATORS" : null;
  const known = new Set(peers.map(formatPeerAddress));
  const json = [
    ...peers.map((peer) => ({
      name: peer.name ?? null,
      namespace: peer.namespace ?? null,
      address: peer.host,
      port: peer.port,
      source: peer.source,
      preferred: preferredBy(formatPeerAddress(peer)),
    })),
    // The spec's extra preferred peers that are not in KNOWN_PEERS.
    ...preferred.rendered.flatMap((text) => {
      const address = known.has(text) ? undefined : parsePeerAddress(text);
      return address === undefined
        ? []
        : [
            {
              name: null,
              namespace: null,
              address: address.host,
              port: address.port,
              source: "preferred",
              preferred: "PREFERRED_PEERS",
            },
          ];
    }),
  ];
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: peersConfigMapName(name), namespace, labels: { ...labels } },
    data: {
      [KNOWN_PEERS_KEY]: knownPeersText(peers),
      [PREFERRED_PEERS_KEY]: preferred.rendered.map((address) => `${address}\n`).join(""),
      [PEERS_TOML_KEY]: plan.peersToml,
      "peers.json": `${JSON.stringify(json)}\n`,
      peer_count: String(peers.length),
      [PEERS_HASH_KEY]: plan.peersHash,
      [PEERS_HASH_HISTORY_KEY]: previousHashes.map((hash) => `${hash}\n`).join(""),
    },
  };
}
