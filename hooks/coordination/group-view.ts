import {
  projectRelatedNode,
  readPeerCandidates,
  type PeerCandidate,
} from "../discovery/related-nodes.js";
import { compareText, namespacedName } from "../kube/keys.js";
import { isRecord, type KubeObject } from "../kube/objects.js";
import { stableStringify } from "../kube/stable-json.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_NAME } from "../render/labels.js";
import { isCoordinatedValidator, isDecoratorAttachment } from "./coordinated.js";

/**
 * The group view: every StellarNode of a namespace as discovery reads it, written by the
 * namespace decorator into ConfigMaps `stellar-peers-view-<i>` that coordinated members
 * relate (coordinated.ts) instead of the StellarNodes themselves.
 *
 * What it leaves out is the point: the fields each member rewrites at every step of a
 * rollout (status.rollout, the peers hashes, the config hash itself). A restart somewhere in
 * the group then changes no view and wakes no member; a join, a deletion, a new key or
 * address changes it once. The rollout reads those fields in the decorator (turns.ts).
 */
export const GROUP_VIEW_PREFIX = "stellar-peers-view-";
export const GROUP_VIEW_COMPONENT = "group-view";
/** The labels the view's ConfigMaps carry, and coordinated members relate them by. */
export const GROUP_VIEW_LABELS = {
  [LABEL_NAME]: "stellar-peers",
  [LABEL_COMPONENT]: GROUP_VIEW_COMPONENT,
  [LABEL_MANAGED_BY]: "stellar-peers",
} as const;

const NODES_KEY = "nodes.json";
const SHARD_KEY = "shard";
const SHARDS_KEY = "shards";
/**
 * A ConfigMap holds at most 1 MiB; a shard is kept to half of that. A node of the view is
 * about 0.5 kB (its labels at most 256 kB, which the API server enforces), so one shard
 * holds a group of about a thousand.
 */
export const SHARD_BYTES = 512 * 1024;
const MAX_SHARDS = 256;
/** Stands for status.configHash in the view: a config was rendered (its value changes). */
export const RENDERED_MARKER = "rendered";

/**
 * One node as the view holds it: projectRelatedNode's fields, but of its status only what
 * changes rarely (its quorum latches, its external address, whether it was rendered, the
 * status of its Valid condition). readPeerCandidates reads the same candidate from it,
 * except the rollout's fields (PeerCandidate.published), which are left unset.
 */
export function viewNode(object: unknown): unknown {
  const projected = projectRelatedNode(object);
  if (!isRecord(projected) || !isRecord(projected["status"])) return projected;
  const status = projected["status"];
  const kept: Record<string, unknown> = {};
  if (typeof status["configHash"] === "string") kept["configHash"] = RENDERED_MARKER;
  if ("externalAddress" in status) kept["externalAddress"] = status["externalAddress"];
  if ("quorum" in status) kept["quorum"] = status["quorum"];
  const conditions = status["conditions"];
  if (Array.isArray(conditions)) {
    kept["conditions"] = conditions.map((condition: unknown) =>
      isRecord(condition) ? { type: condition["type"], status: condition["status"] } : condition,
    );
  }
  return { ...projected, status: kept };
}

/**
 * The view's ConfigMaps for the StellarNodes of `namespace` in a decorator request. A node
 * goes to shard hash(name) mod the number of shards, the smallest power of two that keeps
 * every shard under SHARD_BYTES: a node stays in its shard while the number holds, so a
 * member that reads shards written by different syncs still reads each node once.
 */
export function renderGroupView(related: unknown, namespace: string): KubeObject[] {
  const objects = relatedStellarNodes(related);
  // Nobody would read it.
  if (!objects.some(isCoordinatedValidator)) return [];
  const nodes: { name: string; text: string }[] = [];
  for (const object of objects) {
    if (!isRecord(object) || !isRecord(object["metadata"])) continue;
    const { name, namespace: own } = object["metadata"];
    if (typeof name !== "string" || (own ?? namespace) !== namespace) continue;
    nodes.push({ name, text: stableStringify(viewNode(object)) });
  }
  nodes.sort((a, b) => compareText(a.name, b.name));
  let shards = 1;
  // More shards while one is too large and holds more than one node: a node too large for
  // a shard alone (labels of hundreds of kB) stays where it is, whatever the count.
  while (shards < MAX_SHARDS && largestShard(nodes, shards) > SHARD_BYTES) shards *= 2;
  const texts: string[][] = Array.from({ length: shards }, () => []);
  for (const node of nodes) texts[shardOf(node.name, shards)]?.push(node.text);
  return texts.map((parts, shard) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: `${GROUP_VIEW_PREFIX}${shard}`,
      namespace,
      labels: { ...GROUP_VIEW_LABELS },
    },
    data: {
      [NODES_KEY]: `[${parts.join(",")}]`,
      [SHARD_KEY]: String(shard),
      [SHARDS_KEY]: String(shards),
    },
  }));
}

/**
 * The candidates of a coordinated member's sync, read from the view's ConfigMaps among its
 * related objects (the decorator's own only, isDecoratorAttachment); undefined while the
 * view is not whole (no shard yet, a shard missing,
 * shards of two different counts), so the member acts on no partial group.
 */
export function readViewCandidates(
  related: unknown,
  defaultNamespace: string,
): PeerCandidate[] | undefined {
  const configMaps = isRecord(related) ? related[GROUP_KEYS.ConfigMap] : undefined;
  if (!isRecord(configMaps)) return undefined;
  const shards = new Map<number, unknown[]>();
  let count: number | undefined;
  for (const object of Object.values(configMaps)) {
    if (!isRecord(object) || !isRecord(object["metadata"]) || !isRecord(object["data"])) continue;
    const name = object["metadata"]["name"];
    if (typeof name !== "string" || !name.startsWith(GROUP_VIEW_PREFIX)) continue;
    if (!isDecoratorAttachment(object, defaultNamespace)) continue;
    const data = object["data"];
    const shard = Number(data[SHARD_KEY]);
    const of = Number(data[SHARDS_KEY]);
    const nodes = parseNodes(data[NODES_KEY]);
    // Each shard under its own name: a ConfigMap's name is unique in its namespace.
    if (name !== `${GROUP_VIEW_PREFIX}${String(data[SHARD_KEY])}`) continue;
    if (!Number.isInteger(shard) || !Number.isInteger(of) || nodes === undefined) return undefined;
    if (count !== undefined && count !== of) return undefined;
    count = of;
    shards.set(shard, nodes);
  }
  if (count === undefined || shards.size !== count || [...shards.keys()].some((i) => i >= count)) {
    return undefined;
  }
  const byKey: Record<string, unknown> = {};
  for (const nodes of shards.values()) {
    for (const node of nodes) {
      const metadata = isRecord(node) && isRecord(node["metadata"]) ? node["metadata"] : {};
      byKey[`${String(metadata["namespace"])}/${String(metadata["name"])}`] = node;
    }
  }
  const candidates = readPeerCandidates({ [GROUP_KEYS.StellarNode]: byKey }, defaultNamespace);
  return candidates.sort((a, b) => compareText(namespacedName(a), namespacedName(b)));
}

/** Whether a sync request relates StellarNodes (a member not coordinated, or not yet). */
export function relatesStellarNodes(related: unknown): boolean {
  return isRecord(related) && isRecord(related[GROUP_KEYS.StellarNode]);
}

function relatedStellarNodes(related: unknown): unknown[] {
  const group = isRecord(related) ? related[GROUP_KEYS.StellarNode] : undefined;
  return isRecord(group) ? Object.values(group) : [];
}

function parseNodes(text: unknown): unknown[] | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const nodes: unknown = JSON.parse(text);
    return Array.isArray(nodes) ? nodes : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes of the largest shard that holds more than one node (0 if none does). */
function largestShard(nodes: readonly { name: string; text: string }[], shards: number): number {
  const sizes = new Array<number>(shards).fill(0);
  const counts = new Array<number>(shards).fill(0);
  for (const node of nodes) {
    const shard = shardOf(node.name, shards);
    sizes[shard] = (sizes[shard] ?? 0) + Buffer.byteLength(node.text) + 1;
    counts[shard] = (counts[shard] ?? 0) + 1;
  }
  return Math.max(0, ...sizes.filter((_, shard) => (counts[shard] ?? 0) > 1));
}

/** FNV-1a of the name, mod the shard count: fixed per name, the same on every platform. */
function shardOf(name: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
