import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import decoratorSyncResponseSchema from "../../schemas/decorator-sync-response.schema.json" with { type: "json" };
import type { DecoratorSyncResponse } from "../../hooks/metacontroller/decorator-hooks.js";
import { CONFLICT_ANNOTATION } from "../../hooks/namespace/summary.js";
import { testServer } from "../support/server.js";

const validResponse = new Ajv({ strict: false }).compile(decoratorSyncResponseSchema);
const requestFile = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../requests/${name}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;

describe("namespace hooks contract (fastify.inject)", () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(async () => server.app.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({ method: "POST", url, payload: payload as string, headers });

  it("answers the example namespace-sync.json with the summary ConfigMap", async () => {
    const reply = await post("/namespace/sync", requestFile("namespace-sync.json"));
    assert.equal(reply.statusCode, 200, reply.body);
    const body = reply.json<DecoratorSyncResponse>();
    assert.ok(validResponse(body), JSON.stringify(validResponse.errors));
    assert.equal(body.status, null);
    assert.match(reply.body, /"status":null/, "status is sent as null, not left out");
    const data = body.attachments.find((a) => a.kind === "ConfigMap")?.["data"] as Record<
      string,
      string
    >;
    assert.equal(
      data["KNOWN_PEERS"],
      "validator-a-0.validator-a.stellar.svc.cluster.local:11625\n" +
        "validator-c-0.validator-c.stellar.svc.cluster.local:11725\n",
    );
    assert.equal(data["peer_count"], "2");
    assert.deepEqual(
      (JSON.parse(data["peers.json"]!) as { name: string; ready: boolean }[]).map((v) => [
        v.name,
        v.ready,
      ]),
      [
        ["validator-a", true],
        ["validator-b", false],
        ["validator-c", false],
      ],
    );
  });

  it("answers the same request with byte-identical bodies", async () => {
    const first = await post("/namespace/sync", requestFile("namespace-sync.json"));
    const second = await post("/namespace/sync", requestFile("namespace-sync.json"));
    assert.equal(first.body, second.body);
  });

  it("leaves a foreign ConfigMap alone: annotation, warning log line and metric", async () => {
    const reply = await post("/namespace/sync", requestFile("namespace-sync-conflict.json"));
    assert.equal(reply.statusCode, 200);
    const body = reply.json<DecoratorSyncResponse>();
    assert.ok(validResponse(body), JSON.stringify(validResponse.errors));
    assert.deepEqual(
      body.attachments.filter((a) => a.kind === "ConfigMap"),
      [],
    );
    assert.equal(
      body.annotations[CONFLICT_ANNOTATION],
      "no owner; rename or delete it to let stellar-peers manage it",
    );
    const warning = server.logs
      .map((line) => JSON.parse(line) as { level: number; msg: string; owner?: string })
      .find((line) => line.msg.includes("is not managed by stellar-peers"));
    assert.ok(warning, "a warning line");
    assert.equal(warning.level, 40, "pino level warn");
    assert.equal(warning.owner, "no owner");
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(metrics, /stellar_peers_namespace_configmap_conflicts_total 1/);
    assert.match(metrics, /stellar_peers_hook_requests_total\{hook="namespace-sync",code="200"\}/);
  });

  it("customize asks for the namespace's StellarNodes and ConfigMaps named stellar-peers", async () => {
    const reply = await post("/namespace/customize", requestFile("namespace-customize.json"));
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), {
      relatedResources: [
        { apiVersion: "stellar.org/v1alpha1", resource: "stellarnodes", namespace: "stellar" },
        {
          apiVersion: "v1",
          resource: "configmaps",
          namespace: "stellar",
          names: ["stellar-peers"],
        },
      ],
    });
  });

  const valid = requestFile("namespace-sync.json");
  const badRequests: [string, string | object, RegExp][] = [
    ["malformed JSON", "{not json", /not valid JSON/],
    ["no object", { attachments: {} }, /must have required property 'object'/],
    [
      "a composite request (parent, not object)",
      { parent: valid["object"] },
      /must have required property 'object'/,
    ],
    [
      "an object that is not a Namespace",
      { ...valid, object: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } } },
      /kind must be equal to constant/,
    ],
    [
      "a Namespace without a name",
      { ...valid, object: { apiVersion: "v1", kind: "Namespace", metadata: {} } },
      /metadata must have required property 'name'/,
    ],
    ["attachments not a map", { ...valid, attachments: [] }, /attachments must be object/],
    [
      "a related group that is not a map",
      { ...valid, related: { "ConfigMap.v1": [] } },
      /related\/ConfigMap\.v1 must be object/,
    ],
    ["finalizing not a boolean", { ...valid, finalizing: "no" }, /finalizing must be boolean/],
  ];
  for (const [title, payload, message] of badRequests) {
    it(`answers ${title} with 400 and a reason`, async () => {
      const reply = await post(
        "/namespace/sync",
        typeof payload === "string" ? payload : JSON.stringify(payload),
        { "content-type": "application/json" },
      );
      assert.equal(reply.statusCode, 400, reply.body);
      assert.match(reply.json<{ message: string }>().message, message);
    });
  }

  it("answers a customize request for something other than a Namespace with 400", async () => {
    const reply = await post("/namespace/customize", {
      parent: { apiVersion: "stellar.org/v1alpha1", kind: "StellarNode", metadata: { name: "a" } },
    });
    assert.equal(reply.statusCode, 400);
  });
});

describe("namespace hooks with AUTH_TOKEN_FILE", () => {
  it("require the bearer token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-"));
    writeFileSync(join(dir, "token"), "s3cret\n");
    const server = await testServer({ AUTH_TOKEN_FILE: join(dir, "token") });
    const payload = requestFile("namespace-sync.json");
    for (const url of ["/namespace/sync", "/namespace/customize"]) {
      const none = await server.app.inject({ method: "POST", url, payload });
      assert.equal(none.statusCode, 401, url);
    }
    const right = await server.app.inject({
      method: "POST",
      url: "/namespace/sync",
      payload,
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(right.statusCode, 200);
    await server.app.close();
  });
});
