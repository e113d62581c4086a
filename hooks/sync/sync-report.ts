import type { PeerSetChange } from "./peer-set-change.js";

/** What a sync decided, for the route's metrics and logs. */
export type SyncReport =
  | { valid: false; reason: string }
  | {
      valid: true;
      peerCount: number;
      /** Undefined when the peer list this sync renders equals the observed one. */
      peerSetChange: PeerSetChange | undefined;
      rollout: RolloutReport;
    };

/** The rollout decision and what it was made from: enough to follow a group's restarts. */
export interface RolloutReport {
  desiredPeersHash: string;
  appliedPeersHash: string;
  observedTemplatePeersHash: string | undefined;
  /** The PeersApplied condition's reason. */
  reason: string;
  waitingFor: string | undefined;
}
