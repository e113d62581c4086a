/**
 * The pure core of the LiveConnect sidecar: which listed peers to ask stellar-core to
 * connect now, and how long to wait before asking again. No I/O, no clock, no randomness
 * of its own: every input is an argument, so every decision can be replayed in a test.
 */

import { compareText } from "../kube/keys.js";
import { formatPeerAddress, parsePeerAddress } from "../stellar/peer-address.js";

/** One line of KNOWN_PEERS. `key` is the canonical `host:port`. */
export interface KnownPeer {
  readonly host: string;
  readonly port: number;
  readonly key: string;
}

/**
 * What stellar-core reported, as `IP:port` strings (its `PeerBareAddress` form). For
 * outbound peers the port is the one we dialled; for inbound peers, once they said HELLO,
 * the listening port they announced, so both compare to a KNOWN_PEERS port.
 */
export interface CoreView {
  /** Peers that completed the handshake (`authenticated_peers`, inbound and outbound). */
  readonly authenticated: ReadonlySet<string>;
  /** Connections still in their handshake (`pending_peers`): asking again would be a duplicate. */
  readonly pending: ReadonlySet<string>;
}

/**
 * Attempts since a peer was last seen connected. An attempt that stellar-core accepted
 * ("Connect to: ...") counts too: the TCP connection and handshake happen afterwards, and
 * if the peer still is not connected when the delay is over, it failed asynchronously.
 */
export interface BackoffEntry {
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

export type BackoffState = ReadonlyMap<string, BackoffEntry>;

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export interface ConnectionPlan {
  /** Listed, neither connected nor in a handshake, and not waiting out a backoff. */
  readonly connectNow: readonly KnownPeer[];
  /** Listed and authenticated. */
  readonly connected: readonly KnownPeer[];
  /** Listed and in a handshake. */
  readonly pending: readonly KnownPeer[];
  /** Listed, not connected, waiting until `nextAttemptAt`. */
  readonly waiting: readonly { readonly peer: KnownPeer; readonly nextAttemptAt: number }[];
  /**
   * The backoff state to keep: entries of peers seen connected are dropped (so a peer that
   * drops later is reconnected at once), as are entries of peers no longer listed.
   */
  readonly backoff: BackoffState;
  /**
   * When to look again for this plan's sake, if ever: the earliest `nextAttemptAt` after
   * `now` of a listed peer that is not connected. That is the waiting peers', and a pending
   * peer's too (if its handshake fails meanwhile, it is retried then). A pending peer whose
   * backoff is over adds nothing: only a new look at stellar-core can change its state.
   */
  readonly nextWakeAt: number | undefined;
}

/** The address stellar-core would report for a peer, or undefined if its name did not resolve. */
function coreAddress(peer: KnownPeer, resolved: ReadonlyMap<string, string>): string | undefined {
  const ip = resolved.get(peer.host) ?? (isIPv4(peer.host) ? peer.host : undefined);
  return ip === undefined ? undefined : `${ip}:${peer.port}`;
}

/**
 * Decides, for one look at stellar-core, which listed peers to connect now.
 *
 * `resolved` maps a KNOWN_PEERS host to its first IPv4 address (what stellar-core itself
 * dials); a host missing from it is treated as not connected, and stellar-core, asked to
 * connect, will say whether it can resolve the name itself.
 */
export function planConnections(
  knownPeers: readonly KnownPeer[],
  core: CoreView,
  resolved: ReadonlyMap<string, string>,
  backoff: BackoffState,
  now: number,
): ConnectionPlan {
  const connectNow: KnownPeer[] = [];
  const connected: KnownPeer[] = [];
  const pending: KnownPeer[] = [];
  const waiting: { peer: KnownPeer; nextAttemptAt: number }[] = [];
  const kept = new Map<string, BackoffEntry>();

  for (const peer of knownPeers) {
    const address = coreAddress(peer, resolved);
    if (address !== undefined && core.authenticated.has(address)) {
      connected.push(peer);
      continue;
    }
    const entry = backoff.get(peer.key);
    if (entry !== undefined) kept.set(peer.key, entry);
    if (address !== undefined && core.pending.has(address)) {
      pending.push(peer);
    } else if (entry === undefined || entry.nextAttemptAt <= now) {
      connectNow.push(peer);
    } else {
      waiting.push({ peer, nextAttemptAt: entry.nextAttemptAt });
    }
  }

  const wakeAts = [
    ...waiting.map(({ nextAttemptAt }) => nextAttemptAt),
    ...pending
      .map((peer) => kept.get(peer.key)?.nextAttemptAt)
      .filter((at): at is number => at !== undefined && at > now),
  ];
  const nextWakeAt = wakeAts.length === 0 ? undefined : Math.min(...wakeAts);
  return { connectNow, connected, pending, waiting, backoff: kept, nextWakeAt };
}

/**
 * The delay before attempt `attempts + 1`, exponential with jitter: the ceiling doubles
 * from `baseMs` up to `capMs`, and the delay is drawn from [ceiling / 2, ceiling]. Below
 * the cap it never shrinks from one attempt to the next; at the cap it keeps its jitter,
 * so peers that failed together do not retry in lockstep. `random` is in [0, 1].
 */
export function backoffDelay(attempts: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.max(0, attempts - 1);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(exponent, 52));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/** Records one more attempt (or failure) at `now`. */
export function recordAttempt(
  previous: BackoffEntry | undefined,
  now: number,
  policy: BackoffPolicy,
  random: number,
): BackoffEntry {
  const attempts = (previous?.attempts ?? 0) + 1;
  return { attempts, nextAttemptAt: now + backoffDelay(attempts, policy, random) };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv4(host: string): boolean {
  return IPV4.test(host);
}

export interface ParsedPeersFile {
  /** Unique, sorted by key. */
  readonly peers: readonly KnownPeer[];
  /** Lines that are not `host[:port]` as stellar-core accepts them. */
  readonly invalid: readonly string[];
}

/**
 * Parses the KNOWN_PEERS file: one `host[:port]` a line (the port defaults to 11625, as in
 * stellar-core), blank lines and `#` comments ignored.
 */
export function parseKnownPeers(text: string): ParsedPeersFile {
  const byKey = new Map<string, KnownPeer>();
  const invalid: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const peer = parsePeer(line);
    if (peer === undefined) invalid.push(line);
    else byKey.set(peer.key, peer);
  }
  const peers = [...byKey.values()].sort((a, b) => compareText(a.key, b.key));
  return { peers, invalid };
}

/** One KNOWN_PEERS line, read as the hook wrote it (stellar/peer-address.ts). */
export function parsePeer(text: string): KnownPeer | undefined {
  const address = parsePeerAddress(text);
  return address === undefined ? undefined : { ...address, key: formatPeerAddress(address) };
}
