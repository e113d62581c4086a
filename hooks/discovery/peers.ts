import { compareText, namespacedName } from "../kube/keys.js";
import type { LabelSelector } from "../kube/label-selector.js";
import { matchesLabelSelector } from "../kube/label-selector.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";
import type { PeerCandidate } from "./related-nodes.js";

export interface Peer {
  host: string;
  port: number;
  /** Set for discovered StellarNodes; absent for static knownPeers. */
  name?: string;
  namespace?: string;
  source: "discovered" | "static";
}

/** The node a peer list is made for. */
export interface PeerSelf {
  name: string;
  namespace: string;
  uid: string | undefined;
  networkPassphrase: string;
  peerPort: number;
}

export interface DiscoveryPolicy {
  clusterDomain: string;
  scope: "Namespace" | "Cluster";
  groupSelector: LabelSelector | undefined;
  addressing: "DNS" | "PodIP";
  /** For PodIP addressing: "namespace/pod" -> IP of each Running pod. */
  podIps: ReadonlyMap<string, string>;
}

/** The stable DNS name of validator `name`'s only pod, through its headless Service. */
export function podAddress(name: string, namespace: string, clusterDomain: string): string {
  return `${name}-0.${name}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The host peers dial for validator `node`: its pod's stable DNS name, or with PodIP
 * addressing its running pod's IP (undefined while it has none).
 */
export function memberHost(
  node: { name: string; namespace: string },
  policy: DiscoveryPolicy,
): string | undefined {
  return policy.addressing === "PodIP"
    ? policy.podIps.get(namespacedName({ namespace: node.namespace, name: `${node.name}-0` }))
    : podAddress(node.name, node.namespace, policy.clusterDomain);
}

/**
 * The validators `self` lists and is listed by: same network, in scope, matching the
 * group selector, not suspended, not being deleted, not itself. Sorted by namespace/name,
 * the order the quorum-safe rollout uses.
 */
export function selectGroupMembers(
  self: PeerSelf,
  candidates: readonly PeerCandidate[],
  policy: DiscoveryPolicy,
): PeerCandidate[] {
  const byKey = new Map<string, PeerCandidate>();
  for (const candidate of candidates) {
    if (isPeerOf(self, candidate, policy)) byKey.set(namespacedName(candidate), candidate);
  }
  return [...byKey.keys()].sort(compareText).map((key) => byKey.get(key) as PeerCandidate);
}

/**
 * The group members by address, plus the static peers. Readiness is deliberately not a
 * criterion: the address is a stable DNS name, and gating on readiness would ripple every
 * restart through the group. The result is canonical (sorted by host:port, one entry per
 * address), so the order of the request never changes it.
 */
export function peerAddresses(
  members: readonly PeerCandidate[],
  staticPeers: readonly string[],
  policy: DiscoveryPolicy,
): Peer[] {
  const byAddress = new Map<string, Peer>();
  for (const member of members) {
    const host = memberHost(member, policy);
    // PodIP: a peer whose pod has no IP yet cannot be listed; it is once it runs.
    if (host === undefined) continue;
    const peer: Peer = {
      host,
      port: member.peerPort,
      name: member.name,
      namespace: member.namespace,
      source: "discovered",
    };
    byAddress.set(formatPeerAddress(peer), peer);
  }
  for (const text of staticPeers) {
    const address = parsePeerAddress(text);
    if (address === undefined) continue;
    const key = formatPeerAddress(address);
    if (!byAddress.has(key)) byAddress.set(key, { ...address, source: "static" });
  }
  return [...byAddress.keys()].sort(compareText).map((key) => byAddress.get(key) as Peer);
}

function isPeerOf(self: PeerSelf, candidate: PeerCandidate, policy: DiscoveryPolicy): boolean {
  // Same name and namespace is the same object, even if a recreated one has a new uid.
  const isSelf =
    (candidate.uid !== undefined && candidate.uid === self.uid) ||
    (candidate.name === self.name && candidate.namespace === self.namespace);
  return (
    !isSelf &&
    (policy.scope === "Cluster" || candidate.namespace === self.namespace) &&
    (policy.groupSelector === undefined ||
      matchesLabelSelector(policy.groupSelector, candidate.labels)) &&
    candidate.isValidator &&
    candidate.networkPassphrase === self.networkPassphrase &&
    !candidate.suspended &&
    !candidate.deleting &&
    !neverRan(candidate)
  );
}

/**
 * A validator that has never run is nobody's peer: its own sync refused it (Valid=False)
 * before any config was rendered, so it has no StatefulSet and may never have one. A node
 * frozen by a bad edit after it ran stays a peer: it still runs. Its published verdict is
 * used, never a re-judgement of its spec in every member's sync.
 */
function neverRan(candidate: PeerCandidate): boolean {
  const published = candidate.published;
  // A validator in the group's generated quorum (quorum-admission.ts) whose generated
  // config is refused only waits for the group to grow (HIGH needs 3): it is a member.
  if (candidate.quorum?.inQuorumSince !== undefined) return false;
  return published !== undefined && !published.valid && !published.rendered;
}
