import type { KubeObject } from "../kube/objects.js";
import { stellarNodeNameProblem } from "../kube/names.js";
import { parseStellarNodeSpec, type StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { CORE_CONFIG_KEYS } from "../stellar/core-config-keys.js";
import { resolveCoreImage } from "../stellar/core-images.js";
import { parseQuorumSet, type QuorumContent } from "../stellar/quorum-set.js";
import type { RefusalReason } from "./refusal-reasons.js";

export type SpecVerdict =
  | { valid: true; spec: StellarNodeSpec; image: string; quorum: QuorumContent }
  | {
      valid: false;
      reason: RefusalReason;
      message: string;
      /**
       * Set when the spec itself parsed: the node's peers ConfigMap and Service, which start
       * nothing, keep following discovery while its StatefulSet stays as it runs.
       */
      spec: StellarNodeSpec | undefined;
    };

export interface JudgeOptions {
  sidecarImage: string | undefined;
  /** stellar-core release -> image (STELLAR_CORE_IMAGES over the defaults). */
  coreImages: ReadonlyMap<string, string>;
}

/**
 * Whether stellar-peers can render this StellarNode, and why not. A refused spec keeps its
 * StatefulSet and config as they run (sync.ts); the reason is the Valid condition's.
 * Whether stellar-core accepts the rendered config is judged after rendering
 * (stellar/core-checks/).
 */
export function judgeSpec(parent: KubeObject, options: JudgeOptions): SpecVerdict {
  const refuse = (reason: RefusalReason, message: string, spec?: StellarNodeSpec): SpecVerdict => ({
    valid: false,
    reason,
    message,
    spec,
  });
  const nameProblem = stellarNodeNameProblem(parent.metadata.name);
  if (nameProblem) return refuse("InvalidName", nameProblem);
  const parsed = parseStellarNodeSpec(parent["spec"]);
  if (!parsed.ok) return refuse("InvalidSpec", parsed.problems.join("; "));
  const spec = parsed.spec;
  if (spec.nodeType !== "Validator") {
    return refuse(
      "UnsupportedNodeType",
      `spec.nodeType ${spec.nodeType} is not managed by stellar-peers yet; only Validator is. Nothing is created for this node.`,
    );
  }
  if (spec.peerDiscovery?.updateStrategy === "LiveConnect" && options.sidecarImage === undefined) {
    return refuse(
      "LiveConnectUnavailable",
      "spec.peerDiscovery.updateStrategy LiveConnect needs the hook server's SIDECAR_IMAGE, which is not set: set it on the stellar-peers Deployment, or use QuorumSafe",
      spec,
    );
  }
  const image = resolveCoreImage(spec, options.coreImages);
  if (!image.ok) return refuse("UnknownVersion", image.message, spec);
  const quorum = parseQuorumSet(spec.validatorConfig?.quorumSet, CORE_CONFIG_KEYS);
  if (!quorum.ok) return refuse("InvalidQuorumSet", quorum.error, spec);
  return { valid: true, spec, image: image.image, quorum: quorum.quorum };
}
