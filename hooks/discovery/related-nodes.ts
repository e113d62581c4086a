import { isRecord } from "../kube/objects.js";
import { DEFAULT_PEER_PORT, NetworkSchema, NodeTypeSchema } from "../spec/stellar-node-spec.js";
import { networkPassphrase } from "../stellar/networks.js";

/** Metacontroller's key of the related StellarNodes (pkg/controller/common/api: Kind.group/version). */
export const STELLAR_NODE_GROUP_KEY = "StellarNode.stellar.org/v1alpha1";

/** What discovery needs to know of a related StellarNode, and nothing more. */
export interface PeerCandidate {
  name: string;
  namespace: string;
  uid: string | undefined;
  isValidator: boolean;
  networkPassphrase: string;
  suspended: boolean;
  deleting: boolean;
  peerPort: number;
}

/**
 * Reads the related StellarNodes from a sync request, keyed by name (hook v1) or ns/name
 * (hook v2): the key is ignored and each object's own metadata is used. Only the fields
 * discovery needs are read, without validating whole objects: a request may carry
 * thousands of them. A node whose peer-relevant fields are malformed cannot be
 * addressed, so it is skipped; its own sync reports why.
 */
export function readPeerCandidates(related: unknown, defaultNamespace: string): PeerCandidate[] {
  if (!isRecord(related)) return [];
  const group = related[STELLAR_NODE_GROUP_KEY];
  if (!isRecord(group)) return [];
  const candidates: PeerCandidate[] = [];
  for (const object of Object.values(group)) {
    const candidate = toCandidate(object, defaultNamespace);
    if (candidate) candidates.push(candidate);
  }
  return candidates;
}

function toCandidate(object: unknown, defaultNamespace: string): PeerCandidate | undefined {
  if (!isRecord(object)) return undefined;
  const metadata = object["metadata"];
  const spec = object["spec"];
  if (!isRecord(metadata) || !isRecord(spec)) return undefined;
  const name = metadata["name"];
  if (typeof name !== "string" || name === "") return undefined;
  const namespace =
    typeof metadata["namespace"] === "string" ? metadata["namespace"] : defaultNamespace;
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
  return {
    name,
    namespace,
    uid: typeof metadata["uid"] === "string" ? metadata["uid"] : undefined,
    isValidator: NodeTypeSchema.safeParse(spec["nodeType"]).data === "Validator",
    networkPassphrase: passphrase,
    suspended: spec["suspended"] === true,
    deleting: metadata["deletionTimestamp"] !== undefined && metadata["deletionTimestamp"] !== null,
    peerPort: rawPort,
  };
}
