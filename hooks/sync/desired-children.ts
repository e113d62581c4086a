import type { PeerPlan } from "../discovery/plan-peers.js";
import type { KubeObject } from "../kube/objects.js";
import { asLastApplied } from "../metacontroller/observed-children.js";
import { renderCoreConfigMap } from "../render/core-configmap.js";
import { validatorLabels } from "../render/labels.js";
import { renderPeersConfigMap } from "../render/peers-configmap.js";
import { renderPeerService } from "../render/service.js";
import { renderStatefulSet } from "../render/statefulset.js";
import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { carryOverImmutableFields } from "./immutable-fields.js";
import type { ObservedState } from "./observed-state.js";
import { peersHashHistory } from "./peers-history.js";

export interface ValidatorChildrenInput {
  name: string;
  namespace: string;
  spec: StellarNodeSpec;
  plan: PeerPlan;
  coreConfig: string;
  configHash: string;
  /** The peers hash the pod template gets (the rollout's decision); none for LiveConnect. */
  podPeersHash: string | undefined;
  /** The LiveConnect sidecar's image, for validators that use it. */
  sidecarImage: string | undefined;
  observed: ObservedState;
}

export interface ValidatorChildren {
  children: KubeObject[];
  /** Changes that cannot be applied in place, each with the manual step that applies it. */
  manualSteps: string[];
}

/** The validator's config and peers ConfigMaps, its headless Service and its StatefulSet. */
export function renderValidatorChildren(input: ValidatorChildrenInput): ValidatorChildren {
  const { name, namespace, spec, plan, observed } = input;
  const validator = spec.validatorConfig ?? { enableHistoryArchive: true, peerPort: 11625 };
  const labels = validatorLabels(name, spec.network);
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
      podPeersHash: input.podPeersHash,
      configHash: input.configHash,
      sidecarImage:
        spec.peerDiscovery?.updateStrategy === "LiveConnect" ? input.sidecarImage : undefined,
    }),
    observed.statefulSet ? asLastApplied(observed.statefulSet) : undefined,
  );
  return {
    children: [
      renderCoreConfigMap(name, namespace, labels, input.coreConfig),
      renderPeersConfigMap(
        name,
        namespace,
        labels,
        plan.peers,
        plan.peersHash,
        peersHashHistory(observed.peersConfigMap, plan.peersHash),
      ),
      renderPeerService(name, namespace, labels, validator.peerPort),
      statefulSet,
    ],
    manualSteps: pending,
  };
}
