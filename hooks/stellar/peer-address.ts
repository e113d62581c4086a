/** stellar-core's default PEER_PORT and its admin HTTP_PORT (src/main/Config.cpp defaults). */
export const DEFAULT_PEER_PORT = 11625;
export const ADMIN_HTTP_PORT = 11626;

/**
 * `host[:port]` as stellar-core accepts it in KNOWN_PEERS and PREFERRED_PEERS: an IPv4
 * address or a DNS name, optional port (src/overlay/PeerBareAddress.cpp, `resolve`).
 */
export const PEER_ADDRESS = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;

export interface PeerAddress {
  host: string;
  port: number;
}

/**
 * Reads `host[:port]` as stellar-core does (the port defaults to 11625), with the host
 * lower-cased, as DNS names compare; undefined for anything else, a port outside 1..65535
 * included. The hook and the LiveConnect sidecar share it, so both mean the same peer by
 * the same text.
 */
export function parsePeerAddress(text: string): PeerAddress | undefined {
  if (!PEER_ADDRESS.test(text)) return undefined;
  const colon = text.lastIndexOf(":");
  const host = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const port = colon < 0 ? DEFAULT_PEER_PORT : Number(text.slice(colon + 1));
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** `host:port`, the form of every rendered peer list. */
export function formatPeerAddress(peer: PeerAddress): string {
  return `${peer.host}:${peer.port}`;
}
