/**
 * Every reason of a Valid=False condition: the spec cannot be rendered, or stellar-core
 * would refuse the config (one reason per family of its rules, hooks/stellar/core-checks/).
 * The metrics' help text and the README list these; a test keeps them in step.
 */
export const REFUSAL_REASONS = [
  "InvalidName",
  "InvalidSpec",
  "DuplicateNodeIdentity",
  "UnsupportedNodeType",
  "LiveConnectUnavailable",
  "UnknownVersion",
  "InvalidQuorumSet",
  "UnsafeQuorum",
  "InvalidValidators",
  "InvalidHomeDomain",
  "NoHistoryArchive",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A stellar-core rule family as a refusal reason; an unknown family is a quorum problem. */
export function refusalReasonOf(family: string): RefusalReason {
  return (REFUSAL_REASONS as readonly string[]).includes(family)
    ? (family as RefusalReason)
    : "InvalidQuorumSet";
}
