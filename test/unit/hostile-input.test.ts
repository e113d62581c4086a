import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../hooks/config.js";
import { buildServer, REQUEST_TIMEOUT_MS } from "../../hooks/http/server.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { KEYS, stellarNode, syncRequest } from "../support/fixtures.js";
import { rawSyncRequest } from "../support/raw-request.js";
import { holdSyncRequest } from "../support/held-request.js";
import { testServer } from "../support/server.js";

/*
 * Issue 12: hostile and broken input never stops the group. Each case sends what the
 * review sent and checks that the request is answered, the broken object is judged alone,
 * and nothing of it reaches another member's children.
 */

type Server = Awaited<ReturnType<typeof testServer>>;

const knownPeers = (response: SyncResponse): string => {
  const peers = response.children.find((c) => c.metadata.name === "a-peers");
  return (peers?.["data"] as Record<string, string> | undefined)?.["KNOWN_PEERS"] ?? "";
};
const valid = (response: SyncResponse) =>
  response.status.conditions.find((c) => c.type === "Valid");

/** A StellarNode with a `__proto__` key in its free-form resources, as raw JSON text. */
function poisoned(name: string): string {
  const node = stellarNode(name, { spec: { resources: { limits: { cpu: "1" } } } });
  return JSON.stringify(node).replace('"limits":{"cpu":"1"}', '"limits":{"__proto__":"1"}');
}

describe("hostile input (issue 12)", () => {
  let server: Server;
  before(async () => {
    server = await testServer();
  });
  after(async () => server.app.close());

  const post = (url: string, payload: string) =>
    server.app.inject({
      method: "POST",
      url,
      payload,
      headers: { "content-type": "application/json" },
    });

  it("1. a __proto__ key in one related node: the others' sync goes on, without that node", async () => {
    const a = JSON.stringify(stellarNode("a"));
    const b = JSON.stringify(stellarNode("b"));
    const reply = await post(
      "/stellarnode/sync",
      rawSyncRequest(a, { "stellar/a": a, "stellar/b": b, "stellar/evil": poisoned("evil") }),
    );
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(knownPeers(reply.json()), "b-0.b.stellar.svc.cluster.local:11625\n");
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(metrics, /stellar_peers_related_objects_skipped_total\{reason="poisoned"\} 1/);
  });

  it("1. the poisoned node's own sync: 200, Valid=False saying why", async () => {
    const evil = poisoned("evil");
    const reply = await post("/stellarnode/sync", rawSyncRequest(evil, { "stellar/evil": evil }));
    assert.equal(reply.statusCode, 200, reply.body);
    const condition = valid(reply.json());
    assert.equal(condition?.reason, "InvalidSpec");
    assert.match(condition?.message ?? "", /spec\.resources\.limits\.__proto__/);
  });

  it("1. the namespace sync and the customize hook answer a poisoned object too", async () => {
    const evil = poisoned("evil");
    const namespaceSync = await post(
      "/namespace/sync",
      `{"object":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"stellar","uid":"u"}},"attachments":{},"related":{"StellarNode.stellar.org/v1alpha1":{"stellar/evil":${evil},"stellar/b":${JSON.stringify(stellarNode("b"))}}}}`,
    );
    assert.equal(namespaceSync.statusCode, 200, namespaceSync.body);
    assert.match(namespaceSync.body, /b-0\.b\.stellar/);
    assert.doesNotMatch(namespaceSync.body, /evil-0/);
    const customize = await post("/stellarnode/customize", `{"parent":${evil}}`);
    assert.equal(customize.statusCode, 200, customize.body);
  });

  it("2. a quorumSet with a dotted key 999 levels deep: Valid=False, never a 500", async () => {
    const deep = `[QUORUM_SET.${Array.from({ length: 999 }, (_, i) => `k${i}`).join(".")}]\nTHRESHOLD_PERCENT = 67\n`;
    const node = JSON.stringify(stellarNode("a", { validatorConfig: { quorumSet: deep } }));
    const reply = await post("/stellarnode/sync", rawSyncRequest(node, { "stellar/a": node }));
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(valid(reply.json())?.reason, "InvalidQuorumSet");
  });

  it("2. a last-applied annotation nested deep on an observed child: answered, child kept", async () => {
    let nested = "1";
    for (let i = 0; i < 5000; i++) nested = `{"x":${nested}}`;
    const child: KubeObject = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: {
        name: "a",
        namespace: "stellar",
        annotations: {
          "metacontroller.k8s.io/last-applied-configuration": `{"metadata":{"name":"a"},"spec":${nested}}`,
        },
      },
      spec: { replicas: 1 },
    };
    const broken = stellarNode("a", { validatorConfig: { quorumSet: "[[[" } });
    const reply = await post(
      "/stellarnode/sync",
      JSON.stringify(syncRequest(broken, { children: { "StatefulSet.apps/v1": [child] } })),
    );
    assert.equal(reply.statusCode, 200, reply.body);
    const kept = reply.json<SyncResponse>().children.find((c) => c.kind === "StatefulSet");
    assert.deepEqual(kept?.["spec"], { replicas: 1 }, "the live object, not the damaged copy");
  });

  it("7. names and kinds the API server would never give are never listed", async () => {
    const a = JSON.stringify(stellarNode("a"));
    const withNewline = JSON.stringify(stellarNode("b")).replace('"name":"b"', '"name":"b\\nx"');
    const surrogate = JSON.stringify(stellarNode("c")).replace('"name":"c"', '"name":"c\\ud800"');
    const otherKind = JSON.stringify({ ...stellarNode("d"), kind: "ConfigMap", apiVersion: "v1" });
    const badNamespace = JSON.stringify(stellarNode("e")).replace(
      '"namespace":"stellar"',
      '"namespace":"st\\nellar"',
    );
    const reply = await post(
      "/stellarnode/sync",
      rawSyncRequest(a, {
        "stellar/a": a,
        "stellar/b": withNewline,
        "stellar/c": surrogate,
        "stellar/d": otherKind,
        "stellar/e": badNamespace,
      }),
    );
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(knownPeers(reply.json()), "");
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(metrics, /related_objects_skipped_total\{reason="invalid-name"\} 2/);
    assert.match(metrics, /related_objects_skipped_total\{reason="wrong-kind"\} 1/);
    assert.match(metrics, /related_objects_skipped_total\{reason="invalid-namespace"\} 1/);
  });

  it("7. a parent namespace with a newline never reaches the rendered config", async () => {
    const node = JSON.stringify(stellarNode("a", { namespace: "x" })).replace(
      '"namespace":"x"',
      '"namespace":"x\\nNODE_SEED=\\"S\\""',
    );
    const reply = await post("/stellarnode/sync", rawSyncRequest(node, {}));
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(valid(reply.json())?.reason, "InvalidName");
    assert.deepEqual(reply.json<SyncResponse>().children, []);
  });

  it("8. [[VALIDATORS]] HISTORY and ADDRESS are held to a command and an address", async () => {
    const quorum = (history: string, address: string) =>
      [
        "[[HOME_DOMAINS]]",
        'HOME_DOMAIN = "example.org"',
        'QUALITY = "MEDIUM"',
        "[[VALIDATORS]]",
        'NAME = "a"',
        'HOME_DOMAIN = "example.org"',
        `PUBLIC_KEY = "${KEYS[0]}"`,
        `ADDRESS = ${JSON.stringify(address)}`,
        `HISTORY = ${JSON.stringify(history)}`,
      ].join("\n");
    const sync = async (history: string, address: string) => {
      const node = JSON.stringify(
        stellarNode("a", {
          validatorConfig: { quorumSet: quorum(history, address), homeDomain: "example.org" },
        }),
      );
      return valid((await post("/stellarnode/sync", rawSyncRequest(node, {}))).json());
    };
    const good = "curl -sf https://history.example.org/{0} -o {1}";
    assert.match(
      (await sync("curl -sf https://h.example.org/{0} -o {1} ; rm -rf /", "a.example.org"))
        ?.message ?? "",
      /HISTORY must be "curl -sf <http\(s\) URL>\{0\} -o \{1\}"/,
    );
    assert.match(
      (await sync(good, "a.example.org:99999"))?.message ?? "",
      /ADDRESS must be host\[:port\]/,
    );
  });

  it("10. knownPeers with a port out of range, or the node's own address, are refused", async () => {
    for (const [peer, why] of [
      ["core.example.org:0", /port from 1 to 65535/],
      ["core.example.org:99999", /port from 1 to 65535/],
      ["a-0.a.stellar.svc.cluster.local:11625", /this node's own address/],
    ] as const) {
      const node = JSON.stringify(stellarNode("a", { validatorConfig: { knownPeers: [peer] } }));
      const condition = valid((await post("/stellarnode/sync", rawSyncRequest(node, {}))).json());
      assert.equal(condition?.status, "False", peer);
      assert.match(condition?.message ?? "", why, peer);
    }
  });
});

describe("server limits (issue 12)", () => {
  it("6. a request timeout above Metacontroller's hook timeout (10 s)", async () => {
    const { app } = await buildServer({ config: loadConfig({ LOG_LEVEL: "silent" }) });
    assert.ok(REQUEST_TIMEOUT_MS > 10_000);
    assert.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS);
    await app.close();
  });

  it("10. an empty AUTH_TOKEN_FILE fails at start instead of answering 401 for ever", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "token-")), "token");
    writeFileSync(file, "\n");
    await assert.rejects(
      buildServer({ config: loadConfig({ LOG_LEVEL: "silent", AUTH_TOKEN_FILE: file }) }),
      (error: unknown) => error instanceof ConfigError && /is empty/.test(error.message),
    );
  });

  it("5. the namespace conflict counter has no label taken from a request", async () => {
    const server = await testServer();
    // A foreign ConfigMap stellar-peers in a namespace with a validator: a conflict counted.
    const conflict = readFileSync(
      new URL("../requests/namespace-sync-conflict.json", import.meta.url),
      "utf8",
    );
    const reply = await server.app.inject({
      method: "POST",
      url: "/namespace/sync",
      payload: conflict,
      headers: { "content-type": "application/json" },
    });
    assert.equal(reply.statusCode, 200, reply.body);
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(metrics, /^stellar_peers_namespace_configmap_conflicts_total 1$/m);
    assert.doesNotMatch(metrics, /namespace_configmap_conflicts_total\{/);
    await server.app.close();
  });

  it("2. a refusal quoting a huge value keeps the status small", async () => {
    const server = await testServer();
    const huge = "9".repeat(500_000);
    const node = JSON.stringify(
      stellarNode("a", {
        validatorConfig: {
          quorumSet: `[QUORUM_SET]\nTHRESHOLD_PERCENT = "${huge}"\nVALIDATORS = ${JSON.stringify(KEYS)}\n`,
        },
      }),
    );
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: rawSyncRequest(node, {}),
      headers: { "content-type": "application/json" },
    });
    assert.equal(reply.statusCode, 200);
    const message = valid(reply.json())?.message ?? "";
    assert.match(message, /THRESHOLD_PERCENT/);
    assert.ok(message.length <= 2048, `${message.length} characters`);
    assert.ok(JSON.stringify(reply.json<SyncResponse>().status).length < 10_000);
    await server.app.close();
  });
});

describe("bodies in flight (issue 12 item 4)", () => {
  it("a request that would exceed INFLIGHT_BODY_BUDGET gets 429 with Retry-After; alone it passes", async () => {
    const { app } = await buildServer({
      config: loadConfig({ LOG_LEVEL: "silent", INFLIGHT_BODY_BUDGET: String(1024 * 1024) }),
    });
    // Signals from the server itself, instead of sleeps: the held request is in flight, then gone.
    let arrived = (): void => undefined;
    let aborted = (): void => undefined;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const gone = new Promise<void>((resolve) => (aborted = resolve));
    app.addHook("onRequest", async () => arrived());
    app.addHook("onRequestAbort", async (_request) => aborted());
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const body = JSON.stringify(syncRequest(stellarNode("a")));
    // A first request announces 900 KiB and trickles: it holds its share of the budget.
    const held = holdSyncRequest(port, 900 * 1024);
    await inFlight;
    const post = (payload: string) =>
      fetch(`http://127.0.0.1:${port}/stellarnode/sync`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(payload.length) },
        body: payload,
      });
    const refused = await post(body + " ".repeat(200 * 1024));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "1");
    held.destroy();
    await gone;
    const alone = await post(body + " ".repeat(200 * 1024));
    assert.equal(alone.status, 200);
    await app.close();
  });
});
