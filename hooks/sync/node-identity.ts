import type { PeerCandidate } from "../discovery/related-nodes.js";
import { namespacedName } from "../kube/keys.js";
import type { KubeObject } from "../kube/objects.js";
import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { networkPassphrase } from "../stellar/networks.js";
import { comesFirst, howItCameFirst, type CreatedNode } from "../kube/creation-order.js";
import type { RefusalReason } from "./refusal-reasons.js";

/** Why this validator may not run: another member of its group has its node identity. */
export interface IdentityRefusal {
  reason: RefusalReason;
  message: string;
}

/**
 * Two validators of one network with one node identity: the same seed Secret (a
 * seedSecretRef is a Secret of the node's own namespace, so the same name in another
 * namespace is another Secret), or the same declared publicKey. stellar-core runs both, but
 * each drops the other's connection as "connecting to self" (Peer::recvHello, src/overlay/
 * Peer.cpp, v27.1.0: the hello's peerID is its own NODE_SEED's key), and both sign SCP
 * statements with one key: the network sees one validator saying two things.
 *
 * Of any two, the one that comes first (created earlier, then by namespace/name) keeps the
 * identity and the other is refused, the same in both syncs, from the specs alone: a
 * member's verdict never depends on another's published status, so a refused member cannot
 * flip the older one's. Compared are the related StellarNodes the request carries (the
 * group: its namespace, or every namespace for scope Cluster, narrowed by groupSelector)
 * that are validators of the same network (stellar-core signs every SCP statement for its
 * network ID, and members of two networks never peer) and are not being deleted. A
 * suspended member counts: it runs no pod, but its Secret is still its seed. Were it left
 * out, a younger member could start with that seed, and resuming the older one would then
 * refuse the younger, whose refusal keeps its StatefulSet running as observed: two signers
 * of one key. Members the request does not carry (another group) are not seen.
 */
export function judgeNodeIdentity(
  parent: KubeObject,
  spec: StellarNodeSpec,
  candidates: readonly PeerCandidate[],
): IdentityRefusal | undefined {
  const validator = spec.validatorConfig;
  if (spec.nodeType !== "Validator" || validator === undefined) return undefined;
  const created = parent.metadata["creationTimestamp"];
  const self: CreatedNode = {
    name: parent.metadata.name,
    namespace: parent.metadata.namespace ?? "default",
    creationTimestamp: typeof created === "string" ? created : undefined,
  };
  const passphrase = networkPassphrase(spec.network, spec.customNetworkPassphrase);
  const selfKey = namespacedName(self);
  const ahead = candidates.filter(
    (c) =>
      namespacedName(c) !== selfKey &&
      !c.deleting &&
      c.isValidator &&
      c.networkPassphrase === passphrase &&
      comesFirst(c, self),
  );
  const seed = validator.seedSecretRef;
  const sameSecret =
    seed === undefined
      ? undefined
      : first(ahead.filter((c) => c.namespace === self.namespace && c.seedSecretRef === seed));
  if (seed !== undefined && sameSecret !== undefined) {
    return {
      reason: "DuplicateNodeIdentity",
      message: `spec.validatorConfig.seedSecretRef names the Secret ${namespacedName({ namespace: self.namespace, name: seed })}, which the StellarNode ${namespacedName(sameSecret)} (${howItCameFirst(sameSecret, self)}) also names: ${CONSEQUENCE}. Give this validator a Secret with a seed of its own, or delete the other StellarNode first`,
    };
  }
  const key = validator.publicKey;
  const sameKey =
    key === undefined ? undefined : first(ahead.filter((c) => c.quorum?.publicKey === key));
  if (sameKey !== undefined) {
    return {
      reason: "DuplicateNodeIdentity",
      message: `spec.validatorConfig.publicKey ${key} is also declared by the StellarNode ${namespacedName(sameKey)} (${howItCameFirst(sameKey, self)}): ${CONSEQUENCE}. Give this validator a seed of its own and declare its key, or delete the other StellarNode first`,
    };
  }
  return undefined;
}

const CONSEQUENCE =
  'two validators with one node seed sign SCP statements with one key, and stellar-core drops their connections to each other as "connecting to self"';

/** The member that comes first of those given (the oldest, then by namespace/name). */
function first(candidates: readonly PeerCandidate[]): PeerCandidate | undefined {
  return [...candidates].sort((a, b) => (comesFirst(a, b) ? -1 : comesFirst(b, a) ? 1 : 0))[0];
}
