import type { ObservedPeersConfigMap } from "./observed-state.js";

/** A difference between the peer list a sync renders and the one the cluster holds. */
export interface PeerSetChange {
  /** `initial`: no peers ConfigMap was observed yet; `updated`: the observed list differs. */
  change: "initial" | "updated";
  /** Peers (`host:port`) in the rendered list only, sorted. */
  added: string[];
  /** Peers in the observed list only, sorted. */
  removed: string[];
}

/**
 * Whether this sync changes the validator's peer list: the rendered KNOWN_PEERS against the
 * observed peers ConfigMap's. The hooks hold no state, so this comparison is the only way
 * they can tell a change. Undefined when nothing changes.
 */
export function peerSetChange(
  observed: ObservedPeersConfigMap | undefined,
  renderedKnownPeers: string,
): PeerSetChange | undefined {
  if (observed?.knownPeers === renderedKnownPeers) return undefined;
  const before = peerLines(observed?.knownPeers ?? "");
  const after = peerLines(renderedKnownPeers);
  return {
    change: observed === undefined ? "initial" : "updated",
    added: [...after].filter((peer) => !before.has(peer)).sort(),
    removed: [...before].filter((peer) => !after.has(peer)).sort(),
  };
}

function peerLines(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  );
}
