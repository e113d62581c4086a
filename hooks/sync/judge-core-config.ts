import { parse } from "smol-toml";
import type { ConditionInput } from "../kube/conditions.js";
import { checkCoreConfig } from "../stellar/core-checks/check-core-config.js";
import { refusalReasonOf, type RefusalReason } from "./refusal-reasons.js";

export type CoreConfigJudgement =
  | { accepted: true; quorumCondition: ConditionInput }
  | { accepted: false; reason: RefusalReason; message: string };

/**
 * Whether stellar-core would start with the rendered stellar-core.cfg, judged by its own
 * load-time rules ported in stellar/core-checks/. A refused config is never rolled onto a
 * pod: the sync keeps the StatefulSet and the config as they run. QuorumSetValid then says
 * what stellar-core accepts but is risky.
 */
export function judgeCoreConfig(
  coreConfig: string,
  options?: {
    selfPublicKey?: string | undefined;
    /**
     * The [HISTORY.<name>] this validator publishes to itself (stellar/local-history-archive.ts),
     * and whether it must catch up with a running network (run --wait-for-consensus, i.e.
     * not forceScp). Such a node is refused when its own archive is all catchup can read.
     */
    ownArchive?: string | undefined;
    catchesUp?: boolean;
  },
): CoreConfigJudgement {
  const document = parse(coreConfig);
  const selfPublicKey = options?.selfPublicKey;
  // With the node's declared key, a [[VALIDATORS]] entry of the node itself is caught.
  const verdict = checkCoreConfig(
    document,
    selfPublicKey === undefined ? undefined : { selfPublicKey },
  );
  if (!verdict.accepted) {
    const [first] = verdict.refusals;
    return {
      accepted: false,
      reason: refusalReasonOf(first?.family ?? "InvalidQuorumSet"),
      message: `stellar-core would refuse to start with this config: ${verdict.refusals
        .map((refusal) => refusal.message)
        .join("; ")}`,
    };
  }
  const { summary } = verdict;
  const ownArchive = options?.ownArchive;
  if (
    options?.catchesUp === true &&
    ownArchive !== undefined &&
    summary.catchupArchives.every((name) => name === ownArchive)
  ) {
    // HistoryArchiveManager::selectRandomReadableHistoryArchive (v27.1.0) finds no get-only
    // archive and returns the node's own: CatchupWork asks it for the network's checkpoint,
    // which it holds only once this node, in sync, has published it.
    return {
      accepted: false,
      reason: "NoHistoryArchive",
      message: `stellar-core would start with this config but could never catch up: the only archive it reads history from is this validator's own [HISTORY.${ownArchive}] (HistoryArchiveManager::selectRandomReadableHistoryArchive takes get-only archives first and there are none), which holds only what this node publishes once it is in sync. Give historyArchiveUrls, leave enableHistoryArchive true on Mainnet, Testnet or Futurenet, or list validators with HISTORY; forceScp: true is for the first node of a Custom network, which catches up from nobody`,
    };
  }
  const figures = `${summary.topLevelEntries} top-level entries, threshold ${summary.threshold}, FAILURE_SAFETY ${summary.failureSafety}, smallest v-blocking set ${summary.vBlockingSize}`;
  if (document["UNSAFE_QUORUM"] === true) {
    return {
      accepted: true,
      quorumCondition: {
        type: "QuorumSetValid",
        status: "False",
        reason: "UnsafeQuorum",
        message: `stellar-core accepts this quorum set only because UNSAFE_QUORUM = true (${figures}); its safety checks are off, so the network can halt or split with fewer failures than you expect`,
      },
    };
  }
  return {
    accepted: true,
    quorumCondition: {
      type: "QuorumSetValid",
      status: "True",
      reason: "QuorumSetValid",
      message: `stellar-core accepts the quorum set: ${figures}`,
    },
  };
}
