import { isRecord } from "../kube/objects.js";
import { PeerDiscoverySchema } from "../spec/stellar-node-spec.js";
import type {
  CustomizeRequest,
  CustomizeResponse,
  RelatedResourceRule,
} from "../metacontroller/composite-hooks.js";
import { LABEL_MANAGED_BY, LABEL_NAME } from "../render/labels.js";
import { isCoordinated } from "../coordination/coordinated.js";
import { GROUP_VIEW_LABELS } from "../coordination/group-view.js";
import { turnConfigMapName } from "../coordination/turns.js";

/**
 * The related objects a StellarNode's sync needs: the StellarNodes of its group (its
 * namespace, or every namespace for scope Cluster, narrowed by groupSelector), and for
 * PodIP addressing the validator pods. Metacontroller caches this per parent uid and
 * generation, so it depends on the parent's spec only. Rules follow v4.17.2's
 * pkg/controller/common/customize/manager.go: `namespace` without names selects a whole
 * namespace; a labelSelector without namespace selects every namespace (hook v2).
 */
export function customizeStellarNode(
  request: CustomizeRequest,
  options: { coordinatedRollout: boolean } = { coordinatedRollout: false },
): CustomizeResponse {
  const namespace = request.parent.metadata.namespace;
  const spec = isRecord(request.parent["spec"]) ? request.parent["spec"] : {};
  // An unparseable peerDiscovery falls back to the defaults: the sync reports it as invalid.
  const discovery =
    PeerDiscoverySchema.safeParse(spec["peerDiscovery"] ?? {}).data ??
    PeerDiscoverySchema.parse({});
  // A coordinated member relates the namespace decorator's group view and its own turn, and
  // no StellarNode: a status write of another member then syncs it only when what it acts on
  // changed (coordination/coordinated.ts). Only with COORDINATED_ROLLOUT=on; the sync reads
  // either shape of request whatever the setting, so turning it off (or on) is safe.
  if (options.coordinatedRollout && isCoordinated(discovery) && namespace !== undefined) {
    return {
      relatedResources: [
        {
          apiVersion: "v1",
          resource: "configmaps",
          namespace,
          labelSelector: { matchLabels: { ...GROUP_VIEW_LABELS } },
        },
        {
          apiVersion: "v1",
          resource: "configmaps",
          namespace,
          names: [turnConfigMapName(request.parent.metadata.name)],
        },
      ],
    };
  }
  const inScope = (rule: RelatedResourceRule): RelatedResourceRule =>
    discovery.scope === "Cluster" || namespace === undefined ? rule : { ...rule, namespace };
  const rules: RelatedResourceRule[] = [
    inScope({
      apiVersion: "stellar.org/v1alpha1",
      resource: "stellarnodes",
      ...(discovery.groupSelector === undefined && discovery.scope !== "Cluster"
        ? {}
        : { labelSelector: { ...discovery.groupSelector } }),
    }),
  ];
  if (discovery.addressing === "PodIP") {
    rules.push(
      inScope({
        apiVersion: "v1",
        resource: "pods",
        labelSelector: {
          matchLabels: {
            [LABEL_NAME]: "stellar-node",
            [LABEL_MANAGED_BY]: "stellar-peers",
          },
        },
      }),
    );
  }
  return { relatedResources: rules };
}
