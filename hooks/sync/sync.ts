import { planPeers } from "../discovery/plan-peers.js";
import { knownPeersText } from "../discovery/plan-peers.js";
import { sha256Hex } from "../hash.js";
import type { SyncRequest, SyncResponse } from "../metacontroller/composite-hooks.js";
import {
  observedChildrenAsLastApplied,
  sortChildren,
} from "../metacontroller/observed-children.js";
import { applyTransforms, type DesiredStateTransform } from "../metacontroller/transforms.js";
import { DEFAULT_PEER_DISCOVERY } from "../spec/stellar-node-spec.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import { renderCoreConfig } from "../stellar/core-config.js";
import { historyArchives } from "../stellar/history-archives.js";
import { networkPassphrase } from "../stellar/networks.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import { renderValidatorChildren } from "./desired-children.js";
import { judgeSpec } from "./judge-spec.js";
import { readObservedState } from "./observed-state.js";
import { peerSetChange } from "./peer-set-change.js";
import { decideNextStep } from "./rollout-step.js";
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
  const verdict = judgeSpec(parent, options.sidecarImage);
  if (!verdict.valid) {
    return finish(request, {
      response: {
        status: refusedStatus(parent, verdict, observed, options.now),
        children: observedChildrenAsLastApplied(request.children),
      },
      report: { valid: false, reason: verdict.reason },
    });
  }
  const { spec } = verdict;
  const validator = spec.validatorConfig;
  const discovery = spec.peerDiscovery ?? DEFAULT_PEER_DISCOVERY;

  // Plan the peers: the group, its addresses and the hash a restart is for.
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
  });

  // Render the stellar-core config.
  const coreConfig = renderCoreConfig({
    namespace,
    name,
    networkPassphrase: self.networkPassphrase,
    peerPort: self.peerPort,
    historyArchives: historyArchives(spec.network, validator),
    quorum: verdict.quorum,
  });
  const configHash = sha256Hex(coreConfig);

  // Decide the next step of the rollout: may the pod template take the new peer list now?
  const rollout = decideNextStep(self, discovery, plan, observed, options.now);

  // Generate the desired children.
  const { children, manualSteps } = renderValidatorChildren({
    name,
    namespace,
    spec,
    plan,
    coreConfig,
    configHash,
    podPeersHash: rollout.podPeersHash,
    sidecarImage: options.sidecarImage,
    observed,
  });

  // Compute the status from the observed state and the decisions.
  const status = validatorStatus({
    name,
    generation: parent.metadata.generation,
    suspended: spec.suspended,
    discovery,
    plan,
    configHash,
    rollout,
    quorumProblems: verdict.quorumProblems,
    manualSteps,
    observed,
    now: options.now,
  });

  // Let the platform's transforms have the last word.
  const desired = applyTransforms(
    { children, status },
    { parent, spec, peers: plan.peers },
    options.transforms ?? [],
  );
  return finish(request, {
    response: {
      status: desired.status,
      children: sortChildren(desired.children),
      ...(rollout.resyncAfterSeconds === undefined
        ? {}
        : { resyncAfterSeconds: rollout.resyncAfterSeconds }),
    },
    report: {
      valid: true,
      peerCount: plan.peers.length,
      peerSetChange: peerSetChange(observed.peersConfigMap, knownPeersText(plan.peers)),
      rollout: {
        desiredPeersHash: plan.peersHash,
        appliedPeersHash: rollout.appliedPeersHash,
        observedTemplatePeersHash: observed.templatePeersHash,
        reason: rollout.condition.reason,
        waitingFor: rollout.waitingFor,
      },
    },
  });
}

/** The finalize hook is the sync hook with `finalized` set: nothing outlives the parent. */
function finish(request: SyncRequest, result: SyncResult): SyncResult {
  return request.finalizing === true
    ? { ...result, response: { ...result.response, finalized: true } }
    : result;
}
