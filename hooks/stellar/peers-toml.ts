/** The top-level keys of peers.toml: what stellar-core reads of the peers ConfigMap. */
export interface PeersToml {
  knownPeers: readonly string[];
  preferredPeers: readonly string[];
  preferredPeerKeys: readonly string[];
  preferredPeersOnly: boolean;
  targetPeerConnections: number;
  /** Undefined: not rendered, stellar-core's default. */
  maxAdditionalPeerConnections: number | undefined;
}

/**
 * peers.toml, which the init container puts in front of NODE_SEED and stellar-core.cfg:
 * top-level keys only, one a line, in a fixed order, so the same settings give the same
 * text (its hash is the peers hash of DNS addressing). Addresses and keys are written as
 * TOML basic strings: JSON's escaping of these characters (A-Z, a-z, 0-9, '.', '-', ':')
 * is TOML's.
 */
export function renderPeersToml(settings: PeersToml): string {
  const list = (values: readonly string[]) =>
    `[${values.map((value) => JSON.stringify(value)).join(", ")}]`;
  const lines = [
    `KNOWN_PEERS = ${list(settings.knownPeers)}`,
    `PREFERRED_PEERS = ${list(settings.preferredPeers)}`,
    ...(settings.preferredPeerKeys.length > 0
      ? [`PREFERRED_PEER_KEYS = ${list(settings.preferredPeerKeys)}`]
      : []),
    ...(settings.preferredPeersOnly ? ["PREFERRED_PEERS_ONLY = true"] : []),
    `TARGET_PEER_CONNECTIONS = ${settings.targetPeerConnections}`,
    ...(settings.maxAdditionalPeerConnections === undefined
      ? []
      : [`MAX_ADDITIONAL_PEER_CONNECTIONS = ${settings.maxAdditionalPeerConnections}`]),
  ];
  return lines.map((line) => `${line}\n`).join("");
}
