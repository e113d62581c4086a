import { memberKey, podAddress, type DiscoveryPolicy, type PeerSelf } from "../discovery/peers.js";
import type { PeerCandidate } from "../discovery/related-nodes.js";
import type { MemberState } from "./decide.js";
import { groupFingerprint } from "./fingerprint.js";

/** The group's fingerprint as `self` sees it: its peers and itself. */
export function fingerprintOf(
  self: PeerSelf & { peerPort: number },
  group: readonly PeerCandidate[],
  policy: DiscoveryPolicy,
): string {
  const address = (name: string, namespace: string): string =>
    policy.addressing === "PodIP"
      ? (policy.podIps.get(`${namespace}/${name}-0`) ?? "-")
      : podAddress(name, namespace, policy.clusterDomain);
  return groupFingerprint([
    { ...self, address: address(self.name, self.namespace), port: self.peerPort },
    ...group.map((m) => ({
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
      address: address(m.name, m.namespace),
      port: m.peerPort,
    })),
  ]);
}

/** What the rollout rule needs of each other member, read from the status it published. */
export function memberStates(self: PeerSelf, group: readonly PeerCandidate[]): MemberState[] {
  const selfKey = memberKey(self);
  return group.map((member) => {
    const key = memberKey(member);
    const published = member.published;
    return {
      key,
      earlier: key < selfKey,
      valid: published?.valid ?? true,
      published: published?.groupFingerprint !== undefined,
      groupFingerprint: published?.groupFingerprint,
      pending: published !== undefined && published.peersHash !== published.appliedPeersHash,
      ready: published?.ready ?? false,
      unreadySince: published?.unreadySince ?? member.creationTimestamp,
    };
  });
}
