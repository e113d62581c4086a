import type { LabelSelector } from "../kube/label-selector.js";
import { matchesLabelSelector } from "../kube/label-selector.js";
import { DEFAULT_PEER_PORT } from "../spec/stellar-node-spec.js";
import type { PeerCandidate } from "./related-nodes.js";

export interface Peer {
  host: string;
  port: number;
  /** Set for discovered StellarNodes; absent for static knownPeers. */
  name?: string;
  namespace?: string;
  source: "discovered" | "static";
}

export interface PeerSelf {
  name: string;
  namespace: string;
  uid: string | undefined;
  networkPassphrase: string;
}

export interface DiscoveryPolicy {
  clusterDomain: string;
  scope: "Namespace" | "Cluster";
  groupSelector: LabelSelector | undefined;
  addressing: "DNS" | "PodIP";
  /** For PodIP addressing: "namespace/pod" -> IP of each Running pod. */
  podIps: ReadonlyMap<string, string>;
}

export const DNS_POLICY = (clusterDomain: string): DiscoveryPolicy => ({
  clusterDomain,
  scope: "Namespace",
  groupSelector: undefined,
  addressing: "DNS",
  podIps: new Map(),
});

/** The stable DNS name of validator `name`'s only pod, through its headless Service. */
export function podAddress(name: string, namespace: string, clusterDomain: string): string {
  return `${name}-0.${name}.${namespace}.svc.${clusterDomain}`;
}

export function peerKey(peer: Pick<Peer, "host" | "port">): string {
  return `${peer.host}:${peer.port}`;
}

export const memberKey = (node: { namespace: string; name: string }): string =>
  `${node.namespace}/${node.name}`;

/**
 * The validators `self` lists and is listed by: same network, in scope, matching the
 * group selector, not suspended, not being deleted, not itself. Sorted by namespace/name,
 * the order the quorum-safe rollout uses.
 */
export function groupPeers(
  self: PeerSelf,
  candidates: readonly PeerCandidate[],
  policy: DiscoveryPolicy,
): PeerCandidate[] {
  const byKey = new Map<string, PeerCandidate>();
  for (const candidate of candidates) {
    if (isPeerOf(self, candidate, policy)) byKey.set(memberKey(candidate), candidate);
  }
  return [...byKey.keys()].sort(compareText).map((key) => byKey.get(key) as PeerCandidate);
}

/**
 * Peers of `self`: its group's validators by address, plus the static peers. Readiness is
 * deliberately not a criterion: the address is a stable DNS name, and gating on readiness
 * would ripple every restart through the group. The result is canonical (sorted by
 * host:port, one entry per address), so the order of the request never changes it.
 */
export function discoverPeers(
  self: PeerSelf,
  candidates: readonly PeerCandidate[],
  staticPeers: readonly string[],
  policy: DiscoveryPolicy,
): Peer[] {
  return peersOfGroup(groupPeers(self, candidates, policy), staticPeers, policy);
}

export function peersOfGroup(
  group: readonly PeerCandidate[],
  staticPeers: readonly string[],
  policy: DiscoveryPolicy,
): Peer[] {
  const byAddress = new Map<string, Peer>();
  for (const member of group) {
    const host =
      policy.addressing === "PodIP"
        ? policy.podIps.get(`${member.namespace}/${member.name}-0`)
        : podAddress(member.name, member.namespace, policy.clusterDomain);
    // PodIP: a peer whose pod has no IP yet cannot be listed; it is once it runs.
    if (host === undefined) continue;
    const peer: Peer = {
      host,
      port: member.peerPort,
      name: member.name,
      namespace: member.namespace,
      source: "discovered",
    };
    byAddress.set(peerKey(peer), peer);
  }
  for (const text of staticPeers) {
    const peer = parseStaticPeer(text);
    const key = peerKey(peer);
    if (!byAddress.has(key)) byAddress.set(key, peer);
  }
  return [...byAddress.keys()].sort(compareText).map((key) => byAddress.get(key) as Peer);
}

export function isPeerOf(
  self: PeerSelf,
  candidate: PeerCandidate,
  policy: DiscoveryPolicy,
): boolean {
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
    !candidate.deleting
  );
}

/** "host[:port]" as stellar-core reads it (default port 11625), with the host lower-cased. */
export function parseStaticPeer(text: string): Peer {
  const colon = text.lastIndexOf(":");
  const host = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const port = colon < 0 ? DEFAULT_PEER_PORT : Number(text.slice(colon + 1));
  return { host, port, source: "static" };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
