import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import type { PeerCandidate } from "./related-nodes.js";

type ValidatorConfig = NonNullable<StellarNodeSpec["validatorConfig"]>;

/**
 * What of a spec decides membership in an automatic quorum: a whole StellarNodeSpec fits,
 * and so do the fields discovery reads of a related node (related-nodes.ts).
 */
export interface QuorumFacts {
  validatorConfig?:
    Partial<Pick<ValidatorConfig, "quorum" | "homeDomain" | "publicKey">> | undefined;
}

/**
 * Whether `member` is one of the [[VALIDATORS]] that `self`'s automatic quorum generates
 * for its own home domain: self uses `quorum: Automatic`, and the member declares a
 * publicKey and the same homeDomain. stellar-core makes such validators preferred peers
 * itself (Config.cpp, parseValidators: an ADDRESS of NODE_HOME_DOMAIN goes to
 * PREFERRED_PEERS), so the rendered PREFERRED_PEERS must not list them again.
 */
export function listedInAutomaticQuorum(self: QuorumFacts, member: QuorumFacts): boolean {
  const own = self.validatorConfig;
  const theirs = member.validatorConfig;
  return (
    own?.quorum === "Automatic" &&
    own.homeDomain !== undefined &&
    theirs?.publicKey !== undefined &&
    theirs.homeDomain === own.homeDomain
  );
}

/**
 * Whether a member the generated quorum lists (listedInAutomaticQuorum) is in it yet: once
 * it has been in consensus (status.quorum.inQuorumSince, quorum-admission.ts), or before
 * its own sync has published a status (created in the same apply: a group that forms
 * together must count each other; a newcomer to a running group is out again at its first
 * status, before anyone can restart for it: the rollout waits for its fingerprint and its
 * readiness).
 */
export function admittedToQuorum(member: Pick<PeerCandidate, "published" | "quorum">): boolean {
  return member.quorum?.inQuorumSince !== undefined || member.published === undefined;
}

/**
 * Whether stellar-core makes `member` a preferred peer by itself, from self's generated
 * [[VALIDATORS]]: listed, admitted, and given an ADDRESS (DNS addressing only: with PodIP
 * the generated entries carry none, automatic-quorum.ts). Exactly these are left out of the
 * rendered PREFERRED_PEERS; every other member is rendered there, so each member is
 * preferred once, whether it is still joining or not.
 */
export function preferredThroughGeneratedQuorum(
  self: QuorumFacts,
  member: PeerCandidate,
  addressing: "DNS" | "PodIP",
): boolean {
  return (
    addressing === "DNS" &&
    listedInAutomaticQuorum(self, memberQuorumFacts(member)) &&
    admittedToQuorum(member)
  );
}

/** What listedInAutomaticQuorum reads of a related member, from its quorum facts (quorum-facts.ts). */
export function memberQuorumFacts(member: Pick<PeerCandidate, "quorum">): QuorumFacts {
  return {
    validatorConfig: {
      publicKey: member.quorum?.publicKey,
      homeDomain: member.quorum?.homeDomain,
    },
  };
}
