import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { holdSyncRequest } from "../support/held-request.js";
import { testServer } from "../support/server.js";

/**
 * The hook server's HTTP answers as clients expect them (issue 18 part 5): 415 for a body
 * that is not JSON, 405 with Allow for a wrong method, one error body for every 4xx and
 * 5xx, and the reason of every refused request in the log at info, never the body.
 */

type Server = Awaited<ReturnType<typeof testServer>>;

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A string that is only ever in request bodies: it must never reach the log. */
const BODY_MARKER = "BODYMARKER7f3a";

const HOOK_ROUTES = [
  "/stellarnode/sync",
  "/stellarnode/customize",
  "/namespace/sync",
  "/namespace/customize",
];

/** The one error body: exactly `error` (a CamelCase code) and `message`. */
function assertErrorBody(reply: { statusCode: number; body: string }, code: string): void {
  const body = JSON.parse(reply.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ["error", "message"], reply.body);
  assert.equal(body["error"], code, reply.body);
  assert.match(String(body["error"]), /^[A-Z][A-Za-z]+$/);
  assert.equal(typeof body["message"], "string");
  assert.ok(!reply.body.includes("FST_"), `a fastify code leaks: ${reply.body}`);
}

interface LogLine {
  level: number;
  msg: string;
  statusCode?: number;
  error?: string;
  reason?: string;
  [key: string]: unknown;
}

const parsed = (server: Server): LogLine[] =>
  server.logs.flatMap((chunk) =>
    chunk
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as LogLine),
  );

/** The refusal lines logged since `from` (an index into server.logs). */
function refusals(server: Server, from = 0): LogLine[] {
  const lines = parsed({ ...server, logs: server.logs.slice(from) });
  return lines.filter((line) => line.msg === "request refused");
}

describe("HTTP answers (fastify.inject)", () => {
  let server: Server;
  before(async () => {
    server = await testServer();
  });
  after(async () => server.app.close());

  const send = (
    method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH",
    url: string,
    payload?: string,
    headers: Record<string, string> = {},
  ) => server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

  for (const url of HOOK_ROUTES) {
    it(`answers a JSON body sent as text/plain to ${url} with 415`, async () => {
      const from = server.logs.length;
      const reply = await send("POST", url, JSON.stringify(syncRequest(stellarNode("a"))), {
        "content-type": "text/plain",
      });
      assert.equal(reply.statusCode, 415, reply.body);
      assertErrorBody(reply, "UnsupportedMediaType");
      assert.match(reply.json<{ message: string }>().message, /application\/json.*text\/plain/);
      const [line] = refusals(server, from);
      assert.equal(line?.statusCode, 415);
      assert.equal(line?.level, 30, "refusals are logged at info");
    });

    it(`answers GET, PUT and DELETE on ${url} with 405 and Allow: POST`, async () => {
      for (const method of ["GET", "PUT", "DELETE"] as const) {
        const reply = await send(method, url);
        assert.equal(reply.statusCode, 405, `${method} ${url}: ${reply.body}`);
        assert.equal(reply.headers["allow"], "POST");
        assertErrorBody(reply, "MethodNotAllowed");
      }
    });
  }

  it("answers a body without a content type with 415, and still takes JSON with a charset", async () => {
    const payload = JSON.stringify(syncRequest(stellarNode("a")));
    const none = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: Buffer.from(payload),
      headers: { "content-type": "" },
    });
    assert.equal(none.statusCode, 415, none.body);
    assertErrorBody(none, "UnsupportedMediaType");
    const charset = await send("POST", "/stellarnode/sync", payload, {
      "content-type": "application/json; charset=utf-8",
    });
    assert.equal(charset.statusCode, 200, charset.body);
  });

  it("answers the wrong method on a probe with 405 and its own Allow", async () => {
    const reply = await send("POST", "/healthz", "{}", { "content-type": "application/json" });
    assert.equal(reply.statusCode, 405);
    assert.equal(reply.headers["allow"], "GET, HEAD");
    assertErrorBody(reply, "MethodNotAllowed");
  });

  it("answers a path it does not serve with 404, whatever the method", async () => {
    for (const method of ["GET", "POST"] as const) {
      const reply = await send(method, "/stellarnode/nope?x=1");
      assert.equal(reply.statusCode, 404);
      assertErrorBody(reply, "NotFound");
      assert.equal(
        reply.json<{ message: string }>().message,
        `no route ${method} /stellarnode/nope`,
      );
    }
  });

  const refused: [string, () => Promise<LightMyRequestResponse>, number, string, RegExp][] = [
    [
      "malformed JSON",
      () =>
        send("POST", "/stellarnode/sync", `{"seed": ${BODY_MARKER}}`, {
          "content-type": "application/json",
        }),
      400,
      "BadRequest",
      /the body is not valid JSON/,
    ],
    [
      "an empty body",
      () => send("POST", "/stellarnode/sync", "", { "content-type": "application/json" }),
      400,
      "BadRequest",
      /the body is empty/,
    ],
    [
      "a body that does not fit the schema",
      () =>
        send("POST", "/namespace/sync", JSON.stringify({ object: { seed: BODY_MARKER } }), {
          "content-type": "application/json",
        }),
      400,
      "BadRequest",
      /invalid hook request/,
    ],
    [
      "a URL that is not valid",
      () => send("GET", "/stellarnode/%E0%A4%A"),
      400,
      "BadRequest",
      /not a valid url/,
    ],
  ];
  for (const [title, go, status, code, reason] of refused) {
    it(`answers ${title} with ${status} ${code}, and logs why without the body`, async () => {
      const from = server.logs.length;
      const reply = await go();
      assert.equal(reply.statusCode, status, reply.body);
      assertErrorBody(reply, code);
      const lines = refusals(server, from);
      assert.equal(lines.length, 1, server.logs.slice(from).join(""));
      assert.equal(lines[0]?.level, 30);
      assert.equal(lines[0]?.statusCode, status);
      assert.equal(lines[0]?.error, code);
      assert.match(lines[0]?.reason ?? "", reason);
      assert.ok(
        !server.logs.slice(from).some((line) => line.includes(BODY_MARKER)),
        "the body reaches the log",
      );
    });
  }

  it("keeps fastify's own codes out of a body over BODY_LIMIT (413)", async () => {
    const small = await testServer({ BODY_LIMIT: String(1024 * 1024) });
    const reply = await small.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: `{"pad": "${"x".repeat(1024 * 1024)}"}`,
      headers: { "content-type": "application/json" },
    });
    assert.equal(reply.statusCode, 413);
    assertErrorBody(reply, "PayloadTooLarge");
    assert.match(reply.json<{ message: string }>().message, /BODY_LIMIT/);
    assert.equal(refusals(small)[0]?.statusCode, 413);
    await small.app.close();
  });

  it("answers a missing or wrong bearer token with 401, logging which and never the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-"));
    writeFileSync(join(dir, "token"), "s3cret-token\n");
    const authed = await testServer({ AUTH_TOKEN_FILE: join(dir, "token") });
    const payload = JSON.stringify(syncRequest(stellarNode("a")));
    for (const authorization of [undefined, "Bearer not-the-token"]) {
      const reply = await authed.app.inject({
        method: "POST",
        url: "/stellarnode/sync",
        payload,
        headers: {
          "content-type": "application/json",
          ...(authorization === undefined ? {} : { authorization }),
        },
      });
      assert.equal(reply.statusCode, 401);
      assertErrorBody(reply, "Unauthorized");
    }
    const reasons = refusals(authed).map((line) => line.reason);
    assert.equal(reasons.length, 2);
    assert.match(reasons[0] ?? "", /no Authorization header/);
    assert.match(reasons[1] ?? "", /not the bearer token/);
    assert.ok(!authed.logs.join("").includes("s3cret-token"));
    assert.ok(!authed.logs.join("").includes("not-the-token"));
    await authed.app.close();
  });

  it("answers an internal failure with 500 InternalError", async () => {
    const failing = await testServer({}, [
      () => {
        throw new Error("transform broke");
      },
    ]);
    const reply = await failing.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(stellarNode("a")),
    });
    assert.equal(reply.statusCode, 500);
    assertErrorBody(reply, "InternalError");
    await failing.app.close();
  });

  it("answers readiness with 503 ServiceUnavailable once shutdown begins", async () => {
    const stopping = await testServer();
    stopping.beginShutdown();
    const reply = await stopping.app.inject({ url: "/readyz" });
    assert.equal(reply.statusCode, 503);
    assertErrorBody(reply, "ServiceUnavailable");
    assert.equal(refusals(stopping)[0]?.statusCode, 503);
    await stopping.app.close();
  });
});

describe("HTTP answers on a real socket", () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = await testServer({
      INFLIGHT_BODY_BUDGET: String(1024 * 1024),
      SIDECAR_IMAGE: "registry.example.org/stellar-peers:1.2.3",
      STELLAR_CORE_IMAGES: JSON.stringify({
        "27.1.0": "registry.example.org/stellar-core:27.1.0-1.abc.noble",
      }),
    });
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    port = (server.app.server.address() as { port: number }).port;
  });
  after(async () => server.app.close());

  /** Writes `raw` on a new connection and resolves with everything the server sends. */
  const rawExchange = (raw: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(raw));
      let received = "";
      socket.on("data", (chunk) => (received += chunk.toString()));
      socket.on("error", reject);
      socket.on("close", () => resolve(received));
    });

  it("logs the effective settings once it listens", () => {
    const started = parsed(server).find((line) => line.msg === "stellar-peers hook server started");
    assert.ok(started, server.logs.join(""));
    assert.equal(started.level, 30);
    assert.deepEqual(
      {
        port: started["port"],
        host: started["host"],
        tls: started["tls"],
        auth: started["auth"],
        bodyLimit: started["bodyLimit"],
        inflightBodyBudget: started["inflightBodyBudget"],
        clusterDomain: started["clusterDomain"],
        sidecarImage: started["sidecarImage"],
        shutdownGraceSeconds: started["shutdownGraceSeconds"],
        transforms: started["transforms"],
      },
      {
        port,
        host: "0.0.0.0",
        tls: false,
        auth: false,
        bodyLimit: 64 * 1024 * 1024,
        inflightBodyBudget: 1024 * 1024,
        clusterDomain: "cluster.local",
        sidecarImage: "registry.example.org/stellar-peers:1.2.3",
        shutdownGraceSeconds: 5,
        transforms: 0,
      },
    );
    const releases = started["coreImageReleases"] as string[];
    assert.ok(releases.includes("27.0.0") && releases.includes("27.1.0"), String(releases));
  });

  it("answers a connection that does not speak HTTP with 400 in the one error body", async () => {
    const from = server.logs.length;
    const answer = await rawExchange(`${BODY_MARKER} nonsense\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
    assertErrorBody({ statusCode: 400, body }, "BadRequest");
    const [line] = refusals(server, from);
    assert.equal(line?.statusCode, 400);
    assert.match(line?.reason ?? "", /not valid HTTP/);
  });

  it("answers bodies in flight over INFLIGHT_BODY_BUDGET with 429 in the one error body", async () => {
    // A first request announces 900 KiB and trickles: it holds its share of the budget.
    const held = holdSyncRequest(port, 900 * 1024);
    const from = server.logs.length;
    let reply: Response | undefined;
    // The held request is in flight once the server has logged it.
    for (let attempt = 0; attempt < 100 && reply?.status !== 429; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      reply = await fetch(`http://127.0.0.1:${port}/stellarnode/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(syncRequest(stellarNode("a"))) + " ".repeat(200 * 1024),
      });
    }
    held.destroy();
    assert.equal(reply?.status, 429);
    assertErrorBody({ statusCode: 429, body: await reply.text() }, "TooManyRequests");
    const line = refusals(server, from).find((l) => l.statusCode === 429);
    assert.match(line?.reason ?? "", /bytes of bodies in flight/);
  });

  it("refuses a request that arrives while the listener closes with 503 and Connection: close", async () => {
    const closing = await testServer();
    await closing.app.listen({ port: 0, host: "127.0.0.1" });
    const address = closing.app.server.address() as { port: number };
    // Request A is in flight (its body not yet complete) when close begins; request B is
    // pipelined behind it on the same connection, so it arrives while the listener closes.
    const socket = connect(address.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const a = JSON.stringify(syncRequest(stellarNode("a")));
    socket.write(
      `POST /stellarnode/sync HTTP/1.1\r\nHost: x\r\nContent-Length: ${a.length}\r\nContent-Type: application/json\r\n\r\n${a.slice(0, 10)}`,
    );
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));
    const done = new Promise<void>((resolve) => socket.on("close", resolve));
    await waitUntil(() => closing.logs.some((line) => line.includes("incoming request")));
    const closed = closing.app.close();
    // The listener closes after the preClose hooks: from then on, requests are refused.
    await waitUntil(() => !closing.app.server.listening);
    socket.write(a.slice(10));
    socket.write("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2000))]);
    socket.destroy();
    await closed;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    assert.match(answers[0] ?? "", /^HTTP\/1\.1 200 /, received);
    assert.match(answers[1] ?? "", /^HTTP\/1\.1 503 /, received);
    assert.match(answers[1] ?? "", /\r\nconnection: close\r\n/i);
    const body = (answers[1] ?? "").slice((answers[1] ?? "").indexOf("\r\n\r\n") + 4);
    assertErrorBody({ statusCode: 503, body }, "ServiceUnavailable");
  });
});
