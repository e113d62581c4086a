import type { PeerSetChange } from "./peer-set-change.js";
import type { TemplateChange } from "./template-changes.js";

/** What a sync decided, for the route's metrics and logs. */
export type SyncReport =
  | { valid: false; reason: string }
  /** A coordinated member whose group view is not whole yet: its children are kept. */
  | { valid: true; awaitingGroupView: true }
  | {
      valid: true;
      peerCount: number;
      /** Undefined when the peer list this sync renders equals the observed one. */
      peerSetChange: PeerSetChange | undefined;
      rollout: RolloutReport;
    };

/** The rollout decision and what it was made from: enough to follow a group's restarts. */
export interface RolloutReport {
  desiredTemplateHash: string;
  appliedTemplateHash: string;
  /** The hash of the template on the observed StatefulSet (as last applied). */
  observedTemplateHash: string | undefined;
  /** What differs between the observed and the desired template. */
  changes: TemplateChange[];
  /** The TemplateApplied condition's reason. */
  reason: string;
  waitingFor: string | undefined;
}
