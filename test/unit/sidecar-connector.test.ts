import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import { PeerConnector, type Clock, type Resolver } from "../../hooks/sidecar/connector.js";
import type { CoreClient } from "../../hooks/sidecar/core-client.js";
import { StellarCoreClient } from "../../hooks/sidecar/core-client.js";
import { createSidecarServer } from "../../hooks/sidecar/http.js";
import { createSidecarMetrics } from "../../hooks/sidecar/metrics.js";
import type { BackoffPolicy, KnownPeer } from "../../hooks/sidecar/plan.js";
import { FakeStellarCore } from "../support/fake-stellar-core.js";

/*
 * The sidecar's shell on fake time: the connector's clock is a FakeClock, whose timers run
 * only when a test moves time on, each round awaited before the next, so every delay is
 * exact and no test sleeps. Around it, real I/O: files and fs.watch, HTTP through undici to
 * a local stand-in for stellar-core's admin port (or an in-memory one), the probe and
 * metrics server. No real DNS: peers are 127.0.0.x literals or names of a stub resolver
 * that agrees with the fake's hosts.
 */

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly task: () => Promise<void> | undefined;
}

/** Fake time. Timers fire in order of due time, then of creation. */
class FakeClock implements Clock {
  static readonly START = 1_800_000_000_000;
  /** More timers than this at one instant is a loop that never waits. */
  static readonly MAX_AT_ONE_INSTANT = 1000;

  #now = FakeClock.START;
  #created = 0;
  readonly #timers = new Set<Timer>();
  #onTimer: (() => void) | undefined;
  #firedAt = Number.NaN;
  #firedHere = 0;

  now(): number {
    return this.#now;
  }

  /** Fake time passed since START. */
  elapsed(): number {
    return this.#now - FakeClock.START;
  }

  setTimeout(task: () => Promise<void> | undefined, ms: number): { cancel(): void } {
    const timer = { at: this.#now + Math.max(0, ms), order: this.#created++, task };
    this.#timers.add(timer);
    this.#onTimer?.();
    return { cancel: () => this.#timers.delete(timer) };
  }

  /** When the next timer is due, if any. */
  nextAt(): number | undefined {
    return this.#next()?.at;
  }

  /** Runs every timer due within `ms` (and those they set), then sets the time to now + ms. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (let next = this.#next(); next !== undefined && next.at <= until; next = this.#next()) {
      await this.#fire(next);
    }
    this.#now = until;
  }

  /** Runs timers, in order, until `check` holds; fails if it does not within `withinMs`. */
  async runUntil(
    what: string,
    check: () => boolean | Promise<boolean>,
    withinMs = 60_000,
  ): Promise<void> {
    const deadline = this.#now + withinMs;
    while (!(await check())) {
      const next = this.#next();
      if (next === undefined || next.at > deadline) {
        assert.fail(`${what}: not within ${withinMs} ms of fake time (now +${this.elapsed()})`);
      }
      await this.#fire(next);
    }
  }

  /** Moves time on without running any timer: an event loop that did not get to them. */
  jump(ms: number): void {
    this.#now += ms;
  }

  /** Resolves once a timer is due by `at`: one set by an event from outside, as fs.watch. */
  async timerDueBy(at: number): Promise<void> {
    while ((this.nextAt() ?? Number.POSITIVE_INFINITY) > at) {
      await new Promise<void>((resolve) => (this.#onTimer = resolve));
      this.#onTimer = undefined;
    }
  }

  #next(): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.#timers) {
      if (
        next === undefined ||
        timer.at < next.at ||
        (timer.at === next.at && timer.order < next.order)
      ) {
        next = timer;
      }
    }
    return next;
  }

  async #fire(timer: Timer): Promise<void> {
    this.#timers.delete(timer);
    this.#now = Math.max(this.#now, timer.at);
    this.#firedHere = this.#firedAt === this.#now ? this.#firedHere + 1 : 1;
    this.#firedAt = this.#now;
    if (this.#firedHere > FakeClock.MAX_AT_ONE_INSTANT) {
      assert.fail(`${this.#firedHere} timers at +${this.elapsed()} ms: a loop that never waits`);
    }
    await timer.task();
  }
}

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

/** Production's defaults (config.ts): on fake time they cost nothing. */
const POLL_MS = 10_000;
const RESYNC_MS = 30_000;
const BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 8000 };
const DEBOUNCE_MS = 100;

/** What the connector asked of stellar-core, and when (fake time since START). */
interface Call {
  readonly command: "peers" | "connect";
  readonly at: number;
  readonly peer?: string;
  readonly result: string;
}

/** The client the connector talks through, recording each call on fake time. */
function recording(core: CoreClient, clock: FakeClock, calls: Call[]): CoreClient {
  return {
    async peers(signal) {
      const at = clock.elapsed();
      const result = await core.peers(signal);
      calls.push({ command: "peers", at, result: result.kind });
      return result;
    },
    async connect(peer, signal) {
      const at = clock.elapsed();
      const result = await core.connect(peer, signal);
      calls.push({ command: "connect", at, peer: peer.key, result: result.kind });
      return result;
    },
  };
}

interface Harness {
  readonly connector: PeerConnector;
  readonly clock: FakeClock;
  readonly dir: string;
  readonly file: string;
  readonly calls: readonly Call[];
  /** Fake times of the connects asked for `peer` (a KNOWN_PEERS key). */
  connectsAt(peer: string): number[];
  /** Fake times of the `peers` calls. */
  peersAt(): number[];
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

/** Starts a sidecar on fake time and runs its first round. */
async function startSidecar(options: {
  /** A fake stellar-core's URL, or an in-memory client. */
  core: string | CoreClient;
  peers: string;
  /** Lay the directory out as kubelet does: KNOWN_PEERS -> ..data/KNOWN_PEERS. */
  kubeletLayout?: boolean;
  clock?: FakeClock;
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
  const clock = options.clock ?? new FakeClock();
  const calls: Call[] = [];
  const core =
    typeof options.core === "string" ? new StellarCoreClient(options.core, 5000) : options.core;
  const metrics = createSidecarMetrics();
  const logger = pino({ level: "silent" });
  const connector = new PeerConnector({
    peersFile: file,
    core: recording(core, clock, calls),
    metrics,
    logger,
    backoff: BACKOFF,
    pollMs: POLL_MS,
    resyncMs: RESYNC_MS,
    resolve: stubResolver,
    clock,
    random: () => 0.5,
    watchDebounceMs: DEBOUNCE_MS,
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
  await clock.advance(0);
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };
  return {
    connector,
    clock,
    dir,
    file,
    calls,
    connectsAt: (peer) =>
      calls.filter((call) => call.command === "connect" && call.peer === peer).map((c) => c.at),
    peersAt: () => calls.filter((call) => call.command === "peers").map((call) => call.at),
    get,
    async metric(line) {
      const { body } = await get("/metrics");
      const found = body.split("\n").find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    },
  };
}

const WATCH = { timeout: 10_000 };

/** Replaces a file the way kubelet's AtomicWriter makes changes visible: write aside, rename. */
async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/**
 * An in-memory stellar-core on the fake clock: a connect is pending for `handshakeMs`, then
 * authenticated (IPv4 literals only).
 */
class ShakingCore implements CoreClient {
  readonly #clock: Clock;
  readonly #handshakeMs: number;
  readonly #since = new Map<string, number>();

  constructor(clock: Clock, handshakeMs: number) {
    this.#clock = clock;
    this.#handshakeMs = handshakeMs;
  }

  async peers() {
    const authenticated = new Set<string>();
    const pending = new Set<string>();
    for (const [address, since] of this.#since) {
      (this.#clock.now() >= since + this.#handshakeMs ? authenticated : pending).add(address);
    }
    return { kind: "ok" as const, view: { authenticated, pending } };
  }

  async connect(peer: KnownPeer) {
    if (!this.#since.has(peer.key)) this.#since.set(peer.key, this.#clock.now());
    return { kind: "ok" as const, message: `Connect to: ${peer.key}` };
  }
}

describe("sidecar against a fake stellar-core, on fake time", () => {
  it("connects every listed peer, once, and reports it", async () => {
    const core = await fakeCore({ hosts: HOSTS });
    const sidecar = await startSidecar({
      core: core.url,
      peers: [
        "127.0.0.11:11625",
        "validator-b-0.validator-b.stellar.svc.cluster.local:11725",
        "validator-c-0.validator-c.stellar.svc.cluster.local:11625",
      ].join("\n"),
    });
    assert.deepEqual(core.authenticated(), [
      "127.0.0.11:11625",
      "127.0.0.12:11725",
      "127.0.0.13:11625",
    ]);
    await sidecar.clock.runUntil("the sidecar to see them", async () => {
      return (await sidecar.metric("stellar_peers_sidecar_connected_peers")) === 3;
    });
    // Three more polls: nothing connected is asked for again.
    await sidecar.clock.advance(3 * POLL_MS);
    assert.equal(core.connectRequests.length, 3);
    assert.equal(core.duplicateConnects, 0);
    assert.deepEqual(core.connectRequests.map((r) => `${r.peer}:${r.port}`).sort(), [
      "127.0.0.11:11625",
      "validator-b-0.validator-b.stellar.svc.cluster.local:11725",
      "validator-c-0.validator-c.stellar.svc.cluster.local:11625",
    ]);
    // First round: connect all three; the second when their backoff ends (3/4 of 1 s) sees
    // them connected and forgets it; then one look every POLL_MS, and one at the resync.
    assert.deepEqual(sidecar.peersAt(), [0, 750, 750 + POLL_MS, 750 + 2 * POLL_MS, RESYNC_MS]);

    assert.equal((await sidecar.get("/healthz")).status, 200);
    assert.equal((await sidecar.get("/readyz")).status, 200);
    assert.equal((await sidecar.get("/nope")).status, 404);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_known_peers"), 3);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_connect_attempts_total{result="ok"}'),
      3,
    );
    // At start and at the resync.
    assert.equal(await sidecar.metric("stellar_peers_sidecar_peers_file_reads_total"), 2);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 1);
    assert.ok((await sidecar.metric("process_cpu_user_seconds_total")) !== undefined);
  });

  it("does not ask again for a peer in its handshake, nor spin while it waits for it", async () => {
    const clock = new FakeClock();
    const core = new ShakingCore(clock, 2500);
    const sidecar = await startSidecar({ core, clock, peers: "127.0.0.21:11625\n" });
    await sidecar.clock.runUntil("the peer connected", async () => {
      return (await sidecar.metric("stellar_peers_sidecar_connected_peers")) === 1;
    });
    assert.deepEqual(sidecar.connectsAt("127.0.0.21:11625"), [0]);
    // A look when its backoff ends (750 ms; it is still pending), then only every POLL_MS.
    assert.deepEqual(sidecar.peersAt(), [0, 750, 750 + POLL_MS]);
  });

  it("retries a peer whose connect answers an exception, with growing delays, and counts it", async () => {
    const core = await fakeCore({
      failing: { "127.0.0.31": "Could not resolve '127.0.0.31:11625': simulated" },
    });
    const sidecar = await startSidecar({
      core: core.url,
      // nx.invalid resolves neither for the sidecar nor for stellar-core.
      peers: "127.0.0.30:11625\n127.0.0.31:11625\nnx.invalid:11625\n",
    });
    await sidecar.clock.runUntil(
      "four attempts at the failing peer",
      () => core.connectsFor("127.0.0.31").length >= 4,
    );
    for (const attempt of core.connectsFor("127.0.0.31"))
      assert.match(attempt.reply, /"exception"/);
    // random = 0.5: 3/4 of a ceiling of 1, 2, 4 s, each round when the backoff ends.
    assert.deepEqual(sidecar.connectsAt("127.0.0.31:11625"), [0, 750, 2250, 5250]);
    assert.deepEqual(sidecar.connectsAt("nx.invalid:11625"), [0, 750, 2250, 5250]);
    assert.deepEqual(core.authenticated(), ["127.0.0.30:11625"]);
    assert.deepEqual(sidecar.connectsAt("127.0.0.30:11625"), [0]);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_connect_attempts_total{result="exception"}'),
      8,
    );
    assert.equal((await sidecar.get("/readyz")).status, 200);
    const backoff = sidecar.connector.status().backoff;
    assert.deepEqual(backoff.get("127.0.0.31:11625"), {
      attempts: 4,
      nextAttemptAt: FakeClock.START + 5250 + 6000,
    });
    assert.equal(backoff.has("127.0.0.30:11625"), false);
    // At the cap (8 s) the delay stays 6 s; a round in between (the resync at 30 s) keeps
    // the next attempt's time.
    await sidecar.clock.advance(31_000);
    assert.deepEqual(
      sidecar.connectsAt("127.0.0.31:11625").slice(4),
      [11_250, 17_250, 23_250, 29_250, 35_250],
    );
    assert.ok(sidecar.peersAt().includes(RESYNC_MS));
  });

  it("retries, with backoff, a peer stellar-core accepts but never connects (refused later)", async () => {
    const core = await fakeCore({ refusing: ["127.0.0.41:11625"] });
    const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.41:11625\n" });
    await sidecar.clock.advance(3000);
    assert.deepEqual(sidecar.connectsAt("127.0.0.41:11625"), [0, 750, 2250]);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_connect_attempts_total{result="ok"}'),
      3,
    );
    assert.equal(await sidecar.metric("stellar_peers_sidecar_connected_peers"), 0);
  });

  // The fs.watch event is real: should it never come, the runner's timeout ends the wait.
  it(
    "connects a peer added to the file (write aside, rename) without a restart",
    WATCH,
    async () => {
      const core = await fakeCore();
      const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.51:11625\n" });
      assert.equal(core.authenticated().length, 1);
      await sidecar.clock.advance(1000);

      // Polls and resyncs are 10 and 30 s away: only the directory watch can be this quick.
      await replaceFile(sidecar.file, "127.0.0.51:11625\n127.0.0.52:11625\n");
      const changedAt = sidecar.clock.now();
      await sidecar.clock.timerDueBy(changedAt + DEBOUNCE_MS);
      await sidecar.clock.advance(DEBOUNCE_MS);
      assert.deepEqual(core.authenticated(), ["127.0.0.51:11625", "127.0.0.52:11625"]);
      assert.deepEqual(sidecar.connectsAt("127.0.0.52:11625"), [1000 + DEBOUNCE_MS]);
      assert.equal(await sidecar.metric("stellar_peers_sidecar_known_peers"), 2);
      assert.equal(core.connectsFor("127.0.0.51").length, 1);
      assert.ok((await sidecar.metric("stellar_peers_sidecar_peers_file_reads_total"))! >= 2);
    },
  );

  it("follows kubelet's ..data symlink swap", WATCH, async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({
      core: core.url,
      peers: "127.0.0.61:11625\n",
      kubeletLayout: true,
    });
    assert.equal(core.authenticated().length, 1);

    await mkdir(join(sidecar.dir, "..v2"));
    await writeFile(
      join(sidecar.dir, "..v2", "KNOWN_PEERS"),
      "127.0.0.61:11625\n127.0.0.62:11625\n",
    );
    await symlink("..v2", join(sidecar.dir, "..data_tmp"));
    await rename(join(sidecar.dir, "..data_tmp"), join(sidecar.dir, "..data"));
    await rm(join(sidecar.dir, "..v1"), { recursive: true });

    await sidecar.clock.timerDueBy(sidecar.clock.now() + DEBOUNCE_MS);
    await sidecar.clock.advance(DEBOUNCE_MS);
    assert.ok(core.authenticated().includes("127.0.0.62:11625"));
  });

  it("re-reads the file every resync without a change event", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ core: core.url, peers: "" });
    await sidecar.clock.advance(2 * RESYNC_MS);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_peers_file_reads_total"), 3);
  });

  it("reads an empty file as no peers and is ready", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ core: core.url, peers: "" });
    assert.equal((await sidecar.get("/readyz")).status, 200);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_known_peers"), 0);
    assert.equal(core.connectRequests.length, 0);
  });

  it("reconnects a peer that dropped, at the next poll", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({
      core: core.url,
      peers: "127.0.0.71:11625\n127.0.0.72:11625\n",
    });
    await sidecar.clock.advance(1000);
    assert.equal(core.authenticated().length, 2);
    assert.ok(core.drop("127.0.0.72:11625"));
    await sidecar.clock.advance(POLL_MS);
    assert.equal(core.authenticated().length, 2);
    assert.deepEqual(sidecar.connectsAt("127.0.0.72:11625"), [0, 750 + POLL_MS]);
    assert.deepEqual(sidecar.connectsAt("127.0.0.71:11625"), [0]);
  });

  it("takes an inbound peer for connected", async () => {
    const core = await fakeCore();
    core.addInbound("127.0.0.81:11625");
    const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.81:11625\n" });
    assert.equal(await sidecar.metric("stellar_peers_sidecar_connected_peers"), 1);
    await sidecar.clock.advance(POLL_MS);
    assert.equal(core.connectRequests.length, 0);
  });

  it("waits for a stellar-core that is down at first, without crashing", async () => {
    const core = await fakeCore();
    await core.close(); // connection refused on its port from now on
    const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.91:11625\n" });
    await sidecar.clock.advance(3000);
    // Backing off stellar-core itself: 3/4 of 1, 2 s.
    assert.deepEqual(sidecar.peersAt(), [0, 750, 2250]);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_core_unavailable_total{reason="unreachable"}'),
      3,
    );
    assert.equal((await sidecar.get("/healthz")).status, 200);
    assert.equal((await sidecar.get("/readyz")).status, 503);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 0);

    await core.listen();
    await sidecar.clock.runUntil("the peer", () => core.authenticated().length === 1);
    assert.deepEqual(sidecar.connectsAt("127.0.0.91:11625"), [5250]);
    assert.equal((await sidecar.get("/readyz")).status, 200);
    assert.equal(await sidecar.metric("stellar_peers_sidecar_core_up"), 1);
  });

  it("waits while stellar-core is booting", async () => {
    const core = await fakeCore({ booting: true });
    const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.95:11625\n" });
    await sidecar.clock.advance(3000);
    assert.deepEqual(sidecar.peersAt(), [0, 750, 2250]);
    assert.equal(core.connectRequests.length, 0);
    assert.equal((await sidecar.get("/readyz")).status, 503);
    core.booting = false;
    await sidecar.clock.runUntil("the peer", () => core.authenticated().length === 1);
    assert.equal(
      await sidecar.metric('stellar_peers_sidecar_core_unavailable_total{reason="booting"}'),
      3,
    );
  });

  it("turns unhealthy when no round finished for a long time", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ core: core.url, peers: "" });
    // Default stall limit: 3 x the longest of poll, resync and backoff cap, plus a minute.
    const stallAfterMs = 3 * RESYNC_MS + 60_000;
    sidecar.clock.jump(stallAfterMs);
    assert.equal((await sidecar.get("/healthz")).status, 200);
    sidecar.clock.jump(1);
    assert.equal((await sidecar.get("/healthz")).status, 503);
    assert.equal((await sidecar.get("/readyz")).status, 503);
    // A round (overdue, it runs at once) makes it healthy again.
    await sidecar.clock.advance(0);
    assert.equal((await sidecar.get("/healthz")).status, 200);
  });

  it("stops cleanly: no more requests, no timer left, liveness off", async () => {
    const core = await fakeCore();
    const sidecar = await startSidecar({ core: core.url, peers: "127.0.0.99:11625\n" });
    assert.equal(core.authenticated().length, 1);
    await sidecar.connector.stop();
    assert.equal(sidecar.connector.healthy(), false);
    assert.equal((await sidecar.get("/healthz")).status, 503);
    const requests = core.requests.length;
    assert.equal(sidecar.clock.nextAt(), undefined);
    await sidecar.clock.advance(10 * RESYNC_MS);
    assert.equal(core.requests.length, requests);
  });
});
