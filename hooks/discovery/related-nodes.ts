import { isDns1123Label, stellarNodeNameProblem } from "../kube/names.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS, STELLAR_NODE_API_VERSION } from "../metacontroller/group-keys.js";
import {
  DEFAULT_PEER_DISCOVERY,
  NetworkSchema,
  NodeTypeSchema,
} from "../spec/stellar-node-spec.js";
import { readMemberStatus, type MemberStatusFields } from "../spec/stellar-node-status.js";
import { networkPassphrase } from "../stellar/networks.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import {
  QUORUM_SPEC_FIELDS,
  QUORUM_STATUS_FIELDS,
  readQuorumFacts,
  type MemberQuorumFacts,
} from "./quorum-facts.js";

/** What a group member published in its status for the quorum-safe rollout. */
export interface PublishedRollout {
  valid: boolean;
  /** It has had a config rendered (status.configHash): its StatefulSet exists and runs it. */
  rendered: boolean;
  /** The hashes of its desired and of its applied pod template (status.rollout). */
  templateHash: string | undefined;
  appliedTemplateHash: string | undefined;
  /** Written by releases before template pacing (read for a status not yet rewritten). */
  peersHash: string | undefined;
  appliedPeersHash: string | undefined;
  groupFingerprint: string | undefined;
  ready: boolean;
  unreadySince: string | undefined;
}

/** What discovery needs to know of a related StellarNode, and nothing more. */
export interface PeerCandidate {
  name: string;
  namespace: string;
  uid: string | undefined;
  labels: Record<string, string>;
  creationTimestamp: string | undefined;
  isValidator: boolean;
  networkPassphrase: string;
  suspended: boolean;
  deleting: boolean;
  peerPort: number;
  /**
   * spec.validatorConfig.seedSecretRef: the Secret of its node seed, in its namespace (two
   * members must not run one seed, sync/node-identity.ts). Its declared publicKey is in
   * `quorum`.
   */
  seedSecretRef: string | undefined;
  /** spec.externalPeering.nodePort, when it names one (two members must not ask for the same). */
  externalNodePort: number | undefined;
  /** The node port its external NodePort Service holds (status.externalAddress `:31234`). */
  allocatedNodePort: number | undefined;
  /**
   * spec.peerDiscovery.maxUnavailable (its default when unset or refused): the rollout takes
   * the smallest any member asks for, as the group's budget does.
   */
  maxUnavailable?: number | undefined;
  /** Undefined until the node's own sync has published a status. */
  published: PublishedRollout | undefined;
  /** What the automatic quorum reads of it (quorum-facts.ts). */
  quorum?: MemberQuorumFacts;
}

/**
 * Reads the related StellarNodes from a sync request, keyed by name (hook v1) or ns/name
 * (hook v2): the key is ignored and each object's own metadata is used. A node whose name
 * stellar-peers refuses is left out: it never gets a StatefulSet. Only the fields
 * discovery needs are read, without validating whole objects: a request may carry
 * thousands of them. A node whose peer-relevant fields are malformed cannot be
 * addressed, so it is skipped; its own sync reports why.
 */
export function readPeerCandidates(related: unknown, defaultNamespace: string): PeerCandidate[] {
  if (!isRecord(related)) return [];
  const group = related[GROUP_KEYS.StellarNode];
  if (!isRecord(group)) return [];
  const candidates: PeerCandidate[] = [];
  for (const object of Object.values(group)) {
    const candidate = toCandidate(object, defaultNamespace);
    if (candidate) candidates.push(candidate);
  }
  return candidates;
}

/**
 * A related StellarNode cut down to the fields readPeerCandidates reads (toCandidate and
 * readPublished below; keep the three together), each as it was: readPeerCandidates gives
 * the same candidates for the projection as for the whole object. The sync hook's body
 * parser keeps only this of each related StellarNode, so that a request of thousands of
 * them does not keep their managedFields, annotations and status lists alive (see
 * BENCHMARKS.md). Anything that is not a record is returned as it is.
 */
export function projectRelatedNode(object: unknown): unknown {
  return projectLevel(object, RELATED_NODE_PROJECTION);
}

/** Marks status.conditions: only the first condition of type Valid is kept (readPublished). */
export const FIRST_VALID_CONDITION = "first Valid condition";

/**
 * One level of a related StellarNode as discovery reads it: the keys kept whole, and the
 * keys cut down further (in this order, after `keep`).
 */
export interface NodeProjection {
  readonly keep: readonly string[];
  readonly nested?: Readonly<Record<string, NodeProjection | typeof FIRST_VALID_CONDITION>>;
}

/**
 * Every field readPeerCandidates reads (toCandidate, readPublished, readQuorumFacts), level
 * by level: the one list both projectRelatedNode and the
 * sync hook's lean body reader (http/lean-related-node.ts) follow, so a field discovery
 * starts to read is kept by both.
 */
export const RELATED_NODE_PROJECTION: NodeProjection = {
  keep: ["apiVersion", "kind"],
  nested: {
    metadata: {
      keep: ["name", "namespace", "uid", "labels", "creationTimestamp", "deletionTimestamp"],
    },
    spec: {
      keep: ["network", "customNetworkPassphrase", "nodeType", "suspended"],
      nested: {
        validatorConfig: { keep: ["peerPort", "seedSecretRef", ...QUORUM_SPEC_FIELDS] },
        externalPeering: { keep: ["nodePort"] },
        peerDiscovery: { keep: ["maxUnavailable"] },
      },
    },
    status: {
      keep: ["peersHash", "appliedPeersHash", "configHash", "externalAddress"],
      nested: {
        rollout: {
          keep: [
            "groupFingerprint",
            "ready",
            "unreadySince",
            "templateHash",
            "appliedTemplateHash",
          ],
        },
        quorum: { keep: QUORUM_STATUS_FIELDS },
        conditions: FIRST_VALID_CONDITION,
      },
    },
  },
};

function projectLevel(value: unknown, projection: NodeProjection): unknown {
  if (!isRecord(value)) return value;
  const projected = pick(value, projection.keep);
  for (const [key, nested] of Object.entries(projection.nested ?? {})) {
    if (!(key in value)) continue;
    projected[key] =
      nested === FIRST_VALID_CONDITION
        ? firstValidCondition(value[key])
        : projectLevel(value[key], nested);
  }
  return projected;
}

function firstValidCondition(conditions: unknown): unknown {
  if (!Array.isArray(conditions)) return conditions;
  const valid: unknown = conditions.find((c) => isRecord(c) && c["type"] === "Valid");
  return valid === undefined ? [] : [valid];
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in record) out[key] = record[key];
  return out;
}

function toCandidate(object: unknown, defaultNamespace: string): PeerCandidate | undefined {
  if (!isRecord(object)) return undefined;
  // Only StellarNodes are peers, whatever else is filed under their key.
  if (object["apiVersion"] !== STELLAR_NODE_API_VERSION || object["kind"] !== "StellarNode") {
    return undefined;
  }
  const metadata = object["metadata"];
  const spec = object["spec"];
  if (!isRecord(metadata) || !isRecord(spec)) return undefined;
  const name = metadata["name"];
  // A name stellar-peers refuses never gets a StatefulSet: it is nobody's peer.
  if (typeof name !== "string" || stellarNodeNameProblem(name) !== undefined) return undefined;
  const namespace =
    typeof metadata["namespace"] === "string" ? metadata["namespace"] : defaultNamespace;
  if (!isDns1123Label(namespace)) return undefined;
  const network = NetworkSchema.safeParse(spec["network"]);
  if (!network.success) return undefined;
  const custom = spec["customNetworkPassphrase"];
  const passphrase = networkPassphrase(
    network.data,
    typeof custom === "string" && custom !== "" ? custom : undefined,
  );
  if (passphrase === "") return undefined;
  const validatorConfig = isRecord(spec["validatorConfig"]) ? spec["validatorConfig"] : {};
  const rawPort = validatorConfig["peerPort"] ?? DEFAULT_PEER_PORT;
  if (typeof rawPort !== "number" || !Number.isInteger(rawPort) || rawPort < 1 || rawPort > 65535) {
    return undefined;
  }
  const rawStatus = object["status"];
  const status = isRecord(rawStatus) ? readMemberStatus(rawStatus) : undefined;
  return {
    name,
    namespace,
    uid: typeof metadata["uid"] === "string" ? metadata["uid"] : undefined,
    labels: stringRecord(metadata["labels"]),
    creationTimestamp:
      typeof metadata["creationTimestamp"] === "string" &&
      !Number.isNaN(Date.parse(metadata["creationTimestamp"]))
        ? metadata["creationTimestamp"]
        : undefined,
    isValidator: NodeTypeSchema.safeParse(spec["nodeType"]).data === "Validator",
    networkPassphrase: passphrase,
    suspended: spec["suspended"] === true,
    deleting: metadata["deletionTimestamp"] !== undefined && metadata["deletionTimestamp"] !== null,
    peerPort: rawPort,
    seedSecretRef:
      typeof validatorConfig["seedSecretRef"] === "string" &&
      validatorConfig["seedSecretRef"] !== ""
        ? validatorConfig["seedSecretRef"]
        : undefined,
    externalNodePort: readNodePort(spec["externalPeering"]),
    allocatedNodePort: readAllocatedNodePort(object["status"]),
    maxUnavailable: readMaxUnavailable(spec["peerDiscovery"]),
    published: status === undefined ? undefined : readPublished(status),
    quorum: readQuorumFacts(spec, status),
  };
}

function readNodePort(external: unknown): number | undefined {
  const nodePort = isRecord(external) ? external["nodePort"] : undefined;
  return typeof nodePort === "number" && Number.isInteger(nodePort) ? nodePort : undefined;
}

/** Its maxUnavailable; the default (1) when it sets none or one the schema refuses. */
function readMaxUnavailable(discovery: unknown): number {
  const value = isRecord(discovery) ? discovery["maxUnavailable"] : undefined;
  return typeof value === "number" && Number.isInteger(value) && value >= 1
    ? value
    : DEFAULT_PEER_DISCOVERY.maxUnavailable;
}

function readAllocatedNodePort(status: unknown): number | undefined {
  const address = isRecord(status) ? status["externalAddress"] : undefined;
  const match = typeof address === "string" ? /^:([0-9]{1,5})$/.exec(address) : null;
  return match === null ? undefined : Number(match[1]);
}

function readPublished(status: MemberStatusFields): PublishedRollout {
  return {
    valid: status.validStatus !== "False",
    rendered: status.configHash !== undefined,
    templateHash: status.rollout?.templateHash,
    appliedTemplateHash: status.rollout?.appliedTemplateHash,
    peersHash: status.peersHash,
    appliedPeersHash: status.appliedPeersHash,
    groupFingerprint: status.rollout?.groupFingerprint,
    ready: status.rollout?.ready === true,
    unreadySince: status.rollout?.unreadySince,
  };
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) if (typeof item === "string") out[key] = item;
  return out;
}
