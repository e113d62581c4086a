import { comesFirst } from "../kube/creation-order.js";
import { namespacedName } from "../kube/keys.js";
import type { AutomaticQuorum } from "../spec/stellar-node-spec.js";
import {
  automaticQuorumContent,
  type AutomaticValidator,
} from "../stellar/automatic-quorum-toml.js";
import { formatPeerAddress } from "../stellar/peer-address.js";
import { publishedHistory } from "../stellar/published-history.js";
import type { QuorumContent } from "../stellar/quorum-set.js";
import { admittedToQuorum, listedInAutomaticQuorum } from "./automatic-quorum-members.js";
import { podAddress } from "./peers.js";
import type { PeerCandidate } from "./related-nodes.js";

export interface AutomaticQuorumSelf {
  homeDomain: string;
  settings: AutomaticQuorum;
}

export interface GeneratedQuorum {
  content: QuorumContent;
  /** Members listed in [[VALIDATORS]] of the home domain (this node not counted). */
  listed: string[];
  /** Members of the home domain not listed yet: not in consensus since they joined. */
  joining: string[];
  /** Group members left out, each with why (no publicKey, another homeDomain, a key taken). */
  leftOut: string[];
}

/**
 * A member's NAME in [[VALIDATORS]]: `<name>.<namespace>`, unique across namespaces (a
 * DNS label holds no dot) and a valid archive name, which stellar-core gives a validator's
 * HISTORY (Config::addHistoryArchive).
 */
export function memberValidatorName(member: { name: string; namespace: string }): string {
  return `${member.name}.${member.namespace}`;
}

/**
 * The automatic quorum of a validator with `quorum: Automatic`: [[HOME_DOMAINS]] for its
 * homeDomain (automaticQuorum.quality) and each listed organisation, one [[VALIDATORS]]
 * entry per group member that declares a publicKey of the same homeDomain
 * (listedInAutomaticQuorum) and is in the group's quorum (status.quorum.inQuorumSince,
 * quorum-admission.ts), and the organisations' validators as written. The node itself is
 * never listed: stellar-core adds it (Config::addSelfToValidators) and refuses it twice
 * ("Duplicate validator entry", Config::setValidatorWeightConfig).
 *
 * Every member renders the same list up to itself: the members, their keys, addresses and
 * archives and whether they are in the quorum come from their own published spec and
 * status, never from the observer, and the list is sorted. A member's ADDRESS is its pod's
 * stable DNS name (as in KNOWN_PEERS); with PodIP addressing none is given, since a pod IP
 * changes with every restart and would restart the whole group (the peer list has it).
 * HISTORY is the member's own archive (publishedHistory: through its Service), never another's.
 *
 * One key is one entry: stellar-core refuses a key listed twice, or this node's own key
 * ("Duplicate validator entry"). A member that declares this node's key, or the key of a
 * member that comes before it (created earlier, then by namespace/name), is left out: it is
 * the younger of two validators with one identity, which its own sync refuses
 * (sync/node-identity.ts), and this node, or the older one, keeps its entry. Validators of
 * other organisations (automaticQuorum.organizations) are not compared with the members
 * here: a key listed twice that way is refused by the config check (InvalidValidators).
 */
export function generateAutomaticQuorum(
  self: AutomaticQuorumSelf,
  selfSpec: Parameters<typeof listedInAutomaticQuorum>[0],
  members: readonly PeerCandidate[],
  options: { clusterDomain: string; addressing: "DNS" | "PodIP" },
): GeneratedQuorum {
  const validators: AutomaticValidator[] = [];
  const listed: string[] = [];
  const joining: string[] = [];
  const leftOut: string[] = [];
  const ownKey = selfSpec.validatorConfig?.publicKey;
  const keyHolders = firstByPublicKey(members);
  for (const member of members) {
    const key = namespacedName(member);
    const facts = member.quorum;
    const holder = facts?.publicKey === undefined ? undefined : keyHolders.get(facts.publicKey);
    if (facts?.publicKey !== undefined && facts.publicKey === ownKey) {
      leftOut.push(`${key} (declares this validator's own publicKey)`);
      continue;
    }
    if (holder !== undefined && holder !== member) {
      leftOut.push(`${key} (its publicKey is ${namespacedName(holder)}'s, which comes first)`);
      continue;
    }
    const memberSpec = {
      validatorConfig: {
        publicKey: facts?.publicKey,
        homeDomain: facts?.homeDomain,
        history: facts?.history,
      },
    };
    if (!listedInAutomaticQuorum(selfSpec, memberSpec)) {
      leftOut.push(
        facts?.publicKeyInvalid === true
          ? `${key} (its publicKey is no valid G... key)`
          : facts?.publicKey === undefined
            ? `${key} (no publicKey)`
            : `${key} (homeDomain ${facts.homeDomain ?? "unset"}, not ${self.homeDomain})`,
      );
      continue;
    }
    const admitted = admittedToQuorum(member);
    if (!admitted || facts?.publicKey === undefined) {
      joining.push(key);
      continue;
    }
    listed.push(key);
    const history = publishedHistory(
      member.name,
      member.namespace,
      memberSpec,
      options.clusterDomain,
    );
    validators.push({
      name: memberValidatorName(member),
      homeDomain: self.homeDomain,
      publicKey: facts.publicKey,
      address:
        options.addressing === "DNS"
          ? formatPeerAddress({
              host: podAddress(member.name, member.namespace, options.clusterDomain),
              port: member.peerPort,
            })
          : undefined,
      history: history?.internalUrl,
    });
  }
  const organizations = self.settings.organizations ?? [];
  for (const organization of organizations) {
    for (const validator of organization.validators) {
      validators.push({
        name: validator.name,
        homeDomain: organization.homeDomain,
        publicKey: validator.publicKey,
        address: validator.address,
        history: validator.history,
      });
    }
  }
  return {
    content: automaticQuorumContent({
      homeDomains: [
        { homeDomain: self.homeDomain, quality: self.settings.quality },
        ...organizations.map((o) => ({ homeDomain: o.homeDomain, quality: o.quality })),
      ],
      validators,
      unsafeQuorum: self.settings.unsafeQuorum,
    }),
    listed,
    joining,
    leftOut,
  };
}

/** For each declared publicKey, the member that declares it and comes first. */
function firstByPublicKey(members: readonly PeerCandidate[]): Map<string, PeerCandidate> {
  const holders = new Map<string, PeerCandidate>();
  for (const member of members) {
    const key = member.quorum?.publicKey;
    if (key === undefined) continue;
    const holder = holders.get(key);
    if (holder === undefined || comesFirst(member, holder)) holders.set(key, member);
  }
  return holders;
}
