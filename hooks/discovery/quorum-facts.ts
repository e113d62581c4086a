import { isRecord } from "../kube/objects.js";
import { DEFAULT_HISTORY_PUBLISH_PORT } from "../spec/stellar-node-spec.js";
import type { MemberStatusFields } from "../spec/stellar-node-status.js";
import { isPublicKey } from "../stellar/strkey.js";

/**
 * What the automatic quorum needs of a related StellarNode (read with its discovery facts,
 * related-nodes.ts): its declared key, home domain and archive, and whether the group's
 * generated quorums list it yet (status.quorum, which its own sync writes). Each field is
 * read on its own: a malformed one is absent, and the member is then left out (and named)
 * rather than the whole node dropped.
 */
export interface MemberQuorumFacts {
  /** spec.validatorConfig.publicKey when it is a valid G... key. */
  publicKey: string | undefined;
  /** The field was set but is no valid key: named as such in the condition. */
  publicKeyInvalid: boolean;
  homeDomain: string | undefined;
  /** spec.validatorConfig.history as publishedHistory() reads it. */
  history: { publish: boolean; port: number; publicUrl: string | undefined } | undefined;
  /** Its published status.quorum.inQuorumSince: the group's quorums list it. */
  inQuorumSince: string | undefined;
  /** Its published status.quorum.inConsensusSince. */
  inConsensusSince: string | undefined;
}

/** `status`: the member's published status (readMemberStatus), undefined without one. */
export function readQuorumFacts(
  spec: Record<string, unknown>,
  status: MemberStatusFields | undefined,
): MemberQuorumFacts {
  const config = isRecord(spec["validatorConfig"]) ? spec["validatorConfig"] : {};
  const key = config["publicKey"];
  const domain = config["homeDomain"];
  const history = isRecord(config["history"]) ? config["history"] : undefined;
  const port = history?.["port"] ?? DEFAULT_HISTORY_PUBLISH_PORT;
  const publicUrl = history?.["publicUrl"];
  const quorum = status?.quorum;
  const validKey = typeof key === "string" && isPublicKey(key);
  return {
    publicKey: validKey ? key : undefined,
    publicKeyInvalid: key !== undefined && !validKey,
    homeDomain: typeof domain === "string" && domain !== "" ? domain : undefined,
    history:
      history === undefined ||
      typeof port !== "number" ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
        ? undefined
        : {
            publish: history["publish"] === true,
            port,
            publicUrl: typeof publicUrl === "string" ? publicUrl : undefined,
          },
    inQuorumSince: quorum?.inQuorumSince,
    inConsensusSince: quorum?.inConsensusSince,
  };
}

/** The validatorConfig fields readQuorumFacts reads (for projectRelatedNode). */
export const QUORUM_SPEC_FIELDS = ["publicKey", "homeDomain", "history"] as const;
/** The status.quorum fields readQuorumFacts reads (for projectRelatedNode). */
export const QUORUM_STATUS_FIELDS = ["inQuorumSince", "inConsensusSince"] as const;
