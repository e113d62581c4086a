import { sha256Hex } from "../hash.js";
import type { PeerDiscovery } from "../spec/stellar-node-spec.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";
import { groupFingerprint } from "./group-fingerprint.js";
import {
  memberHost,
  peerAddresses,
  selectGroupMembers,
  type DiscoveryPolicy,
  type Peer,
  type PeerSelf,
} from "./peers.js";
import { readPeerCandidates, type PeerCandidate } from "./related-nodes.js";
import { readPodIps } from "./related-pods.js";

/**
 * How a validator's peer list is made, in one place:
 *  1. the policy: the node's peerDiscovery (scope, group selector, addressing) and, for
 *     PodIP addressing, the IPs of the related validator pods;
 *  2. the group: the related StellarNodes that are its peers (related-nodes.ts reads them,
 *     peers.ts `selectGroupMembers` decides), sorted by namespace/name;
 *  3. the addresses: each member's pod DNS name (or pod IP) and peer port, plus the
 *     static knownPeers, canonical (sorted, one entry per address);
 *  4. the hash that counts for a restart, and the group fingerprint the rollout compares;
 *  5. what the status shows of the list (capped, see MAX_STATUS_PEERS).
 * The peers ConfigMap (render/peers-configmap.ts) writes the list out; the rollout
 * (rollout/decide.ts) decides when the pod template takes its hash.
 */
export interface PeerPlan {
  /** The other members of the group, in the group's order. */
  members: PeerCandidate[];
  /** KNOWN_PEERS, canonical. */
  peers: Peer[];
  /** What a restart is for; the pod template carries it once the rollout applies it. */
  peersHash: string;
  /** The membership this node acts on (rollout rule 2). */
  groupFingerprint: string;
  /** status.peers: the first MAX_STATUS_PEERS addresses. */
  statusPeers: string[];
  statusPeersTruncated: boolean;
}

export interface PeerPlanInput {
  self: PeerSelf;
  discovery: PeerDiscovery;
  staticPeers: readonly string[];
  /** The sync request's related objects (StellarNodes, and Pods for PodIP addressing). */
  related: unknown;
  clusterDomain: string;
}

/**
 * status.peers lists at most this many addresses. Every sync request carries every group
 * member's status, so an unbounded list makes requests grow with the square of the group
 * (78 MB at 1,000 validators, over the body limit; BENCHMARKS.md). The whole list is in
 * the X-peers ConfigMap; peerCount is always the full count.
 */
const MAX_STATUS_PEERS = 64;

export function planPeers(input: PeerPlanInput): PeerPlan {
  const { self, discovery } = input;
  const policy: DiscoveryPolicy = {
    clusterDomain: input.clusterDomain,
    scope: discovery.scope,
    groupSelector: discovery.groupSelector,
    addressing: discovery.addressing,
    podIps: discovery.addressing === "PodIP" ? readPodIps(input.related) : new Map(),
  };
  const members = selectGroupMembers(
    self,
    readPeerCandidates(input.related, self.namespace),
    policy,
  );
  const peers = peerAddresses(members, input.staticPeers, policy);
  // With DNS names the list itself is what a restart is for; with pod IPs only the
  // membership, so a peer's new IP (any pod restart) restarts nobody else.
  const peersHash =
    discovery.addressing === "PodIP"
      ? sha256Hex(membershipText(members, input.staticPeers))
      : sha256Hex(knownPeersText(peers));
  return {
    members,
    peers,
    peersHash,
    groupFingerprint: fingerprintOf(self, members, policy),
    statusPeers: peers.slice(0, MAX_STATUS_PEERS).map(formatPeerAddress),
    statusPeersTruncated: peers.length > MAX_STATUS_PEERS,
  };
}

/**
 * KNOWN_PEERS as the peers ConfigMap holds it: one host:port per line, each ending in a
 * newline. The init container recomputes its hash with sha256sum, so this text is the hash's.
 */
export function knownPeersText(peers: readonly Peer[]): string {
  return peers.map((peer) => `${formatPeerAddress(peer)}\n`).join("");
}

/** PodIP addressing: the members and static peers, without the addresses that change. */
function membershipText(members: readonly PeerCandidate[], staticPeers: readonly string[]): string {
  const lines = [
    ...members.map((member) => `${member.namespace}/${member.name}:${member.peerPort}`),
    ...staticPeers.flatMap((text) => {
      const address = parsePeerAddress(text);
      return address === undefined ? [] : [formatPeerAddress(address)];
    }),
  ];
  return [...new Set(lines)]
    .sort()
    .map((line) => `${line}\n`)
    .join("");
}

/** The group's fingerprint as `self` sees it: its peers and itself, with their addresses. */
function fingerprintOf(
  self: PeerSelf,
  members: readonly PeerCandidate[],
  policy: DiscoveryPolicy,
): string {
  return groupFingerprint(
    [self, ...members].map((node) => ({
      namespace: node.namespace,
      name: node.name,
      uid: node.uid,
      address: memberHost(node, policy) ?? "-",
      port: node.peerPort,
    })),
  );
}
