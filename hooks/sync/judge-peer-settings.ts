import { parse } from "smol-toml";
import type { PeerPlan } from "../discovery/plan-peers.js";
import type { ConditionInput } from "../kube/conditions.js";
import { checkOverlaySettings } from "../stellar/core-checks/overlay-settings.js";

export const PEER_CONNECTIONS_CONDITION = "PeerConnections";

/**
 * Condition PeerConnections: how many peers stellar-core will prefer and the connection
 * numbers rendered for them, judged on the file stellar-core reads (peers.toml in front of
 * stellar-core.cfg, as the init container assembles it) by the overlay rules of
 * stellar/core-checks/overlay-settings.ts. False when stellar-core would change a number
 * itself, when the target had to be capped below the slots asked for the rest of the
 * network, or when PREFERRED_PEERS_ONLY leaves the validator with no one to connect to.
 * stellar-core starts in every case: this never refuses a config.
 */
export function judgePeerSettings(
  plan: Pick<PeerPlan, "peersToml" | "preferred" | "connections" | "preferredPeersOnly">,
  coreConfig: string,
): ConditionInput {
  const verdict = checkOverlaySettings(parse(`${plan.peersToml}${coreConfig}`));
  const problems = verdict.accepted ? verdict.warnings : verdict.refusals;
  const { preferred, connections } = plan;
  const count = preferred.addresses.size + preferred.keys.length;
  const sources = [
    `${preferred.rendered.length} in PREFERRED_PEERS`,
    ...(preferred.byQuorum.length > 0
      ? [`${preferred.byQuorum.length} from [[VALIDATORS]] of the home domain`]
      : []),
    ...(preferred.keys.length > 0 ? [`${preferred.keys.length} in PREFERRED_PEER_KEYS`] : []),
  ].join(", ");
  const additional =
    connections.maxAdditional === undefined
      ? `MAX_ADDITIONAL_PEER_CONNECTIONS ${connections.effectiveMaxAdditional} (stellar-core's default, 8 x the target)`
      : `MAX_ADDITIONAL_PEER_CONNECTIONS ${connections.maxAdditional}`;
  const figures = `${count} preferred peer${count === 1 ? "" : "s"} (${sources}); TARGET_PEER_CONNECTIONS ${connections.target} (${connections.othersOutbound} for other peers + ${Math.min(count, connections.target)} preferred), ${additional}; stellar-core keeps these numbers with an open-file limit (RLIMIT_NOFILE) of at least ${connections.fileDescriptors}, or lowers them (Config::adjust)`;
  if (plan.preferredPeersOnly && count === 0) {
    return {
      type: PEER_CONNECTIONS_CONDITION,
      status: "False",
      reason: "NoPreferredPeers",
      message: `preferredPeersOnly is true and there is no preferred peer (no other group member, no preferredPeers or preferredPeerKeys): this validator connects to no one. ${figures}`,
    };
  }
  if (problems.length > 0) {
    return {
      type: PEER_CONNECTIONS_CONDITION,
      status: "False",
      reason: "CoreAdjusts",
      message: `${problems.join("; ")}. ${figures}`,
    };
  }
  if (connections.othersOutbound < connections.requestedOthersOutbound) {
    return {
      type: PEER_CONNECTIONS_CONDITION,
      status: "False",
      reason: "TargetCapped",
      message: `TARGET_PEER_CONNECTIONS is capped at ${connections.target}, stellar-core's ceiling (65535 / 3 + 3, Config::adjust): ${connections.othersOutbound} outbound slots remain for other peers, not the ${connections.requestedOthersOutbound} asked. ${figures}`,
    };
  }
  return {
    type: PEER_CONNECTIONS_CONDITION,
    status: "True",
    reason: "PreferredPeersOnTop",
    message: figures,
  };
}
