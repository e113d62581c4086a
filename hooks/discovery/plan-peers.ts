import { sha256Hex } from "../hash.js";
import { compareText } from "../kube/keys.js";
import type { Overlay, PeerDiscovery } from "../spec/stellar-node-spec.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";
import { planConnections, type ConnectionPlan } from "../stellar/peer-connections.js";
import { renderPeersToml } from "../stellar/peers-toml.js";
import type { QuorumFacts } from "./automatic-quorum-members.js";
import { groupFingerprint } from "./group-fingerprint.js";
import {
  memberHost,
  peerAddresses,
  selectGroupMembers,
  type DiscoveryPolicy,
  type Peer,
  type PeerSelf,
} from "./peers.js";
import { preferredPeers, type PreferredPeers } from "./preferred-peers.js";
import type { PeerCandidate } from "./related-nodes.js";
import { readPodIps } from "./related-pods.js";

/**
 * How a validator's peer list is made, in one place:
 *  1. the policy: the node's peerDiscovery (scope, group selector, addressing) and, for
 *     PodIP addressing, the IPs of the related validator pods;
 *  2. the group: the related StellarNodes that are its peers (related-nodes.ts reads them,
 *     peers.ts `selectGroupMembers` decides), sorted by namespace/name;
 *  3. the addresses: each member's pod DNS name (or pod IP) and peer port, plus the
 *     static knownPeers, canonical (sorted, one entry per address);
 *  4. the preferred peers (every member, preferred-peers.ts) and the connection numbers
 *     (stellar/peer-connections.ts), written with KNOWN_PEERS as peers.toml;
 *  5. the hash that counts for a restart (of what stellar-core reads: peers.toml), and the
 *     group fingerprint the rollout compares;
 *  6. what the status shows of the list (capped, see MAX_STATUS_PEERS).
 * The peers ConfigMap (render/peers-configmap.ts) writes the list out; the rollout
 * (rollout/decide.ts) decides when the pod template takes its hash.
 */
export interface PeerPlan {
  /** The other members of the group, in the group's order. */
  members: PeerCandidate[];
  /** KNOWN_PEERS, canonical. */
  peers: Peer[];
  /** PREFERRED_PEERS and PREFERRED_PEER_KEYS, and the members stellar-core prefers itself. */
  preferred: PreferredPeers;
  /** TARGET_PEER_CONNECTIONS and MAX_ADDITIONAL_PEER_CONNECTIONS (preferred peers on top). */
  connections: ConnectionPlan;
  preferredPeersOnly: boolean;
  /** peers.toml: every key stellar-core reads of the peers ConfigMap. */
  peersToml: string;
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
  /** The related StellarNodes, read once per sync (readPeerCandidates). */
  candidates: readonly PeerCandidate[];
  /** The sync request's related objects (the Pods, for PodIP addressing). */
  related: unknown;
  clusterDomain: string;
  /** Self's spec as far as the automatic quorum goes (which members stellar-core prefers). */
  quorumFacts?: QuorumFacts;
  /** spec.validatorConfig.overlay. */
  overlay?: Overlay | undefined;
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
  const members = selectGroupMembers(self, input.candidates, policy);
  const peers = peerAddresses(members, input.staticPeers, policy);
  const overlay = overlaySettings(input, members);
  const settings = overlay(peers);
  // With DNS names the text stellar-core reads is what a restart is for; with pod IPs the
  // same text with each member's name for its address, so a peer's new IP (any pod
  // restart) restarts nobody else.
  const peersHash =
    discovery.addressing === "PodIP"
      ? sha256Hex(overlay(stableMemberPeers(members, input.staticPeers)).peersToml)
      : sha256Hex(settings.peersToml);
  return {
    members,
    peers,
    ...settings,
    peersHash,
    groupFingerprint: fingerprintOf(self, members, policy),
    statusPeers: peers.slice(0, MAX_STATUS_PEERS).map(formatPeerAddress),
    statusPeersTruncated: peers.length > MAX_STATUS_PEERS,
  };
}

/**
 * KNOWN_PEERS as the peers ConfigMap holds it: one host:port per line, each ending in a
 * newline (the LiveConnect sidecar reads it). The peers hash is of peers.toml, not of this.
 */
export function knownPeersText(peers: readonly Peer[]): string {
  return peers.map((peer) => `${formatPeerAddress(peer)}\n`).join("");
}

type OverlayPart = Pick<PeerPlan, "preferred" | "connections" | "preferredPeersOnly" | "peersToml">;

/**
 * The preferred peers, the connection numbers and peers.toml of a KNOWN_PEERS list: every
 * group member is preferred (preferred-peers.ts) and takes its outbound slot on top of
 * targetPeerConnections (stellar/peer-connections.ts).
 */
function overlaySettings(
  input: PeerPlanInput,
  members: readonly PeerCandidate[],
): (peers: readonly Peer[]) => OverlayPart {
  const overlay = input.overlay;
  return (peers) => {
    const preferred = preferredPeers({
      self: input.quorumFacts ?? {},
      members,
      peers,
      extraPeers: overlay?.preferredPeers ?? [],
      extraKeys: overlay?.preferredPeerKeys ?? [],
      addressing: input.discovery.addressing,
    });
    const connections = planConnections({
      targetPeerConnections: overlay?.targetPeerConnections,
      maxAdditionalPeerConnections: overlay?.maxAdditionalPeerConnections,
      preferred: preferred.addresses.size + preferred.keys.length,
    });
    const preferredPeersOnly = overlay?.preferredPeersOnly ?? false;
    const peersToml = renderPeersToml({
      knownPeers: peers.map(formatPeerAddress),
      preferredPeers: preferred.rendered,
      preferredPeerKeys: preferred.keys,
      preferredPeersOnly,
      targetPeerConnections: connections.target,
      maxAdditionalPeerConnections: connections.maxAdditional,
    });
    return { preferred, connections, preferredPeersOnly, peersToml };
  };
}

/**
 * PodIP addressing: the members (each as `namespace/name`, with or without a pod IP) and
 * the static peers, without the addresses that change.
 */
function stableMemberPeers(
  members: readonly PeerCandidate[],
  staticPeers: readonly string[],
): Peer[] {
  const stable: Peer[] = members.map((member) => ({
    host: `${member.namespace}/${member.name}`,
    port: member.peerPort,
    name: member.name,
    namespace: member.namespace,
    source: "discovered",
  }));
  const keys = new Set(stable.map(formatPeerAddress));
  for (const text of staticPeers) {
    const address = parsePeerAddress(text);
    if (address === undefined || keys.has(formatPeerAddress(address))) continue;
    keys.add(formatPeerAddress(address));
    stable.push({ ...address, source: "static" });
  }
  return stable.sort((a, b) => compareText(formatPeerAddress(a), formatPeerAddress(b)));
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
