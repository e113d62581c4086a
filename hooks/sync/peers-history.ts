import { PEERS_HASH_HISTORY_LENGTH } from "../render/peers-configmap.js";
import type { ObservedPeersConfigMap } from "./observed-state.js";

/**
 * Earlier peer-list hashes for the peers ConfigMap, carried over from the observed one: the
 * init container of a pod that restarts while a paced change waits finds its template's
 * hash there. Oldest first, at most PEERS_HASH_HISTORY_LENGTH, never the current one.
 */
export function peersHashHistory(
  observed: ObservedPeersConfigMap | undefined,
  current: string,
): string[] {
  const history = [...(observed?.history ?? [])];
  const observedHash = observed?.hash;
  if (observedHash !== undefined && observedHash !== current) {
    if (history[history.length - 1] !== observedHash) history.push(observedHash);
  }
  return history.filter((hash) => hash !== current).slice(-PEERS_HASH_HISTORY_LENGTH);
}
