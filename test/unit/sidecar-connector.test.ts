import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import { PeerConnector, type Resolver } from "../../hooks/sidecar/connector.js";
import { StellarCoreClient } from "../../hooks/sidecar/core-client.js";
import { createSidecarServer } from "../../hooks/sidecar/http.js";
import { createSidecarMetrics } from "../../hooks/sidecar/metrics.js";
import type { BackoffPolicy } from "../../hooks/sidecar/plan.js";
import { FakeStellarCore } from "../support/fake-stellar-core.js";

/*
 * The sidecar's shell against a local stand-in for stellar-core's admin port: real files,
 * a real fs.watch, real HTTP through undici, short timings. No real DNS: peers are
 * 127.0.0.x literals or names of a stub resolver that agrees with the fake's hosts.
 */

const HOSTS: Record<string, string> = {
  "validator-b-0.validator-b.stellar.svc.cluster.local": "127.0.0.12",
  "validator-c-0.validator-c.stellar.svc.cluster.local": "127.0.0.13",
};
const stubResolver: Resolver = async (host) => {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host;
  const ip = HOSTS[host];
  if (ip === undefined)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return ip;
};

interface Harness {
  readonly connector: PeerConnector;
  readonly dir: string;
  readonly file: string;
  get(path: string): Promise<{ status: number; body: string }>;
  metric(line: string): Promise<number | undefined>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeCore(
  ...args: Parameters<typeof FakeStellarCore.start>
): Promise<FakeStellarCore> {
  const core = await FakeStellarCore.start(...args);
  cleanups.push(() => core.close());
  return core;
}

async function startSidecar(options: {
  coreUrl: string;
  peers: string;
  backoff?: BackoffPolicy;
  pollMs?: number;
  resyncMs?: number;
  /** Lay the directory out as kubelet does: KNOWN_PEERS -> ..data/KNOWN_PEERS. */
  kubeletLayout?: boolean;
}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "stellar-peers-sidecar-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "KNOWN_PEERS");
  if (options.kubeletLayout === true) {
    await mkdir(join(dir, "..v1"));
    await writeFile(join(dir, "..v1", "KNOWN_PEERS"), options.peers);
    await symlink("..v1", join(dir, "..data"));
    await symlink(join("..data", "KNOWN_PEERS"), file);
  } else {
    await writeFile(file, options.peers);
  }
  const metrics = createSidecarMetrics();
  const logger = pino({ level: "silent" });
  const connector = new PeerConnector({
    peersFile: file,
    core: new StellarCoreClient(options.coreUrl, 1000),
    metrics,
    logger,
    backoff: options.backoff ?? { baseMs: 40, capMs: 320 },
    pollMs: options.pollMs ?? 50,
    resyncMs: options.resyncMs ?? 60_000,
    resolve: stubResolver,
    random: () => 0.5,
    watchDebounceMs: 10,
  });
  const server = createSidecarServer(connector, metrics.registry, logger);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    await connector.stop();
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });
  connector.start();
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };
  return {
    connector,
    dir,
    file,
    get,
    async metric(line) {
      const { body } = await get("/metrics");
      const found = body.split("\n").find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    },
  };
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Replaces a file the way kubelet's AtomicWriter makes changes visible: write aside, rename. */
async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

describe("sidecar against a fake stellar-core", () => {
  it("connects every listed peer, once, and reports it", async () => {
    const core = await fakeCore({ hosts: HOSTS, handshakeMs: 30 });
    const sidecar = await startSidecar({
      coreUrl: core.url,
      peers: [
        "127.0.0.11:11625",
        "validator-b-0.validator-b.stellar.svc.cluster.local:11725",
        "validator-c-0.validator-c.stellar.svc.cluster.local:11625",
      ].join("\n"),
    });
    await waitFor("three authenticated peers", () => core.authenticated().length === 3);
    assert.deepEqual(core.authenticated(), [
      "127.0.0.11:11625",
      "127.0.0.12:11725",
      "127.0.0.13:11625",
    ]);
    await waitFor("the sidecar to see them", async () => {
      return (await sidecar.metric("stellar_peers_sidecar_connected_peers")) === 3;
    });
    // More rounds pass: nothing connected or in its handshake is asked for again.
    const peersCalls = core.requests.filter((r) => r === "peers").length;
    await waitFor(
      "three more rounds",
      () => core.requests.filter((r) => r === "peers").length >= peersCalls + 3,
    );
    assert.equal(core.connectRequests.length, 3);
    assert.equal(core.duplicateConnects, 0);
    assert.deepEqual(core.connectRequests.map((r) => `${r.peer}:${r.port}`).sort(), [
      "127.0.0.11:11625",
      "validator-b-0.validator-b.stellar.svc.cluster.local:11725",
      "validator-c-0.validator-c.stellar.svc.cluster.local:11625",
    ]);

    assert.equal((await sidecar.get("/healthz")).status, 200);
    assert.equal((await sidecar.get("/readyz")).status, 200);
    assert.equal((await sidecar.get("/nope")).status, 404);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_known_peers"), 3);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_connect_attempts_total{result="ok"}'),
      3,
    );
    assert.equal(await sidecar.metric("stellar_peers_sidecar_peers_file_reads_total"), 1);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 1);
    assert.ok((await sidecar.metric("process_cpu_user_seconds_total")) !== undefined);
  });

  it("retries a peer whose connect answers an exception, with growing delays, and counts it", async () => {
    const core = await fakeCore({
      failing: { "127.0.0.31": "Could not resolve '127.0.0.31:11625': simulated" },
    });
    const sidecar = await startSidecar({
      coreUrl: core.url,
      // nx.invalid resolves neither for the sidecar nor for stellar-core.
      peers: "127.0.0.30:11625\n127.0.0.31:11625\nnx.invalid:11625\n",
      backoff: { baseMs: 100, capMs: 800 },
      pollMs: 50,
    });
    await waitFor(
      "four attempts at the failing peer",
      () => core.connectsFor("127.0.0.31").length >= 4,
    );
    const attempts = core.connectsFor("127.0.0.31");
    for (const attempt of attempts) assert.match(attempt.reply, /"exception"/);
    const gaps = attempts.slice(1).map((attempt, i) => attempt.at - attempts[i]!.at);
    // random = 0.5: 75, 150, 300 ms (3/4 of a ceiling of 100, 200, 400 ms). A round takes
    // some milliseconds more, and much more on a loaded machine: only lower bounds are firm.
    [75, 150, 300].forEach((expected, i) => {
      assert.ok(
        gaps[i]! >= expected - 5,
        `gap ${i}: ${gaps[i]} ms < ${expected} ms (${gaps.join(", ")})`,
      );
    });
    assert.deepEqual(core.authenticated(), ["127.0.0.30:11625"]);
    assert.equal(core.connectsFor("127.0.0.30").length, 1);
    assert.ok(core.connectsFor("nx.invalid").length >= 2);
    const exceptions = await sidecar.metric(
      'stellar_peers_sidecar_connect_attempts_total{result="exception"}',
    );
    assert.ok(exceptions !== undefined && exceptions >= 6, `exceptions: ${exceptions}`);
    assert.equal((await sidecar.get("/readyz")).status, 200);
    const backoff = sidecar.connector.status().backoff;
    assert.ok((backoff.get("127.0.0.31:11625")?.attempts ?? 0) >= 4);
    assert.equal(backoff.has("127.0.0.30:11625"), false);
  });

  it("retries, with backoff, a peer stellar-core accepts but never connects (refused later)", async () => {
    const core = await fakeCore({ refusing: ["127.0.0.41:11625"] });
    const sidecar = await startSidecar({
      coreUrl: core.url,
      peers: "127.0.0.41:11625\n",
      backoff: { baseMs: 40, capMs: 160 },
    });
    await waitFor("three attempts", () => core.connectsFor("127.0.0.41").length >= 3);
    const attempts = core.connectsFor("127.0.0.41");
    // random = 0.5: at least 30, then 60 ms between attempts.
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 25);
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 55);
    const ok = await sidecar.metric('stellar_peers_sidecar_connect_attempts_total{result="ok"}');
    assert.ok(ok !== undefined && ok >= 3);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_connected_peers"), 0);
  });

  it("connects a peer added to the file (write aside, rename) without a restart", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ coreUrl: core.url, peers: "127.0.0.51:11625\n" });
    await waitFor("the first peer", () => core.authenticated().length === 1);

    // resyncMs is a minute: only the directory watch can make this quick.
    await replaceFile(sidecar.file, "127.0.0.51:11625\n127.0.0.52:11625\n");
    await waitFor("the added peer", () => core.authenticated().includes("127.0.0.52:11625"));
    await waitFor(
      "the gauge",
      async () => (await sidecar.metric("stellar_peers_sidecar_known_peers")) === 2,
    );
    assert.equal(core.connectsFor("127.0.0.51").length, 1);
    assert.ok((await sidecar.metric("stellar_peers_sidecar_peers_file_reads_total"))! >= 2);
  });

  it("follows kubelet's ..data symlink swap", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({
      coreUrl: core.url,
      peers: "127.0.0.61:11625\n",
      kubeletLayout: true,
    });
    await waitFor("the first peer", () => core.authenticated().length === 1);

    await mkdir(join(sidecar.dir, "..v2"));
    await writeFile(
      join(sidecar.dir, "..v2", "KNOWN_PEERS"),
      "127.0.0.61:11625\n127.0.0.62:11625\n",
    );
    await symlink("..v2", join(sidecar.dir, "..data_tmp"));
    await rename(join(sidecar.dir, "..data_tmp"), join(sidecar.dir, "..data"));
    await rm(join(sidecar.dir, "..v1"), { recursive: true });

    await waitFor("the added peer", () => core.authenticated().includes("127.0.0.62:11625"));
  });

  it("reads an empty file as no peers and is ready", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ coreUrl: core.url, peers: "" });
    await waitFor("ready", async () => (await sidecar.get("/readyz")).status === 200);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_known_peers"), 0);
    assert.equal(core.connectRequests.length, 0);
  });

  it("reconnects a peer that dropped", async () => {
    const core = await fakeCore();
    await startSidecar({ coreUrl: core.url, peers: "127.0.0.71:11625\n127.0.0.72:11625\n" });
    await waitFor("both peers", () => core.authenticated().length === 2);
    assert.ok(core.drop("127.0.0.72:11625"));
    await waitFor("the dropped peer back", () => core.authenticated().length === 2);
    assert.equal(core.connectsFor("127.0.0.72").length, 2);
    assert.equal(core.connectsFor("127.0.0.71").length, 1);
  });

  it("takes an inbound peer for connected", async () => {
    const core = await fakeCore();
    core.addInbound("127.0.0.81:11625");
    const sidecar = await startSidecar({ coreUrl: core.url, peers: "127.0.0.81:11625\n" });
    await waitFor("the sidecar to see it", async () => {
      return (await sidecar.metric("stellar_peers_sidecar_connected_peers")) === 1;
    });
    assert.equal(core.connectRequests.length, 0);
  });

  it("waits for a stellar-core that is down at first, without crashing", async () => {
    const core = await fakeCore();
    await core.close(); // connection refused on its port from now on
    const sidecar = await startSidecar({
      coreUrl: core.url,
      peers: "127.0.0.91:11625\n",
      backoff: { baseMs: 20, capMs: 80 },
    });
    await waitFor("a few refused rounds", async () => {
      const refused = await sidecar.metric(
        'stellar_peers_sidecar_core_unavailable_total{reason="unreachable"}',
      );
      return refused !== undefined && refused >= 3;
    });
    assert.equal((await sidecar.get("/healthz")).status, 200);
    assert.equal((await sidecar.get("/readyz")).status, 503);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 0);

    await core.listen();
    await waitFor("the peer", () => core.authenticated().length === 1);
    await waitFor("ready", async () => (await sidecar.get("/readyz")).status === 200);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 1);
  });

  it("waits while stellar-core is booting", async () => {
    const core = await fakeCore({ booting: true });
    const sidecar = await startSidecar({
      coreUrl: core.url,
      peers: "127.0.0.95:11625\n",
      backoff: { baseMs: 20, capMs: 80 },
    });
    await waitFor("booting answers", () => core.requests.filter((r) => r === "peers").length >= 3);
    assert.equal(core.connectRequests.length, 0);
    assert.equal((await sidecar.get("/readyz")).status, 503);
    core.booting = false;
    await waitFor("the peer", () => core.authenticated().length === 1);
    assert.ok(
      (await sidecar.metric('stellar_peers_sidecar_core_unavailable_total{reason="booting"}'))! >=
        3,
    );
  });

  it("stops cleanly: no more requests, liveness off", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ coreUrl: core.url, peers: "127.0.0.99:11625\n" });
    await waitFor("the peer", () => core.authenticated().length === 1);
    await sidecar.connector.stop();
    assert.equal(sidecar.connector.healthy(), false);
    assert.equal((await sidecar.get("/healthz")).status, 503);
    const requests = core.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(core.requests.length, requests);
  });
});
