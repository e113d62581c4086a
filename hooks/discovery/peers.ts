import { DEFAULT_PEER_PORT } from "../spec/stellar-node-spec.js";
import type { PeerCandidate } from "./related-nodes.js";

export interface Peer {
  host: string;
  port: number;
  /** Set for discovered StellarNodes; absent for static knownPeers. */
  name?: string;
  namespace?: string;
  source: "discovered" | "static";
}

export interface PeerSelf {
  name: string;
  namespace: string;
  uid: string | undefined;
  networkPassphrase: string;
}

/** The stable DNS name of validator `name`'s only pod, through its headless Service. */
export function podAddress(name: string, namespace: string, clusterDomain: string): string {
  return `${name}-0.${name}.${namespace}.svc.${clusterDomain}`;
}

export function peerKey(peer: Pick<Peer, "host" | "port">): string {
  return `${peer.host}:${peer.port}`;
}

/**
 * Peers of `self`: validators on the same network, in the same namespace, not suspended,
 * not being deleted, not itself; plus the static peers. Readiness is deliberately not a
 * criterion: the address is a stable DNS name, and gating on readiness would ripple every
 * restart through the group. The result is canonical (sorted by host:port, one entry per
 * address), so the order of the request never changes it.
 */
export function discoverPeers(
  self: PeerSelf,
  candidates: readonly PeerCandidate[],
  staticPeers: readonly string[],
  clusterDomain: string,
): Peer[] {
  const byAddress = new Map<string, Peer>();
  for (const candidate of candidates) {
    if (!isPeerOf(self, candidate)) continue;
    const peer: Peer = {
      host: podAddress(candidate.name, candidate.namespace, clusterDomain),
      port: candidate.peerPort,
      name: candidate.name,
      namespace: candidate.namespace,
      source: "discovered",
    };
    byAddress.set(peerKey(peer), peer);
  }
  for (const text of staticPeers) {
    const peer = parseStaticPeer(text);
    const key = peerKey(peer);
    if (!byAddress.has(key)) byAddress.set(key, peer);
  }
  return [...byAddress.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, peer]) => peer);
}

export function isPeerOf(self: PeerSelf, candidate: PeerCandidate): boolean {
  const isSelf =
    candidate.uid !== undefined && self.uid !== undefined
      ? candidate.uid === self.uid
      : candidate.name === self.name && candidate.namespace === self.namespace;
  return (
    !isSelf &&
    // Same name and namespace is the same object even if a recreated one has a new uid.
    !(candidate.name === self.name && candidate.namespace === self.namespace) &&
    candidate.namespace === self.namespace &&
    candidate.isValidator &&
    candidate.networkPassphrase === self.networkPassphrase &&
    !candidate.suspended &&
    !candidate.deleting
  );
}

/** "host[:port]" as stellar-core reads it (default port 11625), with the host lower-cased. */
export function parseStaticPeer(text: string): Peer {
  const colon = text.lastIndexOf(":");
  const host = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const port = colon < 0 ? DEFAULT_PEER_PORT : Number(text.slice(colon + 1));
  return { host, port, source: "static" };
}
