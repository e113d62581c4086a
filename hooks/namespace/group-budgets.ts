import { groupLabelValue, LABEL_GROUP } from "../discovery/group-label.js";
import { compareText } from "../kube/keys.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_NAME } from "../render/labels.js";
import { NetworkSchema, PeerDiscoverySchema } from "../spec/stellar-node-spec.js";
import { networkPassphrase } from "../stellar/networks.js";

/** The PodDisruptionBudget of a group is named after its group label's value. */
export function groupBudgetName(group: string): string {
  return `stellar-group-${group}`;
}

/**
 * One PodDisruptionBudget per group of validators in the namespace, so that voluntary
 * evictions (`kubectl drain`, the cluster autoscaler) take at most `maxUnavailable`
 * members of a group at once, as the rollout does.
 *
 * - Ownership: Metacontroller gives an object one owner, and a group's budget belongs to no
 *   one validator; the namespace decorator, which owns the namespace summary, owns them.
 * - Exactly one budget selects a pod: each selects on the group label
 *   (discovery/group-label.ts), of which a pod carries exactly one value, so budgets never
 *   overlap (the Eviction API refuses to evict a pod under two). Members that disagree on
 *   their scope or selector get different values, so different budgets.
 * - The label is on the pod template: a validator whose group changes keeps its old label,
 *   and its old budget while others still have it, until its paced restart.
 * - maxUnavailable is the smallest any member of the group asks for (the safe side when
 *   members disagree); suspended members (no pod) and members being deleted ask nothing.
 * - `unhealthyPodEvictionPolicy: AlwaysAllow`: a pod that is not Ready can always be
 *   evicted (it is down already; evicting it costs the group nothing), so a crash-looping
 *   or stuck validator never blocks a drain, and neither does a group of one, whose budget
 *   (maxUnavailable 1) allows its only pod to go.
 * - `scope: Cluster` groups: a PodDisruptionBudget selects pods of its own namespace only,
 *   and nothing spans namespaces; each namespace's part of such a group gets its own budget
 *   with the group's maxUnavailable. A drain that spans namespaces can so take up to
 *   maxUnavailable members of each namespace at once; the README says so.
 */
export function groupBudgets(related: unknown, namespace: string): KubeObject[] {
  const groups = new Map<string, number>();
  for (const member of groupMembers(related, namespace)) {
    const budget = groups.get(member.group);
    groups.set(
      member.group,
      budget === undefined ? member.maxUnavailable : Math.min(budget, member.maxUnavailable),
    );
  }
  return [...groups.keys()].sort(compareText).map((group) => ({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: groupBudgetName(group),
      namespace,
      labels: {
        [LABEL_NAME]: "stellar-peers",
        [LABEL_COMPONENT]: "group-budget",
        [LABEL_MANAGED_BY]: "stellar-peers",
        [LABEL_GROUP]: group,
      },
    },
    spec: {
      maxUnavailable: groups.get(group),
      selector: { matchLabels: { [LABEL_GROUP]: group } },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  }));
}

interface GroupMember {
  group: string;
  maxUnavailable: number;
}

/**
 * The running validators of `namespace` with the group label their pods get, computed as
 * the sync hook computes it (network, scope, group selector of their spec). A member whose
 * fields do not parse is left out: its own sync refuses it and keeps what it runs.
 */
function groupMembers(related: unknown, namespace: string): GroupMember[] {
  const nodes = isRecord(related) ? related[GROUP_KEYS.StellarNode] : undefined;
  if (!isRecord(nodes)) return [];
  const members: GroupMember[] = [];
  for (const object of Object.values(nodes)) {
    if (!isRecord(object) || !isRecord(object["metadata"]) || !isRecord(object["spec"])) continue;
    const { metadata, spec } = object;
    if ((metadata["namespace"] ?? namespace) !== namespace) continue;
    const deleting =
      metadata["deletionTimestamp"] !== undefined && metadata["deletionTimestamp"] !== null;
    if (spec["nodeType"] !== "Validator" || spec["suspended"] === true || deleting) continue;
    const network = NetworkSchema.safeParse(spec["network"]);
    const discovery = PeerDiscoverySchema.safeParse(spec["peerDiscovery"] ?? {});
    if (!network.success || !discovery.success) continue;
    const custom = spec["customNetworkPassphrase"];
    members.push({
      group: groupLabelValue({
        network: network.data,
        networkPassphrase: networkPassphrase(
          network.data,
          typeof custom === "string" ? custom : undefined,
        ),
        scope: discovery.data.scope,
        groupSelector: discovery.data.groupSelector,
      }),
      maxUnavailable: discovery.data.maxUnavailable,
    });
  }
  return members;
}
