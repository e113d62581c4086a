import { sha256Hex } from "../hash.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import type { SyncRequest } from "../metacontroller/composite-hooks.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { asLastApplied, findObservedChild } from "../metacontroller/observed-children.js";
import { coreConfigMapName, peersConfigMapName } from "../render/names.js";
import {
  KNOWN_PEERS_KEY,
  PEERS_HASH_HISTORY_KEY,
  PEERS_HASH_KEY,
} from "../render/peers-configmap.js";
import { templateHash } from "../rollout/template-hash.js";
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
  /** The StatefulSet as the hook last returned it (Metacontroller's last-applied form). */
  appliedStatefulSet: KubeObject | undefined;
  /** Its pod template, and that template's hash; undefined before the StatefulSet exists. */
  appliedTemplate: unknown;
  appliedTemplateHash: string | undefined;
  /** How many pods the applied StatefulSet asks for (0 while suspended). */
  appliedReplicas: number | undefined;
  peersConfigMap: ObservedPeersConfigMap | undefined;
  /**
   * The stellar-core.cfg texts the observed config ConfigMap holds, by their SHA-256: only
   * entries whose text hashes to what they claim (a pod template's CONFIG_HASH names one).
   */
  coreConfigs: ReadonlyMap<string, string>;
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
  const configMap = findObservedChild(
    request.children,
    GROUP_KEYS.ConfigMap,
    coreConfigMapName(name),
  );
  const appliedStatefulSet = statefulSet === undefined ? undefined : asLastApplied(statefulSet);
  const appliedSpec = isRecord(appliedStatefulSet?.["spec"])
    ? appliedStatefulSet["spec"]
    : undefined;
  const appliedTemplate = appliedSpec?.["template"];
  const replicas = appliedSpec?.["replicas"];
  return {
    status: parseObservedStatus(request.parent["status"]),
    statefulSet,
    appliedStatefulSet,
    appliedTemplate,
    appliedTemplateHash: appliedSpec === undefined ? undefined : templateHash(appliedTemplate),
    appliedReplicas:
      appliedSpec === undefined ? undefined : typeof replicas === "number" ? replicas : 1,
    peersConfigMap: peersConfigMap === undefined ? undefined : readPeersConfigMap(peersConfigMap),
    coreConfigs: readCoreConfigs(configMap),
  };
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

/**
 * Every value of the config ConfigMap, by its own SHA-256: the keyed entries
 * (stellar-core-<hash>.cfg) and the plain stellar-core.cfg that releases before template
 * pacing wrote alone. Hashing each value rather than trusting its key means a hand edit
 * can never pass one config off as another.
 */
function readCoreConfigs(configMap: KubeObject | undefined): Map<string, string> {
  const configs = new Map<string, string>();
  const data = configMap !== undefined && isRecord(configMap["data"]) ? configMap["data"] : {};
  for (const value of Object.values(data)) {
    if (typeof value === "string") configs.set(sha256Hex(value), value);
  }
  return configs;
}
