import { compareText, namespacedName } from "../kube/keys.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";
import { preferredThroughGeneratedQuorum, type QuorumFacts } from "./automatic-quorum-members.js";
import type { Peer } from "./peers.js";
import type { PeerCandidate } from "./related-nodes.js";

/** Which peers stellar-core will treat as preferred, and where each comes from. */
export interface PreferredPeers {
  /** PREFERRED_PEERS as rendered (`host:port`, sorted, one entry per address). */
  rendered: string[];
  /**
   * Group members in self's generated [[VALIDATORS]] of its own home domain: stellar-core
   * makes their ADDRESS preferred itself (Config::parseValidators), so they are not
   * rendered again. Sorted.
   */
  byQuorum: string[];
  /** PREFERRED_PEER_KEYS as rendered (sorted, unique). */
  keys: string[];
  /** Every preferred address, rendered or not: what takes outbound slots. */
  addresses: ReadonlySet<string>;
}

export interface PreferredPeersInput {
  self: QuorumFacts;
  /** The other members of the group (plan-peers.ts). */
  members: readonly PeerCandidate[];
  /** KNOWN_PEERS, canonical: the members' addresses are taken from here. */
  peers: readonly Peer[];
  /** spec.validatorConfig.overlay.preferredPeers. */
  extraPeers: readonly string[];
  /** spec.validatorConfig.overlay.preferredPeerKeys. */
  extraKeys: readonly string[];
  /** peerDiscovery.addressing: with PodIP the generated [[VALIDATORS]] carry no ADDRESS. */
  addressing: "DNS" | "PodIP";
}

/**
 * The group's members are preferred peers, so an organisation's validators always hold a
 * connection to each other (stellar-core PR #3342 made its own home domain's validators
 * preferred for that reason): every discovered member's KNOWN_PEERS address is in
 * PREFERRED_PEERS too, the same text, unless stellar-core already makes it preferred from
 * the automatic quorum. The extra preferred peers of the spec join them. Canonical: the
 * order of the request never changes the result.
 */
export function preferredPeers(input: PreferredPeersInput): PreferredPeers {
  const byKey = new Map(input.members.map((member) => [namespacedName(member), member]));
  const rendered = new Set<string>();
  const byQuorum = new Set<string>();
  for (const peer of input.peers) {
    if (peer.source !== "discovered" || peer.name === undefined) continue;
    const member = byKey.get(namespacedName({ namespace: peer.namespace ?? "", name: peer.name }));
    if (member === undefined) continue;
    const address = formatPeerAddress(peer);
    if (preferredThroughGeneratedQuorum(input.self, member, input.addressing))
      byQuorum.add(address);
    else rendered.add(address);
  }
  for (const text of input.extraPeers) {
    const address = parsePeerAddress(text);
    if (address === undefined) continue;
    const key = formatPeerAddress(address);
    if (!byQuorum.has(key)) rendered.add(key);
  }
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort(compareText);
  return {
    rendered: sorted(rendered),
    byQuorum: sorted(byQuorum),
    keys: sorted(input.extraKeys),
    addresses: new Set([...rendered, ...byQuorum]),
  };
}
