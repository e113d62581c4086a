/**
 * The namespace decorator's sync at N related StellarNodes: with coordinated groups (the
 * default) it is the one sync that reads the whole group at every status write, and it
 * evaluates the rollout rule for every pending member. Two requests: the group in steady
 * state, and the same group with every member pending (the moment after a join, when the
 * turns are decided for all). Timed over HTTP against the same floor as the StellarNode sync
 * (`JSON.parse` of the request + `JSON.stringify` of the response, in the client).
 */
import { Client } from "undici";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { syncNamespace } from "../../hooks/namespace/summary.js";
import { BENCH_NAMESPACE, BENCH_NOW, buildGroup, CLUSTER_DOMAIN } from "./generate.js";
import { summarize, type Summary } from "./stats.js";
import { decoratorAttachments } from "../support/fixtures.js";

export interface DecoratorResult {
  n: number;
  state: "steady" | "all pending";
  requestBytes: number;
  responseBytes: number;
  floor: Summary;
  inProcess: Summary;
  http: Summary;
  httpToFloor: number;
}

const now = (): number => performance.now();

/** The decorator's observed attachments, as its own earlier answer made them. */
function attachmentsOf(objects: readonly KubeObject[]): Record<string, Record<string, KubeObject>> {
  const groups: Record<string, Record<string, KubeObject>> = {
    "ConfigMap.v1": {},
    "PodDisruptionBudget.policy/v1": {},
  };
  for (const object of decoratorAttachments(objects, BENCH_NAMESPACE)) {
    const key = object.kind === "ConfigMap" ? "ConfigMap.v1" : "PodDisruptionBudget.policy/v1";
    (groups[key] ??= {})[`${BENCH_NAMESPACE}/${object.metadata.name}`] = object;
  }
  return groups;
}

function request(
  nodes: readonly KubeObject[],
  attachments: Record<string, Record<string, KubeObject>> = {},
): Record<string, unknown> {
  const related: Record<string, KubeObject> = {};
  for (const node of nodes) related[`${node.metadata.namespace}/${node.metadata.name}`] = node;
  return {
    controller: {
      apiVersion: "metacontroller.k8s.io/v1alpha1",
      kind: "DecoratorController",
      metadata: { name: "stellar-peers-namespace" },
    },
    object: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: BENCH_NAMESPACE, uid: "uid-namespace" },
    },
    attachments: { "ConfigMap.v1": {}, "PodDisruptionBudget.policy/v1": {}, ...attachments },
    related: { "StellarNode.stellar.org/v1alpha1": related, "ConfigMap.v1": {} },
    finalizing: false,
  };
}

/** Every member with a new template pending since a minute before the clock: all decide. */
function allPending(nodes: readonly KubeObject[]): KubeObject[] {
  const since = new Date(BENCH_NOW.getTime() - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  return nodes.map((node) => {
    const status = node["status"] as Record<string, unknown>;
    const rollout = status["rollout"] as Record<string, unknown>;
    return {
      ...node,
      status: {
        ...status,
        rollout: { ...rollout, templateHash: `new-${node.metadata.name}`, pendingSince: since },
      },
    };
  });
}

export async function measureDecorator(
  origin: string,
  n: number,
  quick: boolean,
): Promise<DecoratorResult[]> {
  const group = buildGroup({ n, statusPeers: "capped" });
  const client = new Client(origin, { bodyTimeout: 600_000, headersTimeout: 600_000 });
  const results: DecoratorResult[] = [];
  try {
    for (const [state, nodes] of [
      ["steady", group.nodes],
      ["all pending", allPending(group.nodes)],
    ] as const) {
      const options = { clusterDomain: CLUSTER_DOMAIN, now: BENCH_NOW, coordinatedRollout: true };
      // As Metacontroller sends it: with what the decorator's last answer attached.
      const first = syncNamespace(
        JSON.parse(JSON.stringify(request(nodes))) as Parameters<typeof syncNamespace>[0],
        options,
      ).response;
      const body = JSON.stringify(request(nodes, attachmentsOf(first.attachments)));
      const parsed = JSON.parse(body) as Parameters<typeof syncNamespace>[0];
      const response = syncNamespace(parsed, options).response;
      const floor: number[] = [];
      const inProcess: number[] = [];
      const http: number[] = [];
      const iterations = quick ? 3 : n >= 1000 ? 21 : 51;
      for (let i = 0; i < iterations + 2; i++) {
        const t0 = now();
        const object = JSON.parse(body) as unknown;
        const text = JSON.stringify(response);
        const t1 = now();
        syncNamespace(parsed, options);
        const t2 = now();
        const reply = await client.request({
          path: "/namespace/sync",
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const answer = Buffer.from(await reply.body.arrayBuffer());
        const t3 = now();
        if (reply.statusCode !== 200) {
          throw new Error(`namespace sync N=${n}: HTTP ${reply.statusCode} ${answer.toString()}`);
        }
        if (i < 2 || object === null || text.length < 0) continue;
        floor.push(t1 - t0);
        inProcess.push(t2 - t1);
        http.push(t3 - t2);
      }
      const floorSummary = summarize(floor);
      const httpSummary = summarize(http);
      results.push({
        n,
        state,
        requestBytes: Buffer.byteLength(body),
        responseBytes: Buffer.byteLength(JSON.stringify(response)),
        floor: floorSummary,
        inProcess: summarize(inProcess),
        http: httpSummary,
        httpToFloor: httpSummary.median / floorSummary.median,
      });
    }
  } finally {
    await client.close();
  }
  return results;
}
