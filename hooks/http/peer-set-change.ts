import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { peersConfigMapName } from "../render/names.js";
import { KNOWN_PEERS_KEY } from "../render/peers-configmap.js";
import type { SyncRequest, SyncResponse } from "../sync/hook-api.js";
import { CHILD_GROUP_KEYS, findObservedChild } from "../sync/observed-children.js";

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
 * Whether this sync changes the validator's peer list: the rendered `<name>-peers`
 * ConfigMap's KNOWN_PEERS compared with the observed child's. The hooks hold no state, so
 * this comparison is the only way they can tell a change. A pure function of the request
 * and the response; `undefined` when nothing changes or nothing is rendered.
 */
export function peerSetChange(
  request: SyncRequest,
  response: SyncResponse,
): PeerSetChange | undefined {
  const name = peersConfigMapName(request.parent.metadata.name);
  const rendered = response.children.find(
    (child) =>
      child.apiVersion === "v1" && child.kind === "ConfigMap" && child.metadata.name === name,
  );
  const renderedText = knownPeersOf(rendered);
  if (renderedText === undefined) return undefined;
  const observed = findObservedChild(request.children, CHILD_GROUP_KEYS.ConfigMap, name);
  const observedText = knownPeersOf(observed);
  if (observedText === renderedText) return undefined;
  const before = peerLines(observedText ?? "");
  const after = peerLines(renderedText);
  return {
    change: observed === undefined ? "initial" : "updated",
    added: [...after].filter((peer) => !before.has(peer)).sort(),
    removed: [...before].filter((peer) => !after.has(peer)).sort(),
  };
}

function knownPeersOf(configMap: KubeObject | undefined): string | undefined {
  if (configMap === undefined) return undefined;
  const data = configMap["data"];
  if (!isRecord(data)) return undefined;
  const text = data[KNOWN_PEERS_KEY];
  return typeof text === "string" ? text : undefined;
}

function peerLines(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  );
}
