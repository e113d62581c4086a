import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import type { SyncRequest } from "../metacontroller/composite-hooks.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { findObservedChild } from "../metacontroller/observed-children.js";
import { ANNOTATION_PEERS_HASH } from "../render/labels.js";
import { peersConfigMapName } from "../render/names.js";
import {
  KNOWN_PEERS_KEY,
  PEERS_HASH_HISTORY_KEY,
  PEERS_HASH_KEY,
} from "../render/peers-configmap.js";
import { parseObservedStatus, type ObservedStatus } from "../spec/stellar-node-status.js";

/** The peers ConfigMap as observed: the list the cluster holds and its hashes. */
export interface ObservedPeersConfigMap {
  knownPeers: string | undefined;
  /** Its peers-hash, when it is a SHA-256 hex digest. */
  hash: string | undefined;
  /** Its peers-hash-history, the lines that are SHA-256 hex digests. */
  history: string[];
}

/** What a sync knows of the validator as it runs, read once from the request. */
export interface ObservedState {
  status: ObservedStatus;
  statefulSet: KubeObject | undefined;
  /**
   * The peers hash on the observed pod template: undefined when there is no StatefulSet yet
   * (nothing runs, so nothing restarts), "" when it has none (LiveConnect before).
   */
  templatePeersHash: string | undefined;
  peersConfigMap: ObservedPeersConfigMap | undefined;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function readObservedState(request: SyncRequest): ObservedState {
  const name = request.parent.metadata.name;
  const statefulSet = findObservedChild(request.children, GROUP_KEYS.StatefulSet, name);
  const peersConfigMap = findObservedChild(
    request.children,
    GROUP_KEYS.ConfigMap,
    peersConfigMapName(name),
  );
  return {
    status: parseObservedStatus(request.parent["status"]),
    statefulSet,
    templatePeersHash: templatePeersHash(statefulSet),
    peersConfigMap: peersConfigMap === undefined ? undefined : readPeersConfigMap(peersConfigMap),
  };
}

function templatePeersHash(statefulSet: KubeObject | undefined): string | undefined {
  if (statefulSet === undefined) return undefined;
  const spec = statefulSet["spec"];
  const template = isRecord(spec) ? spec["template"] : undefined;
  const metadata = isRecord(template) ? template["metadata"] : undefined;
  const annotations = isRecord(metadata) ? metadata["annotations"] : undefined;
  const hash = isRecord(annotations) ? annotations[ANNOTATION_PEERS_HASH] : undefined;
  return typeof hash === "string" ? hash : "";
}

function readPeersConfigMap(configMap: KubeObject): ObservedPeersConfigMap {
  const data = isRecord(configMap["data"]) ? configMap["data"] : {};
  const text = (key: string): string | undefined =>
    typeof data[key] === "string" ? data[key] : undefined;
  const hash = text(PEERS_HASH_KEY);
  return {
    knownPeers: text(KNOWN_PEERS_KEY),
    hash: hash !== undefined && SHA256_HEX.test(hash) ? hash : undefined,
    history: (text(PEERS_HASH_HISTORY_KEY) ?? "")
      .split("\n")
      .filter((line) => SHA256_HEX.test(line)),
  };
}
