import type { QuorumSet } from "./quorum-set-tree.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * operator< of the XDR PublicKey: key type, then the 32 key bytes. Every key here is an
 * ed25519 StrKey of the same length and version byte, and base32 is a big-endian bit
 * string, so comparing the digits' values compares the bytes (ASCII order would not:
 * "2".."7" sort before "A" in ASCII but come after "Z" in base32).
 */
function compareNodeIds(left: string, right: string): number {
  const length = Math.max(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = BASE32.indexOf(left.charAt(index));
    const b = BASE32.indexOf(right.charAt(index));
    if (a !== b) return a - b;
  }
  return 0;
}

/** qSetCompareInt (src/scp/QuorumSetUtils.cpp, v27.1.0): validators, then inner sets, then threshold. */
function compareQuorumSets(left: QuorumSet, right: QuorumSet): number {
  const byValidators = compareLexicographically(left.validators, right.validators, compareNodeIds);
  if (byValidators !== 0) return byValidators;
  const byInnerSets = compareLexicographically(left.innerSets, right.innerSets, compareQuorumSets);
  if (byInnerSets !== 0) return byInnerSets;
  return Math.sign(left.threshold - right.threshold);
}

/** intLexicographicalCompare (src/scp/QuorumSetUtils.cpp, v27.1.0). */
function compareLexicographically<T>(
  left: readonly T[],
  right: readonly T[],
  compare: (a: T, b: T) => number,
): number {
  const shared = Math.min(left.length, right.length);
  for (let index = 0; index < shared; index++) {
    const a = left[index];
    const b = right[index];
    if (a === undefined || b === undefined) break;
    const result = compare(a, b);
    if (result !== 0) return result;
  }
  return Math.sign(left.length - right.length);
}

/**
 * normalizeQSetSimplify (src/scp/QuorumSetUtils.cpp, v27.1.0), without a node to remove: singleton
 * inner sets { t: 1, v } become validators of their parent, and { t: 1, { inner } }
 * becomes inner.
 */
function simplify(qset: QuorumSet): QuorumSet {
  const validators = [...qset.validators];
  const innerSets: QuorumSet[] = [];
  for (const inner of qset.innerSets) {
    const simplified = simplify(inner);
    const [only] = simplified.validators;
    if (
      simplified.threshold === 1 &&
      simplified.validators.length === 1 &&
      simplified.innerSets.length === 0 &&
      only !== undefined
    ) {
      validators.push(only);
    } else {
      innerSets.push(simplified);
    }
  }
  const [onlyInner] = innerSets;
  if (
    qset.threshold === 1 &&
    validators.length === 0 &&
    innerSets.length === 1 &&
    onlyInner !== undefined
  ) {
    return onlyInner;
  }
  return { threshold: qset.threshold, validators, innerSets };
}

/** normalizeQuorumSetReorder (src/scp/QuorumSetUtils.cpp, v27.1.0). */
function reorder(qset: QuorumSet): QuorumSet {
  return {
    threshold: qset.threshold,
    validators: [...qset.validators].sort(compareNodeIds),
    innerSets: qset.innerSets.map(reorder).sort(compareQuorumSets),
  };
}

/** normalizeQSet (src/scp/QuorumSetUtils.cpp, v27.1.0), as Config::generateQuorumSet calls it. */
export function normalizeQSet(qset: QuorumSet): QuorumSet {
  return reorder(simplify(qset));
}
