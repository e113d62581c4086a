import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";

/** The fields the rule reads: a full spec, or what discovery read of a related node. */
type QuorumFields = Partial<
  Pick<NonNullable<StellarNodeSpec["validatorConfig"]>, "quorum" | "homeDomain" | "publicKey">
>;

/**
 * Whether `member` is one of the [[VALIDATORS]] that `self`'s automatic quorum generates
 * for its own home domain: self uses `quorum: Automatic`, and the member declares a
 * publicKey and the same homeDomain. stellar-core makes such validators preferred peers
 * itself (Config.cpp, parseValidators: an ADDRESS of NODE_HOME_DOMAIN goes to
 * PREFERRED_PEERS), so the rendered PREFERRED_PEERS must not list them again.
 */
export function listedInAutomaticQuorum(
  self: { validatorConfig?: QuorumFields | undefined },
  member: { validatorConfig?: QuorumFields | undefined },
): boolean {
  const own = self.validatorConfig;
  const theirs = member.validatorConfig;
  return (
    own?.quorum === "Automatic" &&
    own.homeDomain !== undefined &&
    theirs?.publicKey !== undefined &&
    theirs.homeDomain === own.homeDomain
  );
}
