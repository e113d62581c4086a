import type { KubeObject } from "../kube/objects.js";
import { stellarNodeNameProblem } from "../kube/names.js";
import { parseStellarNodeSpec, type StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { CORE_CONFIG_KEYS } from "../stellar/core-config-keys.js";
import { parseQuorumSet, type QuorumContent } from "../stellar/quorum-set.js";

export type SpecVerdict =
  | { valid: true; spec: StellarNodeSpec; quorum: QuorumContent; quorumProblems: string[] }
  | { valid: false; reason: string; message: string };

/**
 * Whether stellar-peers can render this StellarNode, and why not. A refused spec keeps its
 * children as they run (sync.ts); the reason is the Valid condition's.
 */
export function judgeSpec(parent: KubeObject, sidecarImage: string | undefined): SpecVerdict {
  const nameProblem = stellarNodeNameProblem(parent.metadata.name);
  if (nameProblem) return { valid: false, reason: "InvalidName", message: nameProblem };
  const parsed = parseStellarNodeSpec(parent["spec"]);
  if (!parsed.ok)
    return { valid: false, reason: "InvalidSpec", message: parsed.problems.join("; ") };
  const spec = parsed.spec;
  if (spec.nodeType !== "Validator") {
    return {
      valid: false,
      reason: "UnsupportedNodeType",
      message: `spec.nodeType ${spec.nodeType} is not managed by stellar-peers yet; only Validator is. Nothing is created for this node.`,
    };
  }
  if (spec.peerDiscovery?.updateStrategy === "LiveConnect" && sidecarImage === undefined) {
    return {
      valid: false,
      reason: "LiveConnectUnavailable",
      message:
        "spec.peerDiscovery.updateStrategy LiveConnect needs the hook server's SIDECAR_IMAGE, which is not set: set it on the stellar-peers Deployment, or use QuorumSafe",
    };
  }
  const quorum = parseQuorumSet(spec.validatorConfig?.quorumSet, CORE_CONFIG_KEYS);
  if (!quorum.ok) return { valid: false, reason: "InvalidQuorumSet", message: quorum.error };
  return { valid: true, spec, quorum: quorum.quorum, quorumProblems: quorum.problems };
}
