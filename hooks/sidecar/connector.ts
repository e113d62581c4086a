import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { lookup, Resolver as DnsResolver } from "node:dns/promises";
import { basename, dirname } from "node:path";
import type { Logger } from "pino";
import { describeError, type CoreClient } from "./core-client.js";
import type { SidecarMetrics } from "./metrics.js";
import {
  parseKnownPeers,
  planConnections,
  recordAttempt,
  type BackoffEntry,
  type BackoffPolicy,
  type KnownPeer,
} from "./plan.js";

/** A host name to its first IPv4 address, as stellar-core resolves it. */
export type Resolver = (host: string) => Promise<string>;

/** getaddrinfo for IPv4 only, first answer: what stellar-core's PeerBareAddress::resolve picks. */
/**
 * The rule stellar-core resolves a peer name by: the first IPv4 address
 * (src/overlay/PeerBareAddress.cpp `resolve`, getaddrinfo with AF_INET). Without servers,
 * through the system resolver as stellar-core itself does (the pod's cluster DNS); with
 * servers (`host:port`), asking only those, so a test can point it at a harness's DNS.
 */
export function firstIPv4Resolver(servers?: readonly string[]): Resolver {
  if (servers === undefined) return async (host) => (await lookup(host, { family: 4 })).address;
  const resolver = new DnsResolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([...servers]);
  return async (host) => {
    const [first] = await resolver.resolve4(host);
    if (first === undefined) throw new Error(`${host} has no IPv4 address`);
    return first;
  };
}

const lookupFirstIPv4: Resolver = firstIPv4Resolver();

/** The connector's time and its one timer: injected, so a test can run it on fake time. */
export interface Clock {
  now(): number;
  /**
   * Runs `task` in `ms`. The task may return a promise (the round it started): a test clock
   * awaits it before it moves time on; the system clock lets it run.
   */
  setTimeout(task: () => Promise<void> | undefined, ms: number): { cancel(): void };
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (task, ms) => {
    const timer = setTimeout(() => void task(), ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface ConnectorOptions {
  readonly peersFile: string;
  readonly core: CoreClient;
  readonly metrics: SidecarMetrics;
  readonly logger: Logger;
  /** Per-peer retries, and retries of stellar-core itself while it does not answer. */
  readonly backoff: BackoffPolicy;
  /** How often to ask stellar-core for its peers when nothing else is due. */
  readonly pollMs: number;
  /** How often to re-read the peers file without a change event. */
  readonly resyncMs: number;
  readonly resolve?: Resolver;
  readonly clock?: Clock;
  /** In [0, 1): the jitter of the backoff. */
  readonly random?: () => number;
  /** Delay between a change event in the peers directory and the re-read. */
  readonly watchDebounceMs?: number;
  /** `healthy()` turns false if no round finished for this long. */
  readonly stallAfterMs?: number;
}

export interface ConnectorStatus {
  readonly knownPeers: readonly KnownPeer[];
  readonly connected: readonly string[];
  readonly backoff: ReadonlyMap<string, BackoffEntry>;
  readonly peersFileRead: boolean;
  readonly coreAnswered: boolean;
}

/**
 * The shell around `planConnections`: reads the peers file (on start, on a change in its
 * directory, every `resyncMs`), asks stellar-core for its peers, resolves the listed names
 * and asks stellar-core to connect the missing ones, one round at a time.
 */
export class PeerConnector {
  readonly #options: ConnectorOptions;
  readonly #clock: Clock;
  readonly #resolve: Resolver;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #abort = new AbortController();

  #knownPeers: readonly KnownPeer[] = [];
  #connected: readonly string[] = [];
  #backoff: ReadonlyMap<string, BackoffEntry> = new Map();
  #coreBackoff: BackoffEntry | undefined;
  #peersFileRead = false;
  #coreAnswered = false;
  #fileDirty = true;
  #nextResyncAt = 0;
  #lastRoundAt = 0;

  #started = false;
  #stopped = false;
  #watcher: FSWatcher | undefined;
  #timer: { cancel(): void } | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #round: Promise<void> | undefined;
  #rerun = false;

  constructor(options: ConnectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#resolve = options.resolve ?? lookupFirstIPv4;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#lastRoundAt = this.#clock.now();
    this.#ensureWatcher();
    this.#schedule(this.#clock.now());
  }

  /** Stops the loop: no new round, the current one's requests aborted, the watcher closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#abort.abort();
    await this.#round;
  }

  /** The loop runs: started, not stopped, and a round finished recently. */
  healthy(): boolean {
    if (!this.#started || this.#stopped) return false;
    const stallAfterMs =
      this.#options.stallAfterMs ??
      3 * Math.max(this.#options.pollMs, this.#options.resyncMs, this.#options.backoff.capMs) +
        60_000;
    return this.#clock.now() - this.#lastRoundAt <= stallAfterMs;
  }

  /** The peers file was read and stellar-core answered at least once. */
  ready(): boolean {
    return this.healthy() && this.#peersFileRead && this.#coreAnswered;
  }

  status(): ConnectorStatus {
    return {
      knownPeers: this.#knownPeers,
      connected: this.#connected,
      backoff: this.#backoff,
      peersFileRead: this.#peersFileRead,
      coreAnswered: this.#coreAnswered,
    };
  }

  #schedule(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        return this.#startRound();
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  /** Starts a round, or marks one to follow the round in progress; returns the round started. */
  #startRound(): Promise<void> | undefined {
    if (this.#stopped) return undefined;
    if (this.#round !== undefined) {
      this.#rerun = true;
      return undefined;
    }
    this.#round = this.#runRound().finally(() => {
      this.#round = undefined;
      this.#lastRoundAt = this.#clock.now();
      if (this.#rerun) {
        this.#rerun = false;
        this.#schedule(this.#clock.now());
      }
    });
    return this.#round;
  }

  async #runRound(): Promise<void> {
    let next: number;
    try {
      next = await this.#reconcile();
    } catch (error: unknown) {
      // Nothing here should throw; if it does, log it and keep the loop alive.
      this.#log.error({ err: error }, "round failed");
      next = this.#clock.now() + this.#options.pollMs;
    }
    this.#schedule(next);
  }

  /** One round; returns when the next one is due. */
  async #reconcile(): Promise<number> {
    const { pollMs, resyncMs, core, metrics } = this.#options;
    let now = this.#clock.now();
    if (this.#fileDirty || now >= this.#nextResyncAt) {
      this.#fileDirty = false;
      this.#nextResyncAt = now + resyncMs;
      this.#ensureWatcher();
      await this.#readPeersFile();
    }

    if (this.#coreBackoff !== undefined && now < this.#coreBackoff.nextAttemptAt) {
      return Math.min(this.#coreBackoff.nextAttemptAt, this.#nextResyncAt);
    }

    const peers = await core.peers(this.#abort.signal);
    if (this.#stopped) return Number.POSITIVE_INFINITY;
    now = this.#clock.now();
    if (peers.kind !== "ok") {
      this.#coreDown(peers.kind, peers.message, now);
      return Math.min(this.#coreBackoff?.nextAttemptAt ?? now + pollMs, this.#nextResyncAt);
    }
    if (this.#coreBackoff !== undefined || !this.#coreAnswered) {
      this.#log.info("stellar-core answers");
    }
    this.#coreBackoff = undefined;
    this.#coreAnswered = true;
    metrics.coreUp.set(1);

    const resolved = await this.#resolveAll(this.#knownPeers);
    now = this.#clock.now();
    const plan = planConnections(this.#knownPeers, peers.view, resolved, this.#backoff, now);
    this.#connected = plan.connected.map((peer) => peer.key);
    metrics.connectedPeers.set(plan.connected.length);
    const backoff = new Map(plan.backoff);
    // When a peer attempted in this round may be retried; the plan knows the others'.
    const retries: number[] = [];

    for (const peer of plan.connectNow) {
      const result = await core.connect(peer, this.#abort.signal);
      if (this.#stopped) return Number.POSITIVE_INFINITY;
      now = this.#clock.now();
      const counted = result.kind === "booting" ? "unreachable" : result.kind;
      metrics.connectAttempts.inc({ result: counted });
      const entry = recordAttempt(
        backoff.get(peer.key),
        now,
        this.#options.backoff,
        this.#random(),
      );
      backoff.set(peer.key, entry);
      retries.push(entry.nextAttemptAt);
      const retryInMs = entry.nextAttemptAt - now;
      if (result.kind === "ok") {
        this.#log.info(
          { peer: peer.key, attempt: entry.attempts },
          "asked stellar-core to connect",
        );
      } else {
        this.#log.warn(
          {
            peer: peer.key,
            result: counted,
            error: result.message,
            attempt: entry.attempts,
            retryInMs,
          },
          "connect failed",
        );
      }
      if (result.kind === "unreachable" || result.kind === "booting") {
        // stellar-core went away mid-round: the other peers wait for it to come back.
        this.#coreDown(result.kind, result.message, now);
        break;
      }
    }
    this.#backoff = backoff;

    const due = [now + pollMs, this.#nextResyncAt, ...retries];
    if (plan.nextWakeAt !== undefined) due.push(plan.nextWakeAt);
    const coreRetryAt = this.#coreRetryAt();
    if (coreRetryAt !== undefined) due.push(coreRetryAt);
    return Math.min(...due);
  }

  /** A method, not a field read: #coreDown may have set it since this round cleared it. */
  #coreRetryAt(): number | undefined {
    return this.#coreBackoff?.nextAttemptAt;
  }

  #coreDown(kind: string, message: string, now: number): void {
    this.#coreBackoff = recordAttempt(
      this.#coreBackoff,
      now,
      this.#options.backoff,
      this.#random(),
    );
    this.#options.metrics.coreUp.set(0);
    this.#options.metrics.coreUnavailable.inc({ reason: kind });
    this.#log.warn(
      {
        result: kind,
        error: message,
        attempt: this.#coreBackoff.attempts,
        retryInMs: this.#coreBackoff.nextAttemptAt - now,
      },
      kind === "booting" ? "stellar-core is booting" : "stellar-core does not answer",
    );
  }

  async #readPeersFile(): Promise<void> {
    const { peersFile, metrics } = this.#options;
    let text: string;
    try {
      text = await readFile(peersFile, "utf8");
    } catch (error: unknown) {
      metrics.peersFileErrors.inc();
      this.#log.warn(
        { file: peersFile, error: describeError(error) },
        "cannot read the peers file; keeping the last list",
      );
      return;
    }
    metrics.peersFileReads.inc();
    const { peers, invalid } = parseKnownPeers(text);
    if (invalid.length > 0) {
      this.#log.warn({ file: peersFile, invalid }, "ignoring lines that are not host[:port]");
    }
    const before = new Set(this.#knownPeers.map((peer) => peer.key));
    const after = new Set(peers.map((peer) => peer.key));
    const added = [...after].filter((key) => !before.has(key));
    const removed = [...before].filter((key) => !after.has(key));
    if (!this.#peersFileRead || added.length > 0 || removed.length > 0) {
      this.#log.info({ file: peersFile, peers: peers.length, added, removed }, "peers file read");
    }
    this.#knownPeers = peers;
    this.#peersFileRead = true;
    metrics.knownPeers.set(peers.length);
  }

  async #resolveAll(peers: readonly KnownPeer[]): Promise<Map<string, string>> {
    const hosts = [...new Set(peers.map((peer) => peer.host))];
    const answers = await Promise.allSettled(hosts.map((host) => this.#resolve(host)));
    const resolved = new Map<string, string>();
    answers.forEach((answer, index) => {
      const host = hosts[index];
      if (host === undefined) return;
      if (answer.status === "fulfilled") resolved.set(host, answer.value);
      else this.#log.debug({ host, error: describeError(answer.reason) }, "cannot resolve");
    });
    return resolved;
  }

  /**
   * Watches the directory, not the file: kubelet updates a ConfigMap volume by swapping
   * its `..data` symlink, which a watch on the old file would never see.
   */
  #ensureWatcher(): void {
    if (this.#watcher !== undefined || this.#stopped) return;
    const directory = dirname(this.#options.peersFile);
    const name = basename(this.#options.peersFile);
    try {
      const watcher = watch(directory, { persistent: false }, (_event, file) => {
        if (file !== null && file !== name && !file.startsWith("..")) return;
        this.#fileDirty = true;
        this.#schedule(this.#clock.now() + (this.#options.watchDebounceMs ?? 100));
      });
      watcher.on("error", (error: unknown) => {
        this.#log.warn(
          { directory, error: describeError(error) },
          "watch failed; re-reading on resync",
        );
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = undefined;
      });
      this.#watcher = watcher;
    } catch (error: unknown) {
      this.#log.warn(
        { directory, error: describeError(error) },
        "cannot watch the peers directory; re-reading on resync",
      );
    }
  }
}
