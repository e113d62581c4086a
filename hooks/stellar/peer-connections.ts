import {
  adjustConnections,
  DEFAULT_TARGET_PEER_CONNECTIONS,
  fileDescriptorsNeeded,
  MIN_INBOUND_FACTOR,
  UNSIGNED_SHORT_MAX,
} from "./core-checks/overlay-settings.js";

/** What the user asked for: the typed overlay settings (spec.validatorConfig.overlay). */
export interface ConnectionRequest {
  /** Outbound connections to peers that are not preferred; stellar-core's default 8. */
  targetPeerConnections: number | undefined;
  /** Inbound connections from peers that are not preferred; unset: stellar-core's default. */
  maxAdditionalPeerConnections: number | undefined;
  /** Peers stellar-core will treat as preferred: addresses (rendered or from [[VALIDATORS]]) and keys. */
  preferred: number;
}

/** The connection numbers rendered for stellar-core, and how they came about. */
export interface ConnectionPlan {
  /** TARGET_PEER_CONNECTIONS as rendered. */
  target: number;
  /** MAX_ADDITIONAL_PEER_CONNECTIONS as rendered; undefined leaves stellar-core's default. */
  maxAdditional: number | undefined;
  /** What stellar-core makes of it (Config::adjust): 8 x target when not rendered. */
  effectiveMaxAdditional: number;
  /** Outbound slots left to peers that are not preferred once every preferred peer has one. */
  othersOutbound: number;
  /** The slots the user asked for the rest of the network. */
  requestedOthersOutbound: number;
  /** RLIMIT_NOFILE stellar-core needs to keep these numbers (Config::adjust, fs::getMaxHandles). */
  fileDescriptors: number;
}

/**
 * The rule for preferred peers and outbound slots. stellar-core dials preferred peers first
 * and lets them evict any other peer (OverlayManagerImpl::tick,
 * OverlayManagerImpl::PeersList::acceptAuthenticatedPeer), so P preferred peers in
 * TARGET_PEER_CONNECTIONS outbound slots leave TARGET - P to the rest of the network, and
 * none in a group larger than the target. So the preferred peers come on top:
 *
 *   TARGET_PEER_CONNECTIONS          = targetPeerConnections (default 8) + P
 *   MAX_ADDITIONAL_PEER_CONNECTIONS  = unset: stellar-core's 8 x TARGET_PEER_CONNECTIONS;
 *                                      set: maxAdditionalPeerConnections + P, and at least
 *                                      3 x (TARGET_PEER_CONNECTIONS - 3)
 *
 * The second line's minimum is what Config::adjust needs not to lower the target
 * (TARGET <= MAX_ADDITIONAL / 3 + 3); the spec already requires it of the user's own two
 * numbers. Only beyond stellar-core's ceiling (TARGET 65535 / 3 + 3 = 21848) is the target
 * capped, and `othersOutbound` then says how many slots remain for the rest of the network.
 */
export function planConnections(request: ConnectionRequest): ConnectionPlan {
  const requested = request.targetPeerConnections ?? DEFAULT_TARGET_PEER_CONNECTIONS;
  const ceiling = Math.floor(UNSIGNED_SHORT_MAX / MIN_INBOUND_FACTOR) + MIN_INBOUND_FACTOR;
  const target = Math.min(requested + request.preferred, ceiling);
  const maxAdditional =
    request.maxAdditionalPeerConnections === undefined
      ? undefined
      : Math.min(
          UNSIGNED_SHORT_MAX,
          Math.max(
            request.maxAdditionalPeerConnections + request.preferred,
            MIN_INBOUND_FACTOR * (target - MIN_INBOUND_FACTOR),
          ),
        );
  const adjusted = adjustConnections(target, maxAdditional ?? -1);
  return {
    target: adjusted.target,
    maxAdditional,
    effectiveMaxAdditional: adjusted.maxAdditional,
    othersOutbound: Math.max(0, adjusted.target - request.preferred),
    requestedOthersOutbound: requested,
    fileDescriptors: fileDescriptorsNeeded(adjusted.target, adjusted.maxAdditional),
  };
}
