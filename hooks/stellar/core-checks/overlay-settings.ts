import { parsePeerAddress } from "../peer-address.js";
import { isPublicKey } from "../strkey.js";
import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";
import { integersAreBigInt, readBool, readInt, readStringArray } from "./toml-reads.js";

/**
 * stellar-core's defaults of the overlay settings (Config::Config, src/main/Config.cpp,
 * v27.1.0): TARGET_PEER_CONNECTIONS 8; MAX_ADDITIONAL_PEER_CONNECTIONS -1, which
 * Config::adjust turns into 8 x TARGET_PEER_CONNECTIONS; MAX_PENDING_CONNECTIONS 500.
 */
export const DEFAULT_TARGET_PEER_CONNECTIONS = 8;
export const DEFAULT_MAX_PENDING_CONNECTIONS = 500;
/** std::numeric_limits<unsigned short>::max(): the bound of these readInt calls. */
export const UNSIGNED_SHORT_MAX = 65535;
/** OverlayManager::MIN_INBOUND_FACTOR (src/overlay/OverlayManager.h, v27.1.0). */
export const MIN_INBOUND_FACTOR = 3;

const PROCESS: RuleOrigin = { family: "InvalidPeerSettings", origin: "Config::processConfig" };
const NAMES: RuleOrigin = { family: "InvalidPeerSettings", origin: "Config::parseNodeID" };

/** The overlay settings as stellar-core holds them after Config::adjust. */
export interface OverlaySettings {
  targetPeerConnections: number;
  maxAdditionalPeerConnections: number;
  preferredPeers: string[];
  preferredPeerKeys: string[];
  preferredPeersOnly: boolean;
  knownPeers: string[];
}

export type OverlayVerdict =
  | {
      accepted: true;
      settings: OverlaySettings;
      /**
       * What stellar-core would change or what makes the node unreachable, each naming its
       * source: Config::adjust lowering TARGET_PEER_CONNECTIONS, a peer address
       * PeerBareAddress::resolve cannot read (only logged at runtime), PREFERRED_PEERS_ONLY
       * with nothing preferred. A config stellar-peers renders has none (tests check).
       */
      warnings: string[];
    }
  | { accepted: false; refusals: string[] };

/**
 * The part of Config::adjust (src/main/Config.cpp, v27.1.0) that depends on the config
 * alone: MAX_ADDITIONAL_PEER_CONNECTIONS -1 becomes 8 x TARGET_PEER_CONNECTIONS (at most
 * 65535), and TARGET_PEER_CONNECTIONS is lowered to MAX_ADDITIONAL_PEER_CONNECTIONS / 3 + 3
 * ("Adjusted TARGET_PEER_CONNECTIONS to {} due to insufficient
 * MAX_ADDITIONAL_PEER_CONNECTIONS", a log line only). The rest of adjust scales the numbers
 * down to the process's file descriptor limit (fs::getMaxHandles: 3/4 of RLIMIT_NOFILE),
 * which only the pod knows: see {@link fileDescriptorsNeeded}.
 */
export function adjustConnections(
  target: number,
  maxAdditional: number,
): { target: number; maxAdditional: number; lowered: boolean } {
  let additional = maxAdditional;
  if (additional === -1) {
    additional = target <= Math.floor(UNSIGNED_SHORT_MAX / 8) ? target * 8 : UNSIGNED_SHORT_MAX;
  }
  const limit = Math.floor(additional / MIN_INBOUND_FACTOR) + MIN_INBOUND_FACTOR;
  return target > limit
    ? { target: limit, maxAdditional: additional, lowered: true }
    : { target, maxAdditional: additional, lowered: false };
}

/**
 * The file descriptors the process needs so that Config::adjust leaves the connection
 * numbers as configured: authenticated connections plus MAX_PENDING_CONNECTIONS must fit in
 * fs::getMaxHandles(), 3/4 of the RLIMIT_NOFILE soft limit (src/util/Fs.cpp).
 */
export function fileDescriptorsNeeded(target: number, maxAdditional: number): number {
  return Math.ceil(((target + maxAdditional + DEFAULT_MAX_PENDING_CONNECTIONS) * 4) / 3);
}

/**
 * The overlay keys of a stellar-core config, read as Config::processConfig reads them
 * (src/main/Config.cpp, v27.1.0): TARGET_PEER_CONNECTIONS `readInt<unsigned short>(item, 1)`,
 * MAX_ADDITIONAL_PEER_CONNECTIONS `readInt<int>(item, -1, 65535)`, PREFERRED_PEERS and
 * KNOWN_PEERS `readArray<std::string>`, PREFERRED_PEERS_ONLY `readBool`,
 * PREFERRED_PEER_KEYS `parseNodeIDsIntoSet` (a G... key, optionally followed by a name, or
 * a `$name`: this port takes keys only, the form stellar-peers renders); then
 * {@link adjustConnections}. `document` is the whole config as parsed TOML (smol-toml).
 */
export function checkOverlaySettings(document: Record<string, unknown>): OverlayVerdict {
  const refusals: string[] = [];
  const bigIntegers = integersAreBigInt(document);
  const read = <T>(key: string, fallback: T, reader: (value: unknown) => T): T => {
    if (!(key in document)) return fallback;
    try {
      return reader(document[key]);
    } catch (error) {
      if (!(error instanceof CoreConfigRefused)) throw error;
      refusals.push(error.toRefusal().message);
      return fallback;
    }
  };
  const target = read("TARGET_PEER_CONNECTIONS", DEFAULT_TARGET_PEER_CONNECTIONS, (value) =>
    readInt("TARGET_PEER_CONNECTIONS", value, 1n, BigInt(UNSIGNED_SHORT_MAX), PROCESS, bigIntegers),
  );
  const maxAdditional = read("MAX_ADDITIONAL_PEER_CONNECTIONS", -1, (value) =>
    readInt(
      "MAX_ADDITIONAL_PEER_CONNECTIONS",
      value,
      -1n,
      BigInt(UNSIGNED_SHORT_MAX),
      PROCESS,
      bigIntegers,
    ),
  );
  const preferredPeers = read("PREFERRED_PEERS", [], (value) =>
    readStringArray("PREFERRED_PEERS", value, PROCESS),
  );
  const knownPeers = read("KNOWN_PEERS", [], (value) =>
    readStringArray("KNOWN_PEERS", value, PROCESS),
  );
  const preferredPeersOnly = read("PREFERRED_PEERS_ONLY", false, (value) =>
    readBool("PREFERRED_PEERS_ONLY", value, PROCESS),
  );
  const preferredPeerKeys = read("PREFERRED_PEER_KEYS", [], (value) =>
    readStringArray("PREFERRED_PEER_KEYS", value, NAMES).map((entry) => {
      const key = entry.split(/[ \t]+/)[0] ?? "";
      if (!isPublicKey(key)) {
        throw new CoreConfigRefused(
          NAMES,
          "invalid key",
          `PREFERRED_PEER_KEYS entry ${showValue(entry)} is not a G... public key`,
        );
      }
      return key;
    }),
  );
  if (refusals.length > 0) return { accepted: false, refusals };
  const fromValidators = validatorAddresses(document);
  preferredPeers.push(...fromValidators.preferred);
  knownPeers.push(...fromValidators.known);

  const warnings: string[] = [];
  const adjusted = adjustConnections(target, maxAdditional);
  if (adjusted.lowered) {
    warnings.push(
      `stellar-core lowers TARGET_PEER_CONNECTIONS from ${target} to ${adjusted.target}: MAX_ADDITIONAL_PEER_CONNECTIONS ${adjusted.maxAdditional} allows at most ${adjusted.maxAdditional} / ${MIN_INBOUND_FACTOR} + ${MIN_INBOUND_FACTOR} (Config::adjust)`,
    );
  }
  for (const [key, list] of [
    ["KNOWN_PEERS", knownPeers],
    ["PREFERRED_PEERS", preferredPeers],
  ] as const) {
    for (const address of list) {
      // PeerBareAddress::resolve throws, and OverlayManagerImpl::resolvePeers only logs
      // "Unable to resolve peer": the node starts without that peer.
      if (parsePeerAddress(address) === undefined) {
        warnings.push(
          `${key} entry ${JSON.stringify(address)} is not host[:port]: stellar-core skips it (PeerBareAddress::resolve)`,
        );
      }
    }
  }
  if (preferredPeersOnly && preferredPeers.length === 0 && preferredPeerKeys.length === 0) {
    // OverlayManagerImpl::PeersList::acceptAuthenticatedPeer accepts only preferred peers
    // then; stellar-core starts, but connects to nobody (and, without [[VALIDATORS]] of its
    // own home domain with an ADDRESS, nothing else is preferred).
    warnings.push(
      "PREFERRED_PEERS_ONLY = true with no PREFERRED_PEERS and no PREFERRED_PEER_KEYS: stellar-core accepts only preferred peers (OverlayManagerImpl::PeersList::acceptAuthenticatedPeer), so it connects to no one",
    );
  }
  return {
    accepted: true,
    settings: {
      targetPeerConnections: adjusted.target,
      maxAdditionalPeerConnections: adjusted.maxAdditional,
      preferredPeers,
      preferredPeerKeys,
      preferredPeersOnly,
      knownPeers,
    },
    warnings,
  };
}

/**
 * The ADDRESS of each [[VALIDATORS]] entry: Config::parseValidators (src/main/Config.cpp,
 * v27.1.0) appends it to PREFERRED_PEERS when the entry's HOME_DOMAIN is NODE_HOME_DOMAIN,
 * to KNOWN_PEERS otherwise. Malformed entries are check-core-config.ts's to refuse.
 */
function validatorAddresses(document: Record<string, unknown>): {
  preferred: string[];
  known: string[];
} {
  const preferred: string[] = [];
  const known: string[] = [];
  const validators = document["VALIDATORS"];
  const homeDomain = document["NODE_HOME_DOMAIN"];
  if (!Array.isArray(validators)) return { preferred, known };
  for (const entry of validators as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { ADDRESS: address, HOME_DOMAIN: domain } = entry as Record<string, unknown>;
    if (typeof address !== "string" || address === "") continue;
    (domain === homeDomain ? preferred : known).push(address);
  }
  return { preferred, known };
}
