/**
 * Realistic sync requests for the benchmark: a group of N StellarNode validators in one
 * namespace, each as the API server returns it to Metacontroller's informer (managedFields
 * of kubectl's client-side apply and of Metacontroller's status writes, the kubectl
 * last-applied annotation, labels, and the status our own sync publishes: conditions,
 * rollout fields and the peers list), and the parent's observed children as Metacontroller
 * hands them back. The group is in steady state: every member published the same group
 * fingerprint and runs its current list, which is what a validator joining disturbs.
 */
import { createHash } from "node:crypto";
import { podAddress } from "../../hooks/discovery/peers.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { syncResponse } from "../support/sync.js";
import { decoratorAttachments, observed, QUORUM_SET } from "../support/fixtures.js";
import { renderGroupView } from "../../hooks/coordination/group-view.js";

export const BENCH_NAMESPACE = "stellar-bench";
export const CLUSTER_DOMAIN = "cluster.local";
const GROUP_KEY = "StellarNode.stellar.org/v1alpha1";
const CREATED = "2026-11-01T08:00:00Z";
const STATUS_TIME = "2026-11-02T09:30:00Z";
export const BENCH_NOW = new Date("2026-11-23T12:00:00Z");

/**
 * How each StellarNode's status carries the peers list: `capped` as hooks/sync/sync.ts
 * writes it today (the first 64 addresses of the member's list, `peersTruncated` beyond:
 * plan-peers.ts MAX_STATUS_PEERS), `full` as it was before the cap (every other member, so
 * the request grows as N²), `none` without it (only peerCount and peersHash). `view` is the
 * request of a coordinated member (COORDINATED_ROLLOUT=on, a group of one namespace
 * addressed by DNS):
 * it relates the namespace decorator's group view (hooks/coordination/group-view.ts) of the
 * same `capped` group, not the StellarNodes.
 */
export type StatusPeers = "capped" | "full" | "none" | "view";

/** plan-peers.ts MAX_STATUS_PEERS. */
const STATUS_PEERS_CAP = 64;

export const validatorName = (i: number): string => `validator-${String(i).padStart(4, "0")}`;

function uuid(seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

function specOf(name: string): Record<string, unknown> {
  return {
    nodeType: "Validator",
    network: "Testnet",
    version: "27.0.0",
    storage: { storageClass: "standard", size: "100Gi" },
    resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "8Gi" } },
    validatorConfig: {
      seedSecretRef: `${name}-seed`,
      enableHistoryArchive: true,
      knownPeers: ["core-testnet1.stellar.org:11625"],
      quorumSet: QUORUM_SET,
    },
  };
}

function labelsOf(name: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "stellar-node",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/part-of": "stellar-validators",
    "stellar.org/network": "testnet",
    "example.org/team": "core-infra",
  };
}

/** managedFields' FieldsV1 for a JSON value: every key as `f:key`, objects nested. */
function fieldsOf(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Record<string, unknown> = { ".": {} };
  for (const [key, item] of Object.entries(value)) out[`f:${key}`] = fieldsOf(item);
  return out;
}

/** Conditions are a map-list keyed by type: `k:{"type":"Valid"}` entries. */
function statusFields(status: Record<string, unknown>): Record<string, unknown> {
  const fields = fieldsOf(status);
  const conditions = status["conditions"];
  if (Array.isArray(conditions)) {
    const list: Record<string, unknown> = { ".": {} };
    for (const condition of conditions as Record<string, unknown>[]) {
      list[`k:${JSON.stringify({ type: condition["type"] })}`] = fieldsOf(condition);
    }
    fields["f:conditions"] = list;
  }
  if ("peers" in status) fields["f:peers"] = {};
  return fields;
}

/** A StellarNode as `kubectl apply` created it, before any status. */
export function bareNode(i: number, namespace = BENCH_NAMESPACE): KubeObject {
  const name = validatorName(i);
  const labels = labelsOf(name);
  const spec = specOf(name);
  const applied = {
    apiVersion: "stellar.org/v1alpha1",
    kind: "StellarNode",
    metadata: { annotations: {}, labels, name, namespace },
    spec,
  };
  return {
    apiVersion: "stellar.org/v1alpha1",
    kind: "StellarNode",
    metadata: {
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(applied)}\n`,
      },
      creationTimestamp: CREATED,
      generation: 1,
      labels,
      managedFields: [
        {
          apiVersion: "stellar.org/v1alpha1",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:annotations": {
                ".": {},
                "f:kubectl.kubernetes.io/last-applied-configuration": {},
              },
              "f:labels": fieldsOf(labels),
            },
            "f:spec": fieldsOf(spec),
          },
          manager: "kubectl-client-side-apply",
          operation: "Update",
          time: CREATED,
        },
      ],
      name,
      namespace,
      resourceVersion: String(100000 + i * 7),
      uid: uuid(`${namespace}/${name}`),
    },
    spec,
  };
}

function withStatus(node: KubeObject, status: Record<string, unknown>): KubeObject {
  const managedFields = node.metadata["managedFields"] as unknown[];
  return {
    ...node,
    metadata: {
      ...node.metadata,
      managedFields: [
        ...managedFields,
        {
          apiVersion: "stellar.org/v1alpha1",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:status": statusFields(status) },
          manager: "metacontroller",
          operation: "Update",
          subresource: "status",
          time: STATUS_TIME,
        },
      ],
    },
    status,
  };
}

function peerAddress(i: number, namespace: string): string {
  const name = validatorName(i);
  return `${podAddress(name, namespace, CLUSTER_DOMAIN)}:11625`;
}

export interface GroupOptions {
  n: number;
  statusPeers: StatusPeers;
  namespace?: string;
}

/**
 * A steady group of n validators: the status template (what the sync of member 0 publishes
 * once everything has settled) and every member with its own status.
 */
export interface Group {
  options: Required<GroupOptions>;
  nodes: KubeObject[];
  /** Status of member i as our sync writes it in steady state. */
  statusOf: (i: number) => Record<string, unknown>;
}

const CONTROLLER = {
  apiVersion: "metacontroller.k8s.io/v1alpha1",
  kind: "CompositeController",
  metadata: { name: "stellarnode" },
};

function emptyChildren(): Record<string, Record<string, KubeObject>> {
  return { "ConfigMap.v1": {}, "Service.v1": {}, "StatefulSet.apps/v1": {} };
}

function childrenMap(children: readonly KubeObject[]): Record<string, Record<string, KubeObject>> {
  const map = emptyChildren();
  for (const [group, objects] of Object.entries(observed(children))) {
    const byKey: Record<string, KubeObject> = {};
    for (const object of objects) {
      byKey[`${object.metadata.namespace}/${object.metadata.name}`] = object;
    }
    map[group] = byKey;
  }
  return map;
}

function relatedMap(nodes: readonly KubeObject[]): Record<string, Record<string, KubeObject>> {
  const byKey: Record<string, KubeObject> = {};
  for (const node of nodes) byKey[`${node.metadata.namespace}/${node.metadata.name}`] = node;
  return { [GROUP_KEY]: byKey };
}

/** Builds the group: one real sync of member 0, run to its fixed point, sets the shape. */
export function buildGroup(options: GroupOptions): Group {
  const opts: Required<GroupOptions> = { namespace: BENCH_NAMESPACE, ...options };
  const { n, namespace } = opts;
  const bare = Array.from({ length: n }, (_, i) => bareNode(i, namespace));
  // Member 0's sync against the bare group, until its status stops changing.
  let parent = bare[0]!;
  let children = emptyChildren();
  let status: Record<string, unknown> = {};
  for (let round = 0; round < 4; round++) {
    const response = syncResponse(
      { controller: CONTROLLER, parent, children, related: relatedMap(bare), finalizing: false },
      { clusterDomain: CLUSTER_DOMAIN, now: new Date(STATUS_TIME) },
    );
    status = response.status as Record<string, unknown>;
    parent = { ...bare[0]!, status };
    children = childrenMap(response.children);
  }
  const template = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
  const addresses = Array.from({ length: n }, (_, i) => peerAddress(i, namespace)).sort();
  const statusOf = (i: number): Record<string, unknown> => {
    const own = peerAddress(i, namespace);
    // Without the list in status its hash only needs to be a member's own (and is cheaper).
    const list = [...addresses.filter((a) => a !== own), "core-testnet1.stellar.org:11625"].sort();
    const peers =
      opts.statusPeers === "full"
        ? list
        : opts.statusPeers === "capped" || opts.statusPeers === "view"
          ? list.slice(0, STATUS_PEERS_CAP)
          : undefined;
    const peersHash = sha256(
      opts.statusPeers === "none" ? `peers of ${own}` : list.map((p) => `${p}\n`).join(""),
    );
    const status: Record<string, unknown> = {
      ...template,
      peerCount: n,
      peers,
      peersHash,
      appliedPeersHash: peersHash,
      pendingRestart: false,
      configHash: sha256(`config of ${validatorName(i)}`),
    };
    if (peers === undefined) delete status["peers"];
    if (opts.statusPeers !== "full" && peers !== undefined && list.length > STATUS_PEERS_CAP) {
      status["peersTruncated"] = true;
    } else {
      delete status["peersTruncated"];
    }
    return status;
  };
  const nodes = bare.map((node, i) => withStatus(node, statusOf(i)));
  return { options: opts, nodes, statusOf };
}

/** The related map of a group, serialised once: every member's request carries it whole. */
export function relatedJson(group: Group): string {
  if (group.options.statusPeers !== "view") return JSON.stringify(relatedMap(group.nodes));
  // The view's ConfigMaps as the informer hands them over: with the server's fields.
  const namespace = group.options.namespace;
  const view = decoratorAttachments(renderGroupView(relatedMap(group.nodes), namespace), namespace);
  const live = observed(view)["ConfigMap.v1"] ?? [];
  const byKey: Record<string, KubeObject> = {};
  for (const cm of live) byKey[`${cm.metadata.namespace}/${cm.metadata.name}`] = cm;
  return JSON.stringify({ "ConfigMap.v1": byKey });
}

/**
 * Member i's steady-state sync request, serialised as Metacontroller sends it (hook v2:
 * controller, parent, children, related, finalizing), with the shared related map spliced in.
 */
export function requestFor(group: Group, i: number, related: string): string {
  return requestMaker(group, related)(i);
}

function requestWithChildren(parent: KubeObject, children: unknown, related: string): string {
  return `{"controller":${JSON.stringify(CONTROLLER)},"parent":${JSON.stringify(parent)},"children":${JSON.stringify(children)},"related":${related},"finalizing":false}`;
}

/**
 * Member i's request, for several members of one group: the related map is parsed once and
 * each request is built when asked for (a membership event sends one per member, each
 * carrying the same group).
 */
export function requestMaker(group: Group, related: string): (i: number) => string {
  const parsed = JSON.parse(related) as unknown;
  return (i) => {
    const parent = group.nodes[i]!;
    const response = syncResponse(
      { controller: CONTROLLER, parent, children: emptyChildren(), related: parsed },
      { clusterDomain: CLUSTER_DOMAIN, now: new Date(STATUS_TIME) },
    );
    return requestWithChildren(parent, childrenMap(response.children), related);
  };
}

/** Parses a request as the server would, for the in-process figures. */
export function parseRequest(body: string): SyncRequest {
  return JSON.parse(body) as SyncRequest;
}

export function syncInProcess(request: SyncRequest): SyncResponse {
  return syncResponse(request, { clusterDomain: CLUSTER_DOMAIN, now: BENCH_NOW });
}

/**
 * Bytes of the request a group of n would make, without building it (for sizes beyond what
 * one JavaScript string can hold): request bytes are a + b·n + c·n² (the status peers lists
 * make the n² term), fitted exactly through three built sizes.
 */
export function estimateBytes(options: GroupOptions): number {
  const xs = [50, 100, 200] as const;
  const ys = xs.map((n) => {
    const group = buildGroup({ ...options, n });
    return Buffer.byteLength(requestFor(group, 0, relatedJson(group)));
  });
  const [x0, x1, x2] = xs;
  const [y0, y1, y2] = ys as [number, number, number];
  const d01 = (y1 - y0) / (x1 - x0);
  const d12 = (y2 - y1) / (x2 - x1);
  const c = (d12 - d01) / (x2 - x0);
  const b = d01 - c * (x0 + x1);
  const a = y0 - b * x0 - c * x0 * x0;
  return Math.round(a + b * options.n + c * options.n * options.n);
}
