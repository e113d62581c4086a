import {
  groupPeers,
  parseStaticPeer,
  peerKey,
  peersOfGroup,
  type DiscoveryPolicy,
  type Peer,
} from "../discovery/peers.js";
import { readPeerCandidates, type PeerCandidate } from "../discovery/related-nodes.js";
import { readPodIps } from "../discovery/related-pods.js";
import { applyTransforms, type DesiredStateTransform } from "../extensions.js";
import { sha256Hex } from "../hash.js";
import { stellarNodeNameProblem } from "../kube/names.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { renderCoreConfigMap } from "../render/core-configmap.js";
import { validatorLabels } from "../render/labels.js";
import { knownPeersText, renderPeersConfigMap } from "../render/peers-configmap.js";
import { renderPeerService } from "../render/service.js";
import { renderStatefulSet } from "../render/statefulset.js";
import { parseStellarNodeSpec, type StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { renderCoreConfig } from "../stellar/core-config.js";
import { CORE_CONFIG_KEYS } from "../stellar/core-config-keys.js";
import { DEFAULT_HISTORY_ARCHIVES, networkPassphrase } from "../stellar/networks.js";
import { parseQuorumSet, type QuorumContent } from "../stellar/quorum-set.js";
import { mergeConditions, type ConditionInput } from "./conditions.js";
import type { StellarNodeStatus, SyncRequest, SyncResponse } from "./hook-api.js";
import { carryOverImmutableFields } from "./immutable-fields.js";
import {
  asLastApplied,
  CHILD_GROUP_KEYS,
  findObservedChild,
  observedChildrenAsLastApplied,
  sortChildren,
} from "./observed-children.js";
import { readyCondition } from "./readiness.js";
import { decideRollout } from "../rollout/decide.js";
import { rfc3339 } from "../kube/time.js";
import { fingerprintOf, memberStates } from "../rollout/members.js";
import { ANNOTATION_PEERS_HASH } from "../render/labels.js";
import { peersConfigMapName } from "../render/names.js";
import {
  PEERS_HASH_HISTORY_KEY,
  PEERS_HASH_KEY,
  PEERS_HASH_HISTORY_LENGTH,
} from "../render/peers-configmap.js";
import { DEFAULT_PEER_DISCOVERY } from "../spec/stellar-node-spec.js";

export interface SyncOptions {
  clusterDomain: string;
  /** The clock is an input: it only ever sets a condition's lastTransitionTime. */
  now: Date;
  transforms?: readonly DesiredStateTransform[];
  /** The hook server's own image, run as the LiveConnect sidecar; unset disables LiveConnect. */
  sidecarImage?: string | undefined;
}

/**
 * status.peers lists at most this many addresses. Every sync request carries every group
 * member's status, so an unbounded list makes requests grow with the square of the group
 * (78 MB at 1,000 validators, over the body limit; BENCHMARKS.md). The whole list is in
 * the X-peers ConfigMap; peerCount is always the full count.
 */
export const MAX_STATUS_PEERS = 64;

type Verdict =
  | { valid: true; spec: StellarNodeSpec; quorum: QuorumContent; quorumProblems: string[] }
  | { valid: false; reason: string; message: string };

/** The sync hook: a pure function of the request and the options. */
export function syncStellarNode(request: SyncRequest, options: SyncOptions): SyncResponse {
  const verdict = judge(request.parent, options);
  const response = verdict.valid
    ? renderValidator(request, verdict, options)
    : keepObserved(request, verdict, options);
  return request.finalizing === true ? { ...response, finalized: true } : response;
}

function judge(parent: KubeObject, options: SyncOptions): Verdict {
  const nameProblem = stellarNodeNameProblem(parent.metadata.name);
  if (nameProblem) return { valid: false, reason: "InvalidName", message: nameProblem };
  const parsed = parseStellarNodeSpec(parent["spec"]);
  if (!parsed.ok)
    return { valid: false, reason: "InvalidSpec", message: parsed.problems.join("; ") };
  const spec = parsed.spec;
  if (spec.nodeType !== "Validator") {
    return {
      valid: false,
      reason: "UnsupportedNodeType",
      message: `spec.nodeType ${spec.nodeType} is not managed by stellar-peers yet; only Validator is. Nothing is created for this node.`,
    };
  }
  if (spec.peerDiscovery?.updateStrategy === "LiveConnect" && options.sidecarImage === undefined) {
    return {
      valid: false,
      reason: "LiveConnectUnavailable",
      message:
        "spec.peerDiscovery.updateStrategy LiveConnect needs the hook server's SIDECAR_IMAGE, which is not set: set it on the stellar-peers Deployment, or use QuorumSafe",
    };
  }
  const quorum = parseQuorumSet(spec.validatorConfig?.quorumSet, CORE_CONFIG_KEYS);
  if (!quorum.ok) return { valid: false, reason: "InvalidQuorumSet", message: quorum.error };
  return { valid: true, spec, quorum: quorum.quorum, quorumProblems: quorum.problems };
}

function renderValidator(
  request: SyncRequest,
  verdict: Extract<Verdict, { valid: true }>,
  options: SyncOptions,
): SyncResponse {
  const { parent } = request;
  const { spec } = verdict;
  const name = parent.metadata.name;
  const namespace = parent.metadata.namespace ?? "default";
  const validator = spec.validatorConfig ?? { enableHistoryArchive: true, peerPort: 11625 };
  const discovery = spec.peerDiscovery ?? DEFAULT_PEER_DISCOVERY;
  const policy: DiscoveryPolicy = {
    clusterDomain: options.clusterDomain,
    scope: discovery.scope,
    groupSelector: discovery.groupSelector,
    addressing: discovery.addressing,
    podIps: discovery.addressing === "PodIP" ? readPodIps(request.related) : new Map(),
  };
  const self = {
    name,
    namespace,
    uid: parent.metadata.uid,
    networkPassphrase: networkPassphrase(spec.network, spec.customNetworkPassphrase),
    peerPort: validator.peerPort,
  };
  const group = groupPeers(self, readPeerCandidates(request.related, namespace), policy);
  const peers = peersOfGroup(group, validator.knownPeers ?? [], policy);
  const labels = validatorLabels(name, spec.network);
  const coreConfig = renderCoreConfig({
    namespace,
    name,
    networkPassphrase: self.networkPassphrase,
    peerPort: validator.peerPort,
    historyArchives: historyArchives(spec),
    quorum: verdict.quorum,
  });
  // What a restart is for: the list itself with DNS names; with pod IPs only the
  // membership, so a peer's new IP (any pod restart) restarts nobody else.
  const peersHash =
    discovery.addressing === "PodIP"
      ? sha256Hex(membershipText(group, validator.knownPeers ?? []))
      : sha256Hex(knownPeersText(peers));
  const configHash = sha256Hex(coreConfig);
  const observedStatefulSet = findObservedChild(
    request.children,
    CHILD_GROUP_KEYS.StatefulSet,
    name,
  );
  const previous = observedStatus(parent);
  const previousRollout = isRecord(previous["rollout"]) ? previous["rollout"] : {};
  const groupFingerprint = fingerprintOf(self, group, policy);
  const rollout = decideRollout({
    now: options.now,
    strategy: discovery.updateStrategy,
    maxUnavailable: discovery.maxUnavailable,
    settleSeconds: discovery.settleSeconds,
    stuckAfterSeconds: discovery.stuckAfterSeconds,
    groupFingerprint,
    desiredPeersHash: peersHash,
    appliedPeersHash: templatePeersHash(observedStatefulSet),
    appliedBefore:
      typeof previous["appliedPeersHash"] === "string" ? previous["appliedPeersHash"] : undefined,
    pendingSince:
      previous["peersHash"] === peersHash && typeof previousRollout["pendingSince"] === "string"
        ? previousRollout["pendingSince"]
        : undefined,
    others: memberStates(self, group),
  });
  const { statefulSet, pending } = carryOverImmutableFields(
    renderStatefulSet({
      name,
      namespace,
      labels,
      image: spec.image ?? `stellar/stellar-core:${(spec.version ?? "").replace(/^v/, "")}`,
      replicas: spec.suspended ? 0 : 1,
      peerPort: validator.peerPort,
      storageClass: spec.storage?.storageClass,
      storageSize: spec.storage?.size ?? "100Gi",
      resources: spec.resources,
      seedSecretRef: validator.seedSecretRef ?? "",
      podPeersHash: rollout.podPeersHash,
      configHash,
      sidecarImage: discovery.updateStrategy === "LiveConnect" ? options.sidecarImage : undefined,
    }),
    observedStatefulSet ? asLastApplied(observedStatefulSet) : undefined,
  );
  const children = [
    renderCoreConfigMap(name, namespace, labels, coreConfig),
    renderPeersConfigMap(
      name,
      namespace,
      labels,
      peers,
      peersHash,
      peersHashHistory(request, name, peersHash),
    ),
    renderPeerService(name, namespace, labels, validator.peerPort),
    statefulSet,
  ];
  const ready = readyCondition(name, observedStatefulSet, spec.suspended);
  // Ready for the group means: Ready, and running the peer list this sync puts on the
  // template. In the sync that applies a new list the old pod still looks Ready.
  const runsAppliedList =
    ready.status === "True" &&
    (rollout.podPeersHash === undefined ||
      templatePeersHash(observedStatefulSet) === rollout.podPeersHash);
  const unreadySince = runsAppliedList
    ? undefined
    : typeof previousRollout["unreadySince"] === "string"
      ? previousRollout["unreadySince"]
      : rfc3339(options.now);
  const conditions: ConditionInput[] = [
    { type: "Valid", status: "True", reason: "SpecValid", message: "the spec is valid" },
    quorumCondition(verdict.quorumProblems),
    ready,
    rollout.condition,
    pending.length === 0
      ? {
          type: "SpecApplied",
          status: "True",
          reason: "Applied",
          message: "every field of the spec is applied",
        }
      : {
          type: "SpecApplied",
          status: "False",
          reason: "ManualStepRequired",
          message: pending.join("; "),
        },
  ];
  const status: StellarNodeStatus = {
    peerCount: peers.length,
    peers: peers.slice(0, MAX_STATUS_PEERS).map(peerKey),
    ...(peers.length > MAX_STATUS_PEERS ? { peersTruncated: true } : {}),
    peersHash,
    appliedPeersHash: rollout.appliedPeersHash,
    pendingRestart: rollout.appliedPeersHash !== peersHash,
    configHash,
    rollout: {
      strategy: discovery.updateStrategy,
      groupFingerprint,
      groupSize: group.length + 1,
      ready: runsAppliedList,
      ...(unreadySince === undefined ? {} : { unreadySince }),
      ...(rollout.pendingSince === undefined ? {} : { pendingSince: rollout.pendingSince }),
      ...(rollout.waitingFor === undefined ? {} : { waitingFor: rollout.waitingFor }),
    },
    conditions: mergeConditions(
      previous["conditions"],
      conditions,
      options.now,
      parent.metadata.generation,
    ),
  };
  const desired = applyTransforms(
    { children, status },
    { parent, spec, peers: peers as readonly Peer[] },
    options.transforms ?? [],
  );
  return {
    status: desired.status,
    children: sortChildren(desired.children),
    ...(rollout.resyncAfterSeconds === undefined
      ? {}
      : { resyncAfterSeconds: rollout.resyncAfterSeconds }),
  };
}

/**
 * The peers hash on the observed pod template: undefined when there is no StatefulSet yet
 * (nothing runs, so nothing restarts), "" when it has none (LiveConnect before).
 */
function templatePeersHash(statefulSet: KubeObject | undefined): string | undefined {
  if (statefulSet === undefined) return undefined;
  const spec = statefulSet["spec"];
  const template = isRecord(spec) ? spec["template"] : undefined;
  const metadata = isRecord(template) ? template["metadata"] : undefined;
  const annotations = isRecord(metadata) ? metadata["annotations"] : undefined;
  const hash = isRecord(annotations) ? annotations[ANNOTATION_PEERS_HASH] : undefined;
  return typeof hash === "string" ? hash : "";
}

/** PodIP addressing: the members and static peers, without the addresses that change. */
function membershipText(group: readonly PeerCandidate[], staticPeers: readonly string[]): string {
  const lines = [
    ...group.map((member) => `${member.namespace}/${member.name}:${member.peerPort}`),
    ...staticPeers.map((text) => peerKey(parseStaticPeer(text))),
  ];
  return [...new Set(lines)]
    .sort()
    .map((line) => `${line}\n`)
    .join("");
}

/** Earlier peer-list hashes, carried over from the observed peers ConfigMap. */
function peersHashHistory(request: SyncRequest, name: string, current: string): string[] {
  const observed = findObservedChild(
    request.children,
    CHILD_GROUP_KEYS.ConfigMap,
    peersConfigMapName(name),
  );
  const data = isRecord(observed?.["data"]) ? observed["data"] : {};
  const history =
    typeof data[PEERS_HASH_HISTORY_KEY] === "string"
      ? data[PEERS_HASH_HISTORY_KEY].split("\n").filter((line) => /^[0-9a-f]{64}$/.test(line))
      : [];
  const observedHash = data[PEERS_HASH_KEY];
  if (typeof observedHash === "string" && /^[0-9a-f]{64}$/.test(observedHash)) {
    if (observedHash !== current && history[history.length - 1] !== observedHash)
      history.push(observedHash);
  }
  return history.filter((hash) => hash !== current).slice(-PEERS_HASH_HISTORY_LENGTH);
}

/**
 * An invalid spec keeps everything as it runs: the observed children as last applied and
 * the last peer figures, with Valid=False saying why.
 */
function keepObserved(
  request: SyncRequest,
  verdict: Extract<Verdict, { valid: false }>,
  options: SyncOptions,
): SyncResponse {
  const { parent } = request;
  const previous = observedStatus(parent);
  const carried: Record<string, unknown> = {};
  for (const key of [
    "peerCount",
    "peers",
    "peersHash",
    "appliedPeersHash",
    "pendingRestart",
    "configHash",
    "rollout",
  ]) {
    if (previous[key] !== undefined) carried[key] = previous[key];
  }
  const spec = isRecord(parent["spec"]) ? parent["spec"] : {};
  const name = parent.metadata.name;
  const observedStatefulSet = findObservedChild(
    request.children,
    CHILD_GROUP_KEYS.StatefulSet,
    name,
  );
  const conditions = mergeConditions(
    previous["conditions"],
    [
      { type: "Valid", status: "False", reason: verdict.reason, message: verdict.message },
      readyCondition(name, observedStatefulSet, spec["suspended"] === true),
    ],
    options.now,
    parent.metadata.generation,
  );
  return {
    status: { ...carried, conditions },
    children: observedChildrenAsLastApplied(request.children),
  };
}

function quorumCondition(problems: readonly string[]): ConditionInput {
  return problems.length === 0
    ? {
        type: "QuorumSetValid",
        status: "True",
        reason: "QuorumSetValid",
        message: "stellar-core will accept the quorum set",
      }
    : {
        type: "QuorumSetValid",
        status: "False",
        reason: "QuorumSetRejectedByCore",
        message: `stellar-core will refuse to start with this quorum set: ${problems.join("; ")}`,
      };
}

function historyArchives(spec: StellarNodeSpec): readonly string[] {
  const config = spec.validatorConfig;
  if (config?.enableHistoryArchive === false) return [];
  if (config?.historyArchiveUrls !== undefined && config.historyArchiveUrls.length > 0) {
    return config.historyArchiveUrls;
  }
  return DEFAULT_HISTORY_ARCHIVES[spec.network] ?? [];
}

function observedStatus(parent: KubeObject): Record<string, unknown> {
  return isRecord(parent["status"]) ? parent["status"] : {};
}
