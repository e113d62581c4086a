import { discoverPeers, peerKey, type Peer } from "../discovery/peers.js";
import { readPeerCandidates } from "../discovery/related-nodes.js";
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

export interface SyncOptions {
  clusterDomain: string;
  /** The clock is an input: it only ever sets a condition's lastTransitionTime. */
  now: Date;
  transforms?: readonly DesiredStateTransform[];
}

type Verdict =
  | { valid: true; spec: StellarNodeSpec; quorum: QuorumContent; quorumProblems: string[] }
  | { valid: false; reason: string; message: string };

/** The sync hook: a pure function of the request and the options. */
export function syncStellarNode(request: SyncRequest, options: SyncOptions): SyncResponse {
  const verdict = judge(request.parent);
  const response = verdict.valid
    ? renderValidator(request, verdict, options)
    : keepObserved(request, verdict, options);
  return request.finalizing === true ? { ...response, finalized: true } : response;
}

function judge(parent: KubeObject): Verdict {
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
  const validator = spec.validatorConfig ?? {
    enableHistoryArchive: true,
    peerPort: 11625,
  };
  const passphrase = networkPassphrase(spec.network, spec.customNetworkPassphrase);
  const peers = discoverPeers(
    { name, namespace, uid: parent.metadata.uid, networkPassphrase: passphrase },
    readPeerCandidates(request.related, namespace),
    validator.knownPeers ?? [],
    options.clusterDomain,
  );
  const labels = validatorLabels(name, spec.network);
  const coreConfig = renderCoreConfig({
    namespace,
    name,
    networkPassphrase: passphrase,
    peerPort: validator.peerPort,
    historyArchives: historyArchives(spec),
    quorum: verdict.quorum,
  });
  const peersHash = sha256Hex(knownPeersText(peers));
  const configHash = sha256Hex(coreConfig);
  const observedStatefulSet = findObservedChild(
    request.children,
    CHILD_GROUP_KEYS.StatefulSet,
    name,
  );
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
      podPeersHash: peersHash,
      configHash,
    }),
    observedStatefulSet ? asLastApplied(observedStatefulSet) : undefined,
  );
  const children = [
    renderCoreConfigMap(name, namespace, labels, coreConfig),
    renderPeersConfigMap(name, namespace, labels, peers),
    renderPeerService(name, namespace, labels, validator.peerPort),
    statefulSet,
  ];
  const conditions: ConditionInput[] = [
    { type: "Valid", status: "True", reason: "SpecValid", message: "the spec is valid" },
    quorumCondition(verdict.quorumProblems),
    readyCondition(name, observedStatefulSet, spec.suspended),
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
    peers: peers.map(peerKey),
    peersHash,
    configHash,
    conditions: mergeConditions(
      observedStatus(parent)["conditions"],
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
  return { status: desired.status, children: sortChildren(desired.children) };
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
  for (const key of ["peerCount", "peers", "peersHash", "configHash"]) {
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
