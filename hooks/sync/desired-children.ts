import type { PeerPlan } from "../discovery/plan-peers.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { renderCoreConfigMap, type CoreConfigEntry } from "../render/core-configmap.js";
import { ANNOTATION_CONFIG_HASH, validatorLabels } from "../render/labels.js";
import { renderHistoryIngress } from "../render/history-ingress.js";
import { renderPeersConfigMap } from "../render/peers-configmap.js";
import { renderPeerService } from "../render/service.js";
import { renderStatefulSet } from "../render/statefulset.js";
import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import { carryOverImmutableFields } from "./immutable-fields.js";
import type { ObservedState } from "./observed-state.js";
import { peersHashHistory } from "./peers-history.js";

/**
 * The children that start nothing: the peers ConfigMap and the headless Service. They
 * follow discovery even while the node's spec or config is refused, so its group's lists
 * and its pod's DNS name stay right.
 */
export function renderDiscoveryChildren(
  name: string,
  namespace: string,
  spec: StellarNodeSpec,
  plan: PeerPlan,
  observed: ObservedState,
): KubeObject[] {
  const labels = validatorLabels(name, spec.network);
  return [
    renderPeersConfigMap(
      name,
      namespace,
      labels,
      plan,
      peersHashHistory(observed.peersConfigMap, plan.peersHash),
    ),
    renderPeerService(
      name,
      namespace,
      labels,
      spec.validatorConfig?.peerPort ?? DEFAULT_PEER_PORT,
      publishedHistoryPort(spec),
    ),
  ];
}

/** history.publish: the port of the archive's server; undefined when nothing is published. */
function publishedHistoryPort(spec: StellarNodeSpec): number | undefined {
  const history = spec.validatorConfig?.history;
  return history?.publish === true ? history.port : undefined;
}

export interface PodChildrenInput {
  name: string;
  namespace: string;
  spec: StellarNodeSpec;
  image: string;
  coreConfig: string;
  configHash: string;
  /** The peers hash the desired pod template carries; none for LiveConnect. */
  podPeersHash: string | undefined;
  /** The group label's value (discovery/group-label.ts). */
  group: string;
  /** The LiveConnect sidecar's image, for validators that use it. */
  sidecarImage: string | undefined;
  observed: ObservedState;
}

export interface PodChildren {
  children: KubeObject[];
  /** Changes that cannot be applied in place, each with the manual step that applies it. */
  manualSteps: string[];
}

/**
 * What runs the validator: its config ConfigMap and its StatefulSet, as desired. The
 * StatefulSet carries the desired pod template; the rollout step (rollout-step.ts) puts
 * the applied one back while the desired one waits for its turn. The config ConfigMap
 * holds both configs, each under its hash, whatever the rollout decides: a pod of either
 * template finds its own.
 */
export function renderPodChildren(input: PodChildrenInput): PodChildren {
  const { name, namespace, spec, observed } = input;
  const validator = spec.validatorConfig;
  const labels = validatorLabels(name, spec.network);
  const { statefulSet, pending } = carryOverImmutableFields(
    renderStatefulSet({
      name,
      namespace,
      labels,
      image: input.image,
      replicas: spec.suspended ? 0 : 1,
      peerPort: validator?.peerPort ?? DEFAULT_PEER_PORT,
      storageClass: spec.storage?.storageClass,
      storageSize: spec.storage?.size ?? "100Gi",
      resources: spec.resources,
      seedSecretRef: validator?.seedSecretRef ?? "",
      group: input.group,
      podPeersHash: input.podPeersHash,
      configHash: input.configHash,
      forceScp: validator?.forceScp ?? false,
      publicKey: validator?.publicKey,
      sidecarImage:
        spec.peerDiscovery?.updateStrategy === "LiveConnect" ? input.sidecarImage : undefined,
      exporter: spec.metrics?.exporter?.enabled === true ? spec.metrics.exporter : undefined,
      historyPort: publishedHistoryPort(spec),
    }),
    observed.appliedStatefulSet,
  );
  const desired = { hash: input.configHash, text: input.coreConfig };
  return {
    children: [
      renderCoreConfigMap(name, namespace, labels, desired, appliedCoreConfig(observed, desired)),
      statefulSet,
      ...historyIngress(name, namespace, labels, spec),
    ],
    manualSteps: pending,
  };
}

/** history.ingress of a publishing validator, or nothing. */
function historyIngress(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  spec: StellarNodeSpec,
): KubeObject[] {
  const history = spec.validatorConfig?.history;
  if (history?.publish !== true || history.ingress === undefined) return [];
  return [renderHistoryIngress(name, namespace, labels, history.ingress)];
}

/**
 * The config of the applied pod template (its config-hash annotation), from the observed
 * config ConfigMap; the desired one when nothing was applied yet. Undefined when the
 * observed ConfigMap does not hold it (deleted by hand): a pod of that template then waits
 * for it rather than start with another.
 */
function appliedCoreConfig(
  observed: ObservedState,
  desired: CoreConfigEntry,
): CoreConfigEntry | undefined {
  if (observed.appliedStatefulSet === undefined) return desired;
  const template = observed.appliedTemplate;
  const metadata = isRecord(template) ? template["metadata"] : undefined;
  const annotations = isRecord(metadata) ? metadata["annotations"] : undefined;
  const hash = isRecord(annotations) ? annotations[ANNOTATION_CONFIG_HASH] : undefined;
  if (typeof hash !== "string") return undefined;
  if (hash === desired.hash) return desired;
  const text = observed.coreConfigs.get(hash);
  return text === undefined ? undefined : { hash, text };
}
