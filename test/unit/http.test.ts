import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import syncResponseSchema from "../../schemas/sync-response.schema.json" with { type: "json" };
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

const validResponse = new Ajv({ strict: false }).compile(syncResponseSchema);
const requestFile = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../requests/${name}`, import.meta.url), "utf8"));

describe("hook server contract (fastify.inject)", () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(async () => server.app.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({ method: "POST", url, payload: payload as string, headers });

  for (const file of ["sync-v1.json", "sync-v2.json"]) {
    it(`answers the example ${file} with the peers of validator-a only`, async () => {
      const reply = await post("/stellarnode/sync", requestFile(file));
      assert.equal(reply.statusCode, 200);
      const body = reply.json<SyncResponse>();
      assert.ok(validResponse(body), JSON.stringify(validResponse.errors));
      assert.deepEqual(body.status.peers, [
        "validator-b-0.validator-b.stellar.svc.cluster.local:11625",
        "validator-c-0.validator-c.stellar.svc.cluster.local:11725",
      ]);
    });
  }

  it("gives v1 and v2 keyed requests the same answer", async () => {
    const v1 = await post("/stellarnode/sync", requestFile("sync-v1.json"));
    const v2 = await post("/stellarnode/sync", requestFile("sync-v2.json"));
    assert.equal(v1.body, v2.body);
  });

  it("lists only the parent's namespace even when v2 sends related nodes of every namespace", async () => {
    const a = stellarNode("a");
    const request = syncRequest(a, {
      related: [a, stellarNode("b"), stellarNode("b", { namespace: "other" })],
    });
    const body = (await post("/stellarnode/sync", request)).json<SyncResponse>();
    assert.deepEqual(body.status.peers, ["b-0.b.stellar.svc.cluster.local:11625"]);
  });

  it("answers the same request with byte-identical bodies", async () => {
    const first = await post("/stellarnode/sync", requestFile("sync-v2.json"));
    const second = await post("/stellarnode/sync", requestFile("sync-v2.json"));
    assert.equal(first.body, second.body);
  });

  it("answers an invalid spec with 200, no StatefulSet for a new node and Valid=False", async () => {
    const reply = await post("/stellarnode/sync", requestFile("sync-invalid-quorum.json"));
    assert.equal(reply.statusCode, 200);
    const body = reply.json<SyncResponse>();
    // Only what starts nothing: the peers ConfigMap and the Service follow discovery.
    assert.deepEqual(
      body.children.map((child) => child.kind),
      ["ConfigMap", "Service"],
    );
    assert.equal(body.status.conditions[0]?.status, "False");
    assert.ok(server.logs.some((line) => line.includes("spec refused")));
  });

  it("customize asks for the StellarNodes of the parent's namespace", async () => {
    const reply = await post("/stellarnode/customize", requestFile("customize.json"));
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), {
      relatedResources: [
        { apiVersion: "stellar.org/v1alpha1", resource: "stellarnodes", namespace: "stellar" },
      ],
    });
  });

  it("with COORDINATED_ROLLOUT=on, customize asks for the group view and its own turn", async () => {
    const coordinated = await testServer({ COORDINATED_ROLLOUT: "on" });
    try {
      const reply = await coordinated.app.inject({
        method: "POST",
        url: "/stellarnode/customize",
        headers: { "content-type": "application/json" },
        payload: requestFile("customize.json") as string,
      });
      assert.equal(reply.statusCode, 200);
      assert.deepEqual(
        reply
          .json<{ relatedResources: { resource: string; names?: string[] }[] }>()
          .relatedResources.map((rule) => [rule.resource, rule.names ?? "by label"]),
        [
          ["configmaps", "by label"],
          ["configmaps", ["validator-a-turn"]],
        ],
      );
    } finally {
      await coordinated.app.close();
    }
  });

  const badRequests: [string, string | object, RegExp][] = [
    ["malformed JSON", "{not json", /not valid JSON/],
    ["no parent", { children: {} }, /must have required property 'parent'/],
    ["parent of the wrong type", { parent: 3 }, /parent must be object/],
    [
      "parent without a name",
      {
        parent: {
          apiVersion: "stellar.org/v1alpha1",
          kind: "StellarNode",
          metadata: { namespace: "x" },
        },
      },
      /metadata must have required property 'name'/,
    ],
    [
      "wrong kind",
      { parent: { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "x" } } },
      /apiVersion must be equal to constant/,
    ],
    [
      "children not a map",
      { ...syncRequest(stellarNode("a")), children: [] },
      /children must be object/,
    ],
    [
      "finalizing not a boolean",
      { ...syncRequest(stellarNode("a")), finalizing: "yes" },
      /finalizing must be boolean/,
    ],
  ];
  for (const [title, payload, message] of badRequests) {
    it(`answers ${title} with 400 and a reason`, async () => {
      const reply = await post(
        "/stellarnode/sync",
        typeof payload === "string" ? payload : JSON.stringify(payload),
        { "content-type": "application/json" },
      );
      assert.equal(reply.statusCode, 400, reply.body);
      assert.match(reply.json<{ message: string }>().message, message);
    });
  }

  it("answers an unsupported content type with 415 and an unknown route with 404", async () => {
    const text = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: "x",
      headers: { "content-type": "application/xml" },
    });
    assert.equal(text.statusCode, 415);
    const missing = await server.app.inject({ method: "GET", url: "/nope" });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json<{ message: string }>().message, /no route GET \/nope/);
  });

  it("serves health, readiness and Prometheus metrics of every hook", async () => {
    assert.equal((await server.app.inject({ url: "/healthz" })).statusCode, 200);
    assert.equal((await server.app.inject({ url: "/readyz" })).statusCode, 200);
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(
      metrics,
      /stellar_peers_hook_requests_total\{hook="stellarnode-sync",code="200"\} \d+/,
    );
    assert.match(
      metrics,
      /stellar_peers_hook_errors_total\{hook="stellarnode-sync",reason="bad_request"\} \d+/,
    );
    assert.match(
      metrics,
      /stellar_peers_hook_duration_seconds_bucket\{le="0.005",hook="stellarnode-customize"\} \d+/,
    );
    assert.match(metrics, /stellar_peers_sync_outcomes_total\{outcome="InvalidQuorumSet"\} 1/);
    assert.match(metrics, /process_resident_memory_bytes/);
  });

  it("logs no request bodies at info level", () => {
    assert.ok(server.logs.length > 0);
    assert.ok(
      !server.logs.some((line) => line.includes("NODE_NAMES") || line.includes("seedSecretRef")),
    );
  });
});

describe("faults", () => {
  it("answers 500 when the sync fails internally, so Metacontroller changes nothing", async () => {
    const server = await testServer({}, [
      () => {
        throw new Error("platform transform broke");
      },
    ]);
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(stellarNode("a")),
    });
    assert.equal(reply.statusCode, 500);
    assert.match(reply.json<{ message: string }>().message, /nothing is changed/);
    assert.ok(server.logs.some((line) => line.includes("platform transform broke")));
    await server.app.close();
  });

  it("refuses bodies over BODY_LIMIT with 413", async () => {
    const server = await testServer({ BODY_LIMIT: String(1024 * 1024) });
    const big = syncRequest(stellarNode("a"));
    (big.parent.metadata as Record<string, unknown>)["annotations"] = {
      pad: "x".repeat(1024 * 1024),
    };
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: big,
    });
    assert.equal(reply.statusCode, 413);
    await server.app.close();
  });

  it("accepts requests of tens of megabytes under the default limit", async () => {
    const server = await testServer();
    const related = Array.from({ length: 3000 }, (_, i) => {
      const node = stellarNode(`v${i}`);
      node.metadata.annotations = {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(node.spec).repeat(10),
      };
      return node;
    });
    const payload = JSON.stringify(syncRequest(stellarNode("v0"), { related }));
    assert.ok(payload.length > 16 * 1024 * 1024, `only ${payload.length} bytes`);
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload,
      headers: { "content-type": "application/json" },
    });
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.json<SyncResponse>().status.peerCount, 2999);
    await server.app.close();
  });

  it("requires the bearer token on hooks when AUTH_TOKEN_FILE is set, not on probes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-"));
    writeFileSync(join(dir, "token"), "s3cret\n");
    const server = await testServer({ AUTH_TOKEN_FILE: join(dir, "token") });
    const payload = syncRequest(stellarNode("a"));
    const none = await server.app.inject({ method: "POST", url: "/stellarnode/sync", payload });
    assert.equal(none.statusCode, 401);
    const wrong = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload,
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(wrong.statusCode, 401);
    const right = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload,
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(right.statusCode, 200);
    assert.equal((await server.app.inject({ url: "/healthz" })).statusCode, 200);
    await server.app.close();
  });

  it("turns readiness off when shutdown begins", async () => {
    const server = await testServer();
    server.beginShutdown();
    assert.equal((await server.app.inject({ url: "/readyz" })).statusCode, 503);
    assert.equal((await server.app.inject({ url: "/healthz" })).statusCode, 200);
    await server.app.close();
  });
});

describe("customize for each discovery scope", () => {
  it("asks for every namespace with scope Cluster, narrowed by groupSelector, and for pods with PodIP", async () => {
    const server = await testServer();
    const parent = stellarNode("a", {
      spec: {
        peerDiscovery: {
          scope: "Cluster",
          groupSelector: { matchLabels: { org: "x" } },
          addressing: "PodIP",
        },
      },
    });
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/customize",
      payload: { parent },
    });
    assert.deepEqual(reply.json(), {
      relatedResources: [
        {
          apiVersion: "stellar.org/v1alpha1",
          resource: "stellarnodes",
          labelSelector: { matchLabels: { org: "x" } },
        },
        {
          apiVersion: "v1",
          resource: "pods",
          labelSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "stellar-node",
              "app.kubernetes.io/managed-by": "stellar-peers",
            },
          },
        },
      ],
    });
    await server.app.close();
  });
});
