import { groupLabelValue } from "../discovery/group-label.js";
import { planPeers } from "../discovery/plan-peers.js";
import { knownPeersText } from "../discovery/plan-peers.js";
import { readPeerCandidates, type PeerCandidate } from "../discovery/related-nodes.js";
import { matchesLabelSelector } from "../kube/label-selector.js";
import { sha256Hex } from "../hash.js";
import type { SyncRequest, SyncResponse } from "../metacontroller/composite-hooks.js";
import type { KubeObject } from "../kube/objects.js";
import { mergeConditions } from "../kube/conditions.js";
import { sortChildren } from "../metacontroller/observed-children.js";
import { applyTransforms, type DesiredStateTransform } from "../metacontroller/transforms.js";
import {
  AutomaticQuorumSchema,
  DEFAULT_PEER_DISCOVERY,
  type PeerDiscovery,
} from "../spec/stellar-node-spec.js";
import { generateAutomaticQuorum } from "../discovery/automatic-quorum.js";
import { quorumLatches } from "../discovery/quorum-admission.js";
import { readyCondition } from "./readiness.js";
import {
  automaticQuorumAdvice,
  automaticQuorumCondition,
  quorumFigures,
  runningConfig,
} from "./quorum-status.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import { renderCoreConfig } from "../stellar/core-config.js";
import { DEFAULT_CORE_IMAGES } from "../stellar/core-images.js";
import { historyArchives } from "../stellar/history-archives.js";
import { LOCAL_ARCHIVE_NAME } from "../stellar/local-history-archive.js";
import { networkPassphrase } from "../stellar/networks.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import { renderDiscoveryChildren, renderPodChildren } from "./desired-children.js";
import {
  externalAddress,
  externalChildren,
  judgeExternalPeering,
  observedExternalService,
} from "./external-service.js";
import { frozenChildren } from "./frozen-children.js";
import { judgeCoreConfig } from "./judge-core-config.js";
import { judgePeerSettings } from "./judge-peer-settings.js";
import { judgeSpec } from "./judge-spec.js";
import { networkChangeProblem } from "./network-change.js";
import { judgeNodeIdentity } from "./node-identity.js";
import { versionChangeProblem } from "./version-change.js";
import { readObservedState, type ObservedState } from "./observed-state.js";
import { peerSetChange } from "./peer-set-change.js";
import { nextRolloutStep } from "./rollout-step.js";
import type { SyncReport } from "./sync-report.js";
import { awaitingGroupViewStatus, refusedStatus, validatorStatus } from "./validator-status.js";
import { isCoordinated } from "../coordination/coordinated.js";
import { readViewCandidates, relatesStellarNodes } from "../coordination/group-view.js";
import { readTurn, turnConfigMapName } from "../coordination/turns.js";

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
  const externalService = observedExternalService(request.children, name);

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
  // The related StellarNodes, read once: discovery plans from them, and the judges of
  // contested node ports and node identities compare this node with them. A coordinated
  // member reads them from the namespace decorator's group view instead; until that view is
  // whole it changes nothing. A request that still relates the StellarNodes (Metacontroller
  // keeps a customize answer per generation, for up to 20 minutes after an upgrade) is read
  // as before, and the node decides its own turn.
  const coordinated = isCoordinated(discovery) && !relatesStellarNodes(request.related);
  const candidates = coordinated
    ? inGroupSelection(readViewCandidates(request.related, namespace), discovery)
    : readPeerCandidates(request.related, namespace);
  if (candidates === undefined) {
    // A refused spec is still refused (its Valid=False is what the others read of it).
    if (!verdict.valid) return finish(request, refuse(request, observed, verdict, [], options));
    return finish(request, {
      response: {
        status: awaitingGroupViewStatus(parent, observed, options.now),
        children: frozenChildren(request.children, []),
      },
      report: { valid: true, awaitingGroupView: true },
    });
  }
  const plan = planPeers({
    self,
    discovery,
    staticPeers: validator?.knownPeers ?? [],
    candidates,
    related: request.related,
    clusterDomain: options.clusterDomain,
    quorumFacts: spec,
    overlay: validator?.overlay,
  });
  const discoveryChildren = renderDiscoveryChildren(name, namespace, spec, plan, observed);
  if (!verdict.valid) {
    return finish(request, refuse(request, observed, verdict, discoveryChildren, options));
  }
  // A validator keeps the network its volume holds: refused, its peers stay the ones it
  // runs with (discovery planned for the new network would hand the running pod, at its
  // next restart, peers of a network it cannot join).
  const networkProblem = networkChangeProblem(observed, self.networkPassphrase, name);
  if (networkProblem !== undefined) {
    const refusal = { reason: "InvalidSpec" as const, message: networkProblem };
    return finish(request, refuse(request, observed, refusal, [], options));
  }
  const versionProblem = versionChangeProblem(
    observed,
    name,
    verdict.image,
    options.coreImages ?? DEFAULT_CORE_IMAGES,
  );
  if (versionProblem !== undefined) {
    const refusal = { reason: "InvalidSpec" as const, message: versionProblem };
    return finish(request, refuse(request, observed, refusal, discoveryChildren, options));
  }
  const externalRefusal = judgeExternalPeering(parent, spec, candidates);
  if (externalRefusal !== undefined) {
    return finish(request, refuse(request, observed, externalRefusal, discoveryChildren, options));
  }
  const identityRefusal = judgeNodeIdentity(parent, spec, candidates);
  if (identityRefusal !== undefined) {
    return finish(request, refuse(request, observed, identityRefusal, discoveryChildren, options));
  }

  // quorum: Automatic: the quorum is generated from the group's members (and the
  // organisations listed); this node's own entry in the group's quorum is decided first.
  const latches = quorumLatches({
    previous: observed.status.quorum,
    ready: readyCondition(name, observed.statefulSet, spec.suspended).status === "True",
    suspended: spec.suspended,
    now: options.now,
    homeDomain: validator?.homeDomain,
    members: plan.members,
  });
  const automatic =
    validator?.quorum === "Automatic" && validator.homeDomain !== undefined
      ? {
          homeDomain: validator.homeDomain,
          settings: validator.automaticQuorum ?? AutomaticQuorumSchema.parse({}),
        }
      : undefined;
  const generated =
    automatic === undefined
      ? undefined
      : generateAutomaticQuorum(automatic, spec, plan.members, {
          clusterDomain: options.clusterDomain,
          addressing: discovery.addressing,
        });

  // Render the stellar-core config, and judge it by stellar-core's own rules: a config it
  // would refuse is never rolled onto the pod.
  const coreConfig = renderCoreConfig({
    namespace,
    name,
    networkPassphrase: self.networkPassphrase,
    peerPort: self.peerPort,
    homeDomain: validator?.homeDomain,
    historyArchives: historyArchives(spec.network, validator),
    quorum: generated?.content ?? verdict.quorum,
    publishHistory: validator?.history?.publish === true,
  });
  const core = judgeCoreConfig(coreConfig, {
    selfPublicKey: validator?.publicKey,
    ownArchive: validator?.history?.publish === true ? LOCAL_ARCHIVE_NAME : undefined,
    catchesUp: validator?.forceScp !== true,
  });
  if (!core.accepted) {
    if (automatic === undefined) {
      return finish(request, refuse(request, observed, core, discoveryChildren, options));
    }
    // A refused generated quorum: why and how to fix it; this node's entry in the group's
    // quorum is still published (a group that forms one by one needs it).
    const refused = refuse(
      request,
      observed,
      {
        ...core,
        message: `${core.message}. The quorum is generated (quorum: Automatic): ${automaticQuorumAdvice(core.message, automatic.settings)}`,
      },
      discoveryChildren,
      options,
    );
    const status = refused.response.status;
    return finish(request, {
      ...refused,
      response: {
        ...refused.response,
        ...(status === undefined
          ? {}
          : { status: { ...status, quorum: { ...status.quorum, ...latches } } }),
      },
    });
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
  const status = withExternalAddress(
    validatorStatus({
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
    }),
    spec.externalPeering === undefined ? undefined : externalAddress(externalService),
  );

  // Let the platform's transforms have their say on the desired state.
  const desired = applyTransforms(
    {
      children: [
        ...pod.children,
        ...externalChildren(name, namespace, spec, externalService),
        ...discoveryChildren,
      ],
      status,
    },
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
    coordination: coordinated
      ? { turn: readTurn(request.related, name, namespace), turnConfigMap: turnConfigMapName(name) }
      : undefined,
  });
  // status.quorum: this node's entry in the group's quorum, and the figures of the quorum
  // it runs with and of the one it waits to apply (counts only: the list is in the config).
  const running = runningConfig(rollout.children, name);
  const selfKey = validator?.publicKey;
  const runningFigures = running === undefined ? undefined : quorumFigures(running, selfKey);
  const desiredFigures =
    running === coreConfig ? runningFigures : quorumFigures(coreConfig, selfKey);
  const pendingFigures =
    desiredFigures !== undefined && desiredFigures.hash !== runningFigures?.hash
      ? desiredFigures
      : undefined;
  const quorumCondition =
    automatic === undefined || generated === undefined
      ? undefined
      : automaticQuorumCondition(
          automatic.homeDomain,
          automatic.settings,
          generated,
          runningFigures,
          desiredFigures,
        );
  const rolloutStatus = {
    ...rollout.status,
    quorum: {
      ...latches,
      ...(runningFigures === undefined ? {} : { running: runningFigures }),
      ...(pendingFigures === undefined ? {} : { pending: pendingFigures }),
    },
    conditions:
      quorumCondition === undefined
        ? rollout.status.conditions.filter((c) => c.type !== "AutomaticQuorum")
        : [
            ...rollout.status.conditions.filter((c) => c.type !== "AutomaticQuorum"),
            ...mergeConditions(
              observed.status.conditions,
              [quorumCondition],
              options.now,
              parent.metadata.generation,
            ),
          ],
  };
  return finish(request, {
    response: {
      status: rolloutStatus,
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
 * The view's nodes a member relates: the view holds the whole namespace, and a member with a
 * groupSelector relates (customize.ts) only the StellarNodes it selects, so the judges of
 * node ports and identities compare it with its group alone, on either path.
 */
function inGroupSelection(
  candidates: PeerCandidate[] | undefined,
  discovery: PeerDiscovery,
): PeerCandidate[] | undefined {
  const selector = discovery.groupSelector;
  if (candidates === undefined || selector === undefined) return candidates;
  return candidates.filter((candidate) => matchesLabelSelector(selector, candidate.labels));
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
      // The external Service is kept as it runs: its address is still where it is reachable.
      status: withExternalAddress(
        refusedStatus(request.parent, refusal, observed, options.now),
        externalAddress(observedExternalService(request.children, request.parent.metadata.name)),
      ),
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

/** status.externalAddress set to `address`, or removed (a carried-over one included). */
function withExternalAddress(
  status: StellarNodeStatus,
  address: string | undefined,
): StellarNodeStatus {
  const { externalAddress: _old, ...rest } = status;
  return address === undefined ? rest : { ...rest, externalAddress: address };
}
