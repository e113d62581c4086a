import type { PeerSelf } from "../discovery/peers.js";
import type { PeerCandidate, PublishedRollout } from "../discovery/related-nodes.js";
import { namespacedName } from "../kube/keys.js";
import type { MemberState } from "./decide.js";

/** What the rollout rule needs of each other member, read from the status it published. */
export function memberStates(self: PeerSelf, members: readonly PeerCandidate[]): MemberState[] {
  const selfKey = namespacedName(self);
  return members.map((member) => {
    const key = namespacedName(member);
    const published = member.published;
    return {
      key,
      earlier: key < selfKey,
      valid: published?.valid ?? true,
      published: published?.groupFingerprint !== undefined,
      groupFingerprint: published?.groupFingerprint,
      pending: published !== undefined && isPending(published),
      ready: published?.ready ?? false,
      // A member that published a status without a valid unreadySince counts as unready
      // since now (it blocks), never as unready since its creation (stuck, blocking nobody).
      unreadySince: published === undefined ? member.creationTimestamp : published.unreadySince,
      maxUnavailable: member.maxUnavailable,
    };
  });
}

/**
 * A member's own new pod template waits: its published desired and applied template hashes
 * differ. A status written by a release before template pacing has neither; its peer hashes
 * then say the same for the one cause that release paced.
 */
function isPending(published: PublishedRollout): boolean {
  if (published.templateHash !== undefined || published.appliedTemplateHash !== undefined) {
    return published.templateHash !== published.appliedTemplateHash;
  }
  return published.peersHash !== published.appliedPeersHash;
}
