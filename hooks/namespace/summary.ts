import { nodeFactsByKey } from "../discovery/node-facts.js";
import { podAddress } from "../discovery/peers.js";
import { readPeerCandidates, type PeerCandidate } from "../discovery/related-nodes.js";
import { compareText, namespacedName } from "../kube/keys.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { stableStringify } from "../kube/stable-json.js";
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_NAME } from "../render/labels.js";
import type {
  DecoratorSyncRequest,
  DecoratorSyncResponse,
} from "../metacontroller/decorator-hooks.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { formatPeerAddress } from "../stellar/peer-address.js";
import { groupBudgets } from "./group-budgets.js";
import { renderGroupView } from "../coordination/group-view.js";
import { renderTurns } from "../coordination/turns.js";

/** The namespace-wide ConfigMap's name (what the earlier operator called it, too). */
export const SUMMARY_CONFIGMAP_NAME = "stellar-peers";
/** Set on the Namespace while a ConfigMap stellar-peers that is not ours is in the way. */
export const CONFLICT_ANNOTATION = "stellar.org/peers-configmap-conflict";
/** A StellarNode of this name owns a `<name>-peers` ConfigMap of the same name as ours. */
const CLASHING_STELLAR_NODE_NAME = "stellar";

export interface NamespaceSyncOptions {
  clusterDomain: string;
  /**
   * The clock is an input: it sets discovery_metadata.updatedAt when the list changes, and
   * when a coordinated member is handed its turn, the turn's grantedAt.
   */
  now: Date;
  /**
   * COORDINATED_ROLLOUT=on: write the group view and the turns (coordination/). Off, nothing
   * of them is written, so the default never runs that code for the summary and budgets.
   */
  coordinatedRollout?: boolean;
}

/** A ConfigMap stellar-peers the decorator must leave alone; the route logs and counts it. */
export interface ConfigMapConflict {
  namespace: string;
  /** `Kind/name` of its owners, `no owner`, or the StellarNode that will own it. */
  owner: string;
  /** The annotation value set on the Namespace. */
  message: string;
}

export interface NamespaceSyncResult {
  response: DecoratorSyncResponse;
  conflict: ConfigMapConflict | undefined;
}

/** One validator as peers.json lists it. */
interface ValidatorEntry {
  name: string;
  namespace: string;
  network: string;
  address: string;
  port: number;
  suspended: boolean;
  ready: boolean;
  /**
   * `hostname:port` of spec.externalPeering, for validators in other clusters (their
   * knownPeers, their automatic quorum's ADDRESS); absent without a hostname. `address`
   * stays the internal name: members of this cluster keep dialling it
   * (discovery/public-address.ts says why).
   */
  publicAddress?: string;
}

/**
 * The DecoratorController sync for one Namespace: a pure function of the request and the
 * options. It keeps the ConfigMap stellar-peers while the namespace has a StellarNode
 * Validator (not being deleted) and returns no attachment otherwise, so Metacontroller
 * deletes its own. Next to it, one PodDisruptionBudget per group of validators
 * (group-budgets.ts), and for the validators whose rollout it coordinates, the group view
 * and their turns (coordination/). It never sets the Namespace's status (`status: null`),
 * and sets or clears only its own annotation.
 */
export function syncNamespace(
  request: DecoratorSyncRequest,
  options: NamespaceSyncOptions,
): NamespaceSyncResult {
  const namespace = request.object.metadata.name;
  const everyNode = readPeerCandidates(request.related, namespace);
  const candidates = everyNode.filter(
    (candidate) =>
      candidate.namespace === namespace && candidate.isValidator && !candidate.deleting,
  );
  const observed = findConfigMap(request.attachments, namespace);
  const conflict =
    candidates.length > 0 && request.finalizing !== true
      ? findConflict(request.related, namespace, observed, candidates)
      : undefined;
  const wanted = candidates.length > 0 && conflict === undefined && request.finalizing !== true;
  // The group view and the turns of the coordinated members (coordination/): with
  // COORDINATED_ROLLOUT=on, while the namespace has StellarNodes, even when the summary
  // ConfigMap is refused here (a conflict over its name).
  const coordinates =
    options.coordinatedRollout === true && request.finalizing !== true && everyNode.length > 0;
  const turns = coordinates
    ? renderTurns(request.related, request.attachments, namespace, everyNode, options.now)
    : { attachments: [], resyncAfterSeconds: undefined };
  const response: DecoratorSyncResponse = {
    labels: {},
    annotations: { [CONFLICT_ANNOTATION]: conflict?.message ?? null },
    status: null,
    attachments: [
      ...(wanted
        ? [
            renderSummary(
              namespace,
              validatorEntries(request.related, namespace, candidates, options),
              observed,
              options.now,
            ),
          ]
        : []),
      // One PodDisruptionBudget per group of the namespace (group-budgets.ts).
      ...(request.finalizing === true ? [] : groupBudgets(request.related, namespace)),
      ...(coordinates ? renderGroupView(request.related, namespace) : []),
      ...turns.attachments,
    ],
    resyncAfterSeconds: turns.resyncAfterSeconds ?? 0,
  };
  return {
    response: request.finalizing === true ? { ...response, finalized: true } : response,
    conflict,
  };
}

function validatorEntries(
  related: unknown,
  namespace: string,
  candidates: readonly PeerCandidate[],
  options: NamespaceSyncOptions,
): ValidatorEntry[] {
  const facts = nodeFactsByKey(related, namespace);
  return candidates
    .map((candidate) => {
      const fact = facts.get(namespacedName(candidate));
      return {
        name: candidate.name,
        namespace: candidate.namespace,
        network: fact?.network ?? "",
        address: podAddress(candidate.name, candidate.namespace, options.clusterDomain),
        port: candidate.peerPort,
        suspended: candidate.suspended,
        ready: fact?.ready ?? false,
        ...(fact?.publicAddress === undefined ? {} : { publicAddress: fact.publicAddress }),
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * The summary ConfigMap. Its data is canonical (sorted, independent of the order of the
 * request); `discovery_metadata.updatedAt` is carried over from the observed ConfigMap
 * while everything else is unchanged, so the same request always gives the same bytes.
 */
function renderSummary(
  namespace: string,
  validators: readonly ValidatorEntry[],
  observed: KubeObject | undefined,
  now: Date,
): KubeObject {
  const peers = validators.filter((validator) => !validator.suspended);
  const knownPeers = [
    ...new Set(peers.map((peer) => formatPeerAddress({ host: peer.address, port: peer.port }))),
  ].sort(compareText);
  const addresses = [...new Set(peers.map((peer) => peer.address))].sort(compareText);
  const byNetwork: Record<string, number> = {};
  for (const network of [...new Set(validators.map((v) => v.network))].sort(compareText)) {
    byNetwork[network] = validators.filter((v) => v.network === network).length;
  }
  const counts = {
    total: validators.length,
    peers: peers.length,
    suspended: validators.length - peers.length,
    byNetwork,
  };
  const data: Record<string, string> = {
    KNOWN_PEERS: lines(knownPeers),
    "peers.txt": lines(addresses),
    peer_count: String(peers.length),
    "peers.json": `${JSON.stringify(validators)}\n`,
  };
  const updatedAt = carriedUpdatedAt(observed, data, counts) ?? now.toISOString();
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: SUMMARY_CONFIGMAP_NAME,
      namespace,
      labels: {
        [LABEL_NAME]: "stellar-peers",
        [LABEL_COMPONENT]: "namespace-summary",
        [LABEL_MANAGED_BY]: "stellar-peers",
      },
    },
    data: { ...data, discovery_metadata: `${JSON.stringify({ ...counts, updatedAt })}\n` },
  };
}

/** The observed updatedAt, if every other key and count is what we would write now. */
function carriedUpdatedAt(
  observed: KubeObject | undefined,
  data: Record<string, string>,
  counts: Record<string, unknown>,
): string | undefined {
  const observedData = observed && isRecord(observed["data"]) ? observed["data"] : undefined;
  if (observedData === undefined) return undefined;
  for (const [key, value] of Object.entries(data)) {
    if (observedData[key] !== value) return undefined;
  }
  const metadataText = observedData["discovery_metadata"];
  if (typeof metadataText !== "string") return undefined;
  let metadata: unknown;
  try {
    metadata = JSON.parse(metadataText);
  } catch {
    return undefined;
  }
  if (!isRecord(metadata)) return undefined;
  const { updatedAt, ...observedCounts } = metadata;
  if (typeof updatedAt !== "string" || Number.isNaN(Date.parse(updatedAt))) return undefined;
  return stableStringify(observedCounts) === stableStringify(counts) ? updatedAt : undefined;
}

/**
 * Why the decorator must not manage stellar-peers here, or undefined. Two cases:
 * - a ConfigMap stellar-peers exists that is not our attachment: someone else owns it
 *   (or no one). Metacontroller's create would get AlreadyExists and skip it silently
 *   (pkg/controller/common/manage_children.go), so we say so instead;
 * - a StellarNode Validator named `stellar` lives here: its own `stellar-peers` child is
 *   what its pod mounts, so it takes precedence even while the ConfigMap is still ours.
 */
function findConflict(
  related: unknown,
  namespace: string,
  observed: KubeObject | undefined,
  candidates: readonly PeerCandidate[],
): ConfigMapConflict | undefined {
  const existing = findConfigMap(related, namespace);
  let owner: string | undefined;
  if (existing !== undefined && !sameObject(existing, observed)) {
    owner = describeOwners(existing);
  } else if (candidates.some((candidate) => candidate.name === CLASHING_STELLAR_NODE_NAME)) {
    owner = `StellarNode/${CLASHING_STELLAR_NODE_NAME}`;
  }
  if (owner === undefined) return undefined;
  return {
    namespace,
    owner,
    message: `${owner}; rename or delete it to let stellar-peers manage it`,
  };
}

function describeOwners(object: KubeObject): string {
  const refs = Array.isArray(object.metadata["ownerReferences"])
    ? object.metadata["ownerReferences"].filter(isRecord)
    : [];
  const controller = refs.filter((ref) => ref["controller"] === true);
  const shown = (controller.length > 0 ? controller : refs).map(
    (ref) => `${String(ref["kind"] ?? "?")}/${String(ref["name"] ?? "?")}`,
  );
  return shown.length > 0 ? shown.sort(compareText).join(", ") : "no owner";
}

function sameObject(a: KubeObject, b: KubeObject | undefined): boolean {
  if (b === undefined) return false;
  if (a.metadata.uid !== undefined && b.metadata.uid !== undefined) {
    return a.metadata.uid === b.metadata.uid;
  }
  return a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
}

/** The ConfigMap stellar-peers of `namespace` in a request's object map, whatever the key style. */
function findConfigMap(objects: unknown, namespace: string): KubeObject | undefined {
  if (!isRecord(objects)) return undefined;
  const group = objects[GROUP_KEYS.ConfigMap];
  if (!isRecord(group)) return undefined;
  for (const object of Object.values(group)) {
    if (
      isRecord(object) &&
      isRecord(object["metadata"]) &&
      object["metadata"]["name"] === SUMMARY_CONFIGMAP_NAME &&
      (object["metadata"]["namespace"] ?? namespace) === namespace
    ) {
      return object as KubeObject;
    }
  }
  return undefined;
}

function lines(values: readonly string[]): string {
  return values.map((value) => `${value}\n`).join("");
}
