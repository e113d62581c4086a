import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConnectReply, parsePeersReply } from "../../hooks/sidecar/core-api.js";
import { loadSidecarConfig, SidecarConfigError } from "../../hooks/sidecar/config.js";
import {
  backoffDelay,
  parseKnownPeers,
  parsePeer,
  planConnections,
  recordAttempt,
  type BackoffEntry,
  type CoreView,
  type KnownPeer,
} from "../../hooks/sidecar/plan.js";

const peer = (key: string): KnownPeer => parsePeer(key)!;
const view = (authenticated: string[] = [], pending: string[] = []): CoreView => ({
  authenticated: new Set(authenticated),
  pending: new Set(pending),
});
const keys = (peers: readonly KnownPeer[]): string[] => peers.map((p) => p.key);
const policy = { baseMs: 1000, capMs: 60_000 };

describe("sidecar: planConnections", () => {
  const a = peer("validator-a-0.validator-a.ns.svc.cluster.local:11625");
  const b = peer("validator-b-0.validator-b.ns.svc.cluster.local:11725");
  const c = peer("10.0.0.3:11625");
  const resolved = new Map([
    [a.host, "10.0.0.1"],
    [b.host, "10.0.0.2"],
  ]);

  it("connects every listed peer stellar-core does not report", () => {
    const plan = planConnections([a, b, c], view(), resolved, new Map(), 0);
    assert.deepEqual(keys(plan.connectNow), [a.key, b.key, c.key]);
    assert.equal(plan.nextWakeAt, undefined);
  });

  it("compares by resolved IP:port, for inbound and outbound peers alike", () => {
    const plan = planConnections(
      [a, b, c],
      view(["10.0.0.1:11625", "10.0.0.3:11625"]),
      resolved,
      new Map(),
      0,
    );
    assert.deepEqual(keys(plan.connected), [a.key, c.key]);
    assert.deepEqual(keys(plan.connectNow), [b.key]);
  });

  it("does not take a peer on the same IP but another port for connected", () => {
    const plan = planConnections([b], view(["10.0.0.2:11625"]), resolved, new Map(), 0);
    assert.deepEqual(keys(plan.connectNow), [b.key]);
  });

  it("does not ask again for a peer still in its handshake", () => {
    const plan = planConnections([a, b], view([], ["10.0.0.2:11725"]), resolved, new Map(), 0);
    assert.deepEqual(keys(plan.pending), [b.key]);
    assert.deepEqual(keys(plan.connectNow), [a.key]);
  });

  it("treats a name that does not resolve as not connected (stellar-core will say why)", () => {
    const plan = planConnections([a], view(["10.0.0.1:11625"]), new Map(), new Map(), 0);
    assert.deepEqual(keys(plan.connectNow), [a.key]);
  });

  it("follows a restarted pod to its new IP", () => {
    const moved = new Map([[a.host, "10.0.0.99"]]);
    const plan = planConnections([a], view(["10.0.0.1:11625"]), moved, new Map(), 0);
    assert.deepEqual(keys(plan.connectNow), [a.key]);
  });

  it("waits out a peer's backoff, and wakes at the earliest retry", () => {
    const backoff = new Map<string, BackoffEntry>([
      [a.key, { attempts: 2, nextAttemptAt: 5000 }],
      [b.key, { attempts: 1, nextAttemptAt: 3000 }],
      [c.key, { attempts: 4, nextAttemptAt: 1000 }],
    ]);
    const plan = planConnections([a, b, c], view(), resolved, backoff, 2000);
    assert.deepEqual(keys(plan.connectNow), [c.key]);
    assert.deepEqual(
      plan.waiting.map((w) => [w.peer.key, w.nextAttemptAt]),
      [
        [a.key, 5000],
        [b.key, 3000],
      ],
    );
    assert.equal(plan.nextWakeAt, 3000);
    assert.equal(plan.backoff.size, 3);
  });

  it("wakes when a pending peer's backoff ends (its handshake may fail), not after", () => {
    const backoff = new Map<string, BackoffEntry>([
      [a.key, { attempts: 1, nextAttemptAt: 2500 }],
      [b.key, { attempts: 1, nextAttemptAt: 1500 }],
    ]);
    const pendingBoth = view([], ["10.0.0.1:11625", "10.0.0.2:11725"]);
    let plan = planConnections([a, b], pendingBoth, resolved, backoff, 1000);
    assert.deepEqual(keys(plan.pending), [a.key, b.key]);
    assert.deepEqual(keys(plan.connectNow), []);
    assert.equal(plan.nextWakeAt, 1500);
    // b's backoff is over but it still shakes hands: only a's end is worth a wake-up.
    plan = planConnections([a, b], pendingBoth, resolved, backoff, 2000);
    assert.equal(plan.nextWakeAt, 2500);
    // Both over: nothing to wake up for; stellar-core must be asked again to learn more.
    plan = planConnections([a, b], pendingBoth, resolved, backoff, 2500);
    assert.equal(plan.nextWakeAt, undefined);
    assert.equal(plan.backoff.size, 2);
  });

  it("forgets the backoff of a peer once connected, and of a peer no longer listed", () => {
    const backoff = new Map<string, BackoffEntry>([
      [a.key, { attempts: 5, nextAttemptAt: 99_000 }],
      [b.key, { attempts: 1, nextAttemptAt: 99_000 }],
      ["gone.example.org:11625", { attempts: 3, nextAttemptAt: 99_000 }],
    ]);
    const plan = planConnections([a, b], view(["10.0.0.1:11625"]), resolved, backoff, 0);
    assert.deepEqual([...plan.backoff.keys()], [b.key]);
  });

  it("reconnects a peer at once after it drops", () => {
    let backoff: ReadonlyMap<string, BackoffEntry> = new Map();
    // Round 1: not connected, attempt, backoff recorded.
    let plan = planConnections([a], view(), resolved, backoff, 0);
    assert.deepEqual(keys(plan.connectNow), [a.key]);
    backoff = new Map([[a.key, recordAttempt(undefined, 0, policy, 0.5)]]);
    // Round 2: connected: the backoff is forgotten.
    plan = planConnections([a], view(["10.0.0.1:11625"]), resolved, backoff, 500);
    assert.deepEqual(keys(plan.connected), [a.key]);
    assert.equal(plan.backoff.size, 0);
    backoff = plan.backoff;
    // Round 3, much later: it dropped; no backoff to wait out.
    plan = planConnections([a], view(), resolved, backoff, 60_000);
    assert.deepEqual(keys(plan.connectNow), [a.key]);
  });

  it("connects a peer newly added to the list at once, whatever the others' backoff", () => {
    const d = peer("10.0.0.4:11625");
    const backoff = new Map([[c.key, { attempts: 6, nextAttemptAt: 60_000 }]]);
    const plan = planConnections([c, d], view(), resolved, backoff, 10);
    assert.deepEqual(keys(plan.connectNow), [d.key]);
  });
});

describe("sidecar: backoff", () => {
  it("doubles from the base, with jitter in [ceiling/2, ceiling]", () => {
    assert.equal(backoffDelay(1, policy, 0), 500);
    assert.equal(backoffDelay(1, policy, 0.999999), 1000);
    assert.equal(backoffDelay(2, policy, 0), 1000);
    assert.equal(backoffDelay(3, policy, 1), 4000);
    assert.equal(backoffDelay(4, policy, 0.5), 6000);
  });

  it("never exceeds the cap, even after very many attempts", () => {
    for (const attempts of [7, 8, 20, 1000, 1e9]) {
      for (const random of [0, 0.3, 0.999]) {
        const delay = backoffDelay(attempts, policy, random);
        assert.ok(delay <= 60_000 && delay >= 30_000, `${attempts}: ${delay}`);
      }
    }
  });

  it("grows from one attempt to the next whatever the jitter, until the cap", () => {
    let previous = 0;
    // 1, 2, 4, 8, 16, 32 s ceilings; the 7th would be 64 s, capped at 60.
    for (let attempts = 1; attempts <= 6; attempts++) {
      const low = backoffDelay(attempts, policy, 0);
      assert.ok(low >= previous, `attempt ${attempts}: ${low} < ${previous}`);
      previous = backoffDelay(attempts, policy, 0.999999);
    }
    // At the cap it keeps its jitter, so peers that failed together stay spread out.
    assert.notEqual(backoffDelay(50, policy, 0), backoffDelay(50, policy, 0.9));
  });

  it("records attempts from the time of the attempt", () => {
    const first = recordAttempt(undefined, 10_000, policy, 1);
    assert.deepEqual(first, { attempts: 1, nextAttemptAt: 11_000 });
    const second = recordAttempt(first, 11_000, policy, 1);
    assert.deepEqual(second, { attempts: 2, nextAttemptAt: 13_000 });
  });
});

describe("sidecar: the KNOWN_PEERS file", () => {
  it("reads host:port lines, sorted and unique, with stellar-core's default port", () => {
    const parsed = parseKnownPeers(
      "b.example.org:11725\n\n# a comment\na.example.org\r\n  10.0.0.1:11625 \nb.example.org:11725\n",
    );
    assert.deepEqual(keys(parsed.peers), [
      "10.0.0.1:11625",
      "a.example.org:11625",
      "b.example.org:11725",
    ]);
    assert.deepEqual(parsed.invalid, []);
  });

  it("reads an empty file as no peers", () => {
    assert.deepEqual(parseKnownPeers(""), { peers: [], invalid: [] });
  });

  it("sets aside lines stellar-core would not accept", () => {
    const parsed = parseKnownPeers("ok.example.org:1\nbad host:1\nx:0\nx:70000\nx:port\n[::1]:1\n");
    assert.deepEqual(keys(parsed.peers), ["ok.example.org:1"]);
    assert.deepEqual(parsed.invalid, ["bad host:1", "x:0", "x:70000", "x:port", "[::1]:1"]);
  });
});

describe("sidecar: stellar-core's replies", () => {
  it("reads authenticated and pending peers of both directions from `peers`", () => {
    const body = JSON.stringify(
      {
        authenticated_peers: {
          inbound: [{ address: "10.0.0.7:11625", id: "GA", latency: 3, olver: 35, ver: "v" }],
          outbound: [{ address: "10.0.0.1:11625", id: "GB", elapsed: 4 }],
        },
        pending_peers: { inbound: ["10.0.0.9:0", "10.0.0.8:11625"], outbound: ["10.0.0.2:11725"] },
      },
      null,
      3,
    );
    const outcome = parsePeersReply(200, body);
    assert.equal(outcome.kind, "ok");
    if (outcome.kind !== "ok") return;
    assert.deepEqual([...outcome.view.authenticated].sort(), ["10.0.0.1:11625", "10.0.0.7:11625"]);
    assert.deepEqual([...outcome.view.pending].sort(), ["10.0.0.2:11725", "10.0.0.8:11625"]);
  });

  it("reads a direction without peers, which jsoncpp writes as null", () => {
    const body =
      '{"authenticated_peers":{"inbound":null,"outbound":null},"pending_peers":{"inbound":null,"outbound":null}}';
    const outcome = parsePeersReply(200, body);
    assert.equal(outcome.kind, "ok");
    if (outcome.kind === "ok") assert.equal(outcome.view.authenticated.size, 0);
  });

  it("tells a booting stellar-core, an exception and a foreign answer apart", () => {
    assert.equal(
      parsePeersReply(200, '{"error": "Core is booting, try again later"}').kind,
      "booting",
    );
    assert.equal(parsePeersReply(200, '{"exception": "generic"}').kind, "exception");
    assert.equal(parsePeersReply(404, "<b>Welcome to stellar-core!</b>").kind, "http_error");
    assert.equal(parsePeersReply(200, "not json").kind, "http_error");
    assert.equal(parsePeersReply(200, '{"authenticated_peers": 3}').kind, "http_error");
  });

  it("takes `Connect to: ...` as accepted and an exception body as a failure, though both are 200", () => {
    assert.deepEqual(parseConnectReply(200, "Connect to: a.example.org:11625"), {
      kind: "ok",
      message: "Connect to: a.example.org:11625",
    });
    const failed = parseConnectReply(
      200,
      '{"exception": "Could not resolve \'nx.example.org:11625\': Host not found (authoritative)"}',
    );
    assert.equal(failed.kind, "exception");
    assert.match(failed.message, /Could not resolve/);
    assert.equal(parseConnectReply(200, "Must specify a peer and port: x").kind, "http_error");
    assert.equal(parseConnectReply(500, "").kind, "http_error");
  });
});

describe("sidecar: configuration", () => {
  it("defaults to what the peer-connector container of the StatefulSet sets", () => {
    const config = loadSidecarConfig({});
    assert.equal(config.PEERS_FILE, "/etc/stellar/peers/KNOWN_PEERS");
    assert.equal(config.CORE_URL, "http://127.0.0.1:11626");
    assert.equal(config.METRICS_PORT, 9102);
    assert.equal(config.HOST, "0.0.0.0");
    assert.equal(config.RESYNC_SECONDS, 30);
    assert.equal(config.BACKOFF_BASE_SECONDS, 1);
    assert.equal(config.BACKOFF_MAX_SECONDS, 60);
  });

  it("refuses bad values naming the variable", () => {
    assert.throws(
      () => loadSidecarConfig({ CORE_URL: "ftp://x" }),
      (error: unknown) => error instanceof SidecarConfigError && /CORE_URL/.test(error.message),
    );
    assert.throws(() => loadSidecarConfig({ METRICS_PORT: "-1" }), /METRICS_PORT/);
    assert.throws(() => loadSidecarConfig({ RESYNC_SECONDS: "0" }), /RESYNC_SECONDS/);
    assert.throws(
      () => loadSidecarConfig({ BACKOFF_BASE_SECONDS: "90" }),
      /BACKOFF_BASE_SECONDS must not exceed/,
    );
  });
});
