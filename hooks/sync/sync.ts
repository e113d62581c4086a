import { groupLabelValue } from "../discovery/group-label.js";
import { planPeers } from "../discovery/plan-peers.js";
import { knownPeersText } from "../discovery/plan-peers.js";
import { sha256Hex } from "../hash.js";
import type { SyncRequest, SyncResponse } from "../metacontroller/composite-hooks.js";
import type { KubeObject } from "../kube/objects.js";
import { sortChildren } from "../metacontroller/observed-children.js";
import { applyTransforms, type DesiredStateTransform } from "../metacontroller/transforms.js";
import { DEFAULT_PEER_DISCOVERY } from "../spec/stellar-node-spec.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import { renderCoreConfig } from "../stellar/core-config.js";
import { DEFAULT_CORE_IMAGES } from "../stellar/core-images.js";
import { historyArchives } from "../stellar/history-archives.js";
import { networkPassphrase } from "../stellar/networks.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import { renderDiscoveryChildren, renderPodChildren } from "./desired-children.js";
import { frozenChildren } from "./frozen-children.js";
import { judgeCoreConfig } from "./judge-core-config.js";
import { judgePeerSettings } from "./judge-peer-settings.js";
import { judgeSpec } from "./judge-spec.js";
import { readObservedState, type ObservedState } from "./observed-state.js";
import { peerSetChange } from "./peer-set-change.js";
import { nextRolloutStep } from "./rollout-step.js";
import type { SyncReport } from "./sync-report.js";
import { refusedStatus, validatorStatus } from "./validator-status.js";

export type StellarNodeSyncResponse = SyncResponse<StellarNodeStatus>;

export interface SyncOptions {
  clusterDomain: string;
  /** The clock is an input: it only ever sets a condition's lastTransitionTime. */
  now: Date;
  transforms?: readonly DesiredStateTransform[];
  /** The hook server's own image, run as the LiveConnect sidecar; unset disables LiveConnect. */
  sidecarImage?: string | undefined;
  /**
   * Why the request's parent itself cannot be trusted, found while the body was parsed (a
   * `__proto__` key, absurd nesting): the spec is refused with this message.
   */
  refusedParent?: string | undefined;
  /** stellar-core release -> image; the defaults of stellar/core-images.ts when unset. */
  coreImages?: ReadonlyMap<string, string>;
}

export interface SyncResult {
  response: StellarNodeSyncResponse;
  /** What the route records in metrics and logs; never part of the response. */
  report: SyncReport;
}

/** The sync hook: a pure function of the request and the options. */
export function syncStellarNode(request: SyncRequest, options: SyncOptions): SyncResult {
  const { parent } = request;
  const name = parent.metadata.name;
  const namespace = parent.metadata.namespace ?? "default";

  // Read the observed state: the parent's last status and the children it owns.
  const observed = readObservedState(request);

  // Judge the spec. A refused spec keeps every child as it runs (an omitted child would be
  // deleted) and says why in Valid=False.
  const verdict = judgeSpec(parent, {
    clusterDomain: options.clusterDomain,
    refusedParent: options.refusedParent,
    sidecarImage: options.sidecarImage,
    coreImages: options.coreImages ?? DEFAULT_CORE_IMAGES,
  });
  const spec = verdict.spec;
  if (spec === undefined) {
    return finish(request, refuse(request, observed, verdict as Refusal, [], options));
  }
  const validator = spec.validatorConfig;
  const discovery = spec.peerDiscovery ?? DEFAULT_PEER_DISCOVERY;

  // Plan the peers: the group, its addresses and the hash a restart is for. The children
  // that start nothing follow it even while the rest is refused.
  const self = {
    name,
    namespace,
    uid: parent.metadata.uid,
    networkPassphrase: networkPassphrase(spec.network, spec.customNetworkPassphrase),
    peerPort: validator?.peerPort ?? DEFAULT_PEER_PORT,
  };
  const plan = planPeers({
    self,
    discovery,
    staticPeers: validator?.knownPeers ?? [],
    related: request.related,
    clusterDomain: options.clusterDomain,
    quorumFacts: spec,
    overlay: validator?.overlay,
  });
  const discoveryChildren = renderDiscoveryChildren(name, namespace, spec, plan, observed);
  if (!verdict.valid) {
    return finish(request, refuse(request, observed, verdict, discoveryChildren, options));
  }

  // Render the stellar-core config, and judge it by stellar-core's own rules: a config it
  // would refuse is never rolled onto the pod.
  const coreConfig = renderCoreConfig({
    namespace,
    name,
    networkPassphrase: self.networkPassphrase,
    peerPort: self.peerPort,
    homeDomain: validator?.homeDomain,
    historyArchives: historyArchives(spec.network, validator),
    quorum: verdict.quorum,
  });
  const core = judgeCoreConfig(coreConfig);
  if (!core.accepted) {
    return finish(request, refuse(request, observed, core, discoveryChildren, options));
  }
  const configHash = sha256Hex(coreConfig);

  // Generate the desired children: the pod template as desired, the config ConfigMap with
  // the applied and the desired config.
  const pod = renderPodChildren({
    name,
    namespace,
    spec,
    image: verdict.image,
    coreConfig,
    configHash,
    // With LiveConnect the sidecar connects new peers: the list is not on the template.
    podPeersHash: discovery.updateStrategy === "LiveConnect" ? undefined : plan.peersHash,
    group: groupLabelValue({
      network: spec.network,
      networkPassphrase: self.networkPassphrase,
      scope: discovery.scope,
      groupSelector: discovery.groupSelector,
    }),
    sidecarImage: options.sidecarImage,
    observed,
  });

  // Compute the status from the observed state; the rollout's part comes with its step.
  const status = validatorStatus({
    name,
    generation: parent.metadata.generation,
    suspended: spec.suspended,
    plan,
    configHash,
    quorumCondition: core.quorumCondition,
    peerConnectionsCondition: judgePeerSettings(plan, coreConfig),
    manualSteps: pod.manualSteps,
    observed,
    now: options.now,
  });

  // Let the platform's transforms have their say on the desired state.
  const desired = applyTransforms(
    { children: [...pod.children, ...discoveryChildren], status },
    { parent, spec, peers: plan.peers },
    options.transforms ?? [],
  );

  // Decide the next step of the rollout, on the pod template as the transforms left it:
  // may the StatefulSet take it now, or does it keep its applied template for now?
  const rollout = nextRolloutStep({
    self,
    discovery,
    plan,
    desired,
    observed,
    suspended: spec.suspended,
    generation: parent.metadata.generation,
    now: options.now,
  });
  return finish(request, {
    response: {
      status: rollout.status,
      children: sortChildren(rollout.children),
      ...(rollout.resyncAfterSeconds === undefined
        ? {}
        : { resyncAfterSeconds: rollout.resyncAfterSeconds }),
    },
    report: {
      valid: true,
      peerCount: plan.peers.length,
      peerSetChange: peerSetChange(observed.peersConfigMap, knownPeersText(plan.peers)),
      rollout: rollout.report,
    },
  });
}

/**
 * A refused spec or config: the StatefulSet and the config as they run, the children that
 * start nothing as discovery wants them, Valid=False saying why.
 */
interface Refusal {
  reason: string;
  message: string;
}

function refuse(
  request: SyncRequest,
  observed: ObservedState,
  refusal: Refusal,
  discoveryChildren: readonly KubeObject[],
  options: SyncOptions,
): SyncResult {
  return {
    response: {
      status: refusedStatus(request.parent, refusal, observed, options.now),
      children: frozenChildren(request.children, discoveryChildren),
    },
    report: { valid: false, reason: refusal.reason },
  };
}

/** The finalize hook is the sync hook with `finalized` set: nothing outlives the parent. */
function finish(request: SyncRequest, result: SyncResult): SyncResult {
  return request.finalizing === true
    ? { ...result, response: { ...result.response, finalized: true } }
    : result;
}
