import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { pinToValidatorPool, transforms } from "../../examples/extending/transforms.js";
import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import { runServer, type ServerProcess } from "../../hooks/run-server.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

/**
 * The extension point as the docs show it: examples/extending/ is the example (its
 * transforms, and main.ts, which runs them with runServer), imported and exercised here.
 */

const REPO = fileURLToPath(new URL("../..", import.meta.url));

type PodSpec = Record<string, unknown>;
const podSpecOf = (body: SyncResponse): PodSpec | undefined =>
  (
    body.children.find((child) => child.kind === "StatefulSet")?.["spec"] as
      { template: { spec: PodSpec } } | undefined
  )?.template.spec;

function teamNode(team: string) {
  const parent = stellarNode("a");
  parent.metadata.labels = { "example.org/team": team };
  return parent;
}

describe("the example's transforms (examples/extending/transforms.ts)", () => {
  it("label every child with the team and pin the StatefulSet to the validator pool", async () => {
    const server = await testServer({}, transforms);
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(teamNode("payments")),
    });
    const body = reply.json<SyncResponse>();
    assert.ok(
      body.children.every((child) => child.metadata.labels?.["example.org/team"] === "payments"),
    );
    const podSpec = podSpecOf(body);
    assert.deepEqual(podSpec?.["nodeSelector"], { "example.org/pool": "validators" });
    assert.equal(
      (podSpec?.["containers"] as unknown[]).length,
      1,
      "the rest of the pod is untouched",
    );
    await server.app.close();
  });

  it("are not run for invalid specs, whose observed children stay as they are", async () => {
    let calls = 0;
    const counting: DesiredStateTransform = (desired, context) => {
      calls++;
      return pinToValidatorPool(desired, context);
    };
    const server = await testServer({}, [counting]);
    const parent = stellarNode("a", { validatorConfig: { quorumSet: "[[[" } });
    await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(parent),
    });
    assert.equal(calls, 0);
    await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(stellarNode("a")),
    });
    assert.equal(calls, 1);
    await server.app.close();
  });
});

/** A process for runServer: its signals are emitted by the test, exit and stderr recorded. */
class FakeProcess extends EventEmitter implements ServerProcess {
  exits: number[] = [];
  errors = "";
  stderr = { write: (text: string) => (this.errors += text) };
  exit(code: number): void {
    this.exits.push(code);
  }
}

/** A sleep the test ends when it wants: the drain's SHUTDOWN_GRACE_SECONDS. */
function manualSleep() {
  const asked: number[] = [];
  let wake = (): void => undefined;
  const sleep = (milliseconds: number) =>
    new Promise<void>((resolve) => {
      asked.push(milliseconds);
      wake = resolve;
    });
  return { sleep, asked, wake: () => wake() };
}

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

const CLOCK = new Date("2031-02-03T04:05:06Z");

async function takenPort(): Promise<{ port: number; close: () => void }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return { port, close: () => server.close() };
}

describe("runServer (hooks/run-server.ts)", () => {
  it("serves the transforms on PORT and HOST with the given clock, and drains on SIGTERM", async () => {
    const host = new FakeProcess();
    const grace = manualSleep();
    const log = capture();
    const running = await runServer({
      transforms,
      env: { PORT: "0", HOST: "127.0.0.1", SHUTDOWN_GRACE_SECONDS: "7" },
      now: () => CLOCK,
      sleep: grace.sleep,
      logStream: log.stream,
      process: host,
    });
    assert.match(running.address, /^http:\/\/127\.0\.0\.1:\d+$/);
    const sync = () =>
      fetch(`${running.address}/stellarnode/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(syncRequest(teamNode("payments"))),
      });
    const body = (await (await sync()).json()) as SyncResponse;
    assert.deepEqual(podSpecOf(body)?.["nodeSelector"], { "example.org/pool": "validators" });
    assert.ok(
      body.status.conditions.every((c) => c.lastTransitionTime === "2031-02-03T04:05:06Z"),
      "the injected clock sets the times that begin in this sync",
    );
    assert.ok(log.lines.some((line) => line.includes("stellar-peers hook server started")));

    host.emit("SIGTERM", "SIGTERM");
    host.emit("SIGTERM", "SIGTERM");
    assert.deepEqual(grace.asked, [7000], "one drain, waiting SHUTDOWN_GRACE_SECONDS");
    // During the grace period: not ready, still alive, hooks still answered.
    assert.equal((await fetch(`${running.address}/readyz`)).status, 503);
    assert.equal((await fetch(`${running.address}/healthz`)).status, 200);
    assert.equal((await sync()).status, 200);
    assert.deepEqual(host.exits, []);
    grace.wake();
    await running.stop();
    assert.deepEqual(host.exits, [0]);
    assert.equal(running.app.server.listening, false);
    assert.equal(host.errors, "");
  });

  it("stops the same way on SIGINT", async () => {
    const host = new FakeProcess();
    const running = await runServer({
      env: { PORT: "0", HOST: "127.0.0.1", SHUTDOWN_GRACE_SECONDS: "0", LOG_LEVEL: "silent" },
      process: host,
    });
    host.emit("SIGINT", "SIGINT");
    await running.stop();
    assert.deepEqual(host.exits, [0]);
  });

  it("prints a configuration error, without a stack, and exits 1", async () => {
    const host = new FakeProcess();
    await assert.rejects(runServer({ env: { PORT: "eighty" }, process: host }));
    assert.deepEqual(host.exits, [1]);
    assert.match(host.errors, /^stellar-peers: invalid configuration: PORT: .*\n$/);
  });

  it("prints why it cannot listen, with the stack, and exits 1", async () => {
    const taken = await takenPort();
    const host = new FakeProcess();
    try {
      await assert.rejects(
        runServer({
          env: { PORT: String(taken.port), HOST: "127.0.0.1", LOG_LEVEL: "silent" },
          process: host,
        }),
      );
    } finally {
      taken.close();
    }
    assert.deepEqual(host.exits, [1]);
    assert.match(host.errors, /^stellar-peers: .*EADDRINUSE/);
    assert.match(host.errors, /\n {4}at /, "the stack of an unexpected error");
  });
});

/** Runs a TypeScript entry point as its own process, as `node` would run its build. */
function runEntry(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    cwd: REPO,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe("the entry points, as processes", () => {
  it("examples/extending/main.ts serves the transforms and exits 0 on SIGTERM", async () => {
    const entry = runEntry("examples/extending/main.ts", {
      PORT: "0",
      HOST: "127.0.0.1",
      SHUTDOWN_GRACE_SECONDS: "0",
    });
    try {
      let started: { port: number } | undefined;
      for (let waited = 0; started === undefined && waited < 20_000; waited += 50) {
        started = entry
          .stdout()
          .split("\n")
          .filter((line) => line.includes("stellar-peers hook server started"))
          .map((line) => JSON.parse(line) as { port: number })[0];
        if (started === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(started, `${entry.stdout()}${entry.stderr()}`);
      const reply = await fetch(`http://127.0.0.1:${started.port}/stellarnode/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(syncRequest(teamNode("payments"))),
      });
      const body = (await reply.json()) as SyncResponse;
      assert.deepEqual(podSpecOf(body)?.["nodeSelector"], { "example.org/pool": "validators" });
      entry.child.kill("SIGTERM");
      assert.equal(await entry.exited, 0, entry.stderr());
    } finally {
      entry.child.kill("SIGKILL");
    }
  });

  it("hooks/main.ts (npm start) prints a configuration error and exits 1", async () => {
    const entry = runEntry("hooks/main.ts", { TLS_CERT_FILE: "/tls.crt" });
    assert.equal(await entry.exited, 1);
    assert.equal(
      entry.stderr(),
      "stellar-peers: invalid configuration: TLS_CERT_FILE: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither\n",
    );
  });
});

/**
 * A code block of the docs that shows an example file is that file: the block follows a
 * `<!-- example: PATH -->` line. The docs that have none yet check nothing.
 */
describe("the docs' copies of the example", () => {
  const docs = ["README.md", "CONTRIBUTING.md"].filter((file) => existsSync(join(REPO, file)));
  if (existsSync(join(REPO, "docs"))) {
    for (const file of readdirSync(join(REPO, "docs"), { recursive: true })) {
      if (String(file).endsWith(".md")) docs.push(join("docs", String(file)));
    }
  }
  for (const doc of docs) {
    const text = readFileSync(join(REPO, doc), "utf8");
    const blocks = [...text.matchAll(/<!-- example: (\S+) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g)];
    for (const [, path = "", code = ""] of blocks) {
      it(`${doc} shows ${path} as it is`, () => {
        assert.equal(`${code}\n`, readFileSync(join(REPO, path), "utf8"));
      });
    }
  }
});
