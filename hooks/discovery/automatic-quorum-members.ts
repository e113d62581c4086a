import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";

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
