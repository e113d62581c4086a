import type { KubeObject } from "../kube/objects.js";
import { isDns1123Label, stellarNodeNameProblem } from "../kube/names.js";
import { parseStellarNodeSpec, type StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { CORE_CONFIG_KEYS } from "../stellar/core-config-keys.js";
import { podAddress } from "../discovery/peers.js";
import { resolveCoreImage } from "../stellar/core-images.js";
import { archiveOfAnotherNetwork } from "../stellar/history-archives.js";
import { networkPassphrase } from "../stellar/networks.js";
import { DEFAULT_PEER_PORT, parsePeerAddress } from "../stellar/peer-address.js";
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
  /** To recognise the node's own address among its static peers. */
  clusterDomain: string;
  /** What the body parser found wrong with the parent itself (hooks/http/hook-body.ts). */
  refusedParent?: string | undefined;
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
  if (options.refusedParent !== undefined) {
    return refuse("InvalidSpec", `the StellarNode cannot be read: ${options.refusedParent}`);
  }
  const nameProblem = stellarNodeNameProblem(parent.metadata.name);
  if (nameProblem) return refuse("InvalidName", nameProblem);
  const namespace = parent.metadata.namespace;
  if (namespace !== undefined && !isDns1123Label(namespace)) {
    return refuse(
      "InvalidName",
      `metadata.namespace ${JSON.stringify(namespace.slice(0, 80))} is not a DNS-1123 label`,
    );
  }
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
  const selfListed = ownAddressAmongKnownPeers(parent, spec, options.clusterDomain);
  if (selfListed !== undefined) {
    return refuse(
      "InvalidSpec",
      `spec.validatorConfig.knownPeers or overlay.preferredPeers lists ${selfListed}, this node's own address: stellar-core refuses to connect to itself; remove it`,
      spec,
    );
  }
  const validator = spec.validatorConfig;
  const foreign = archiveOfAnotherNetwork(
    networkPassphrase(spec.network, spec.customNetworkPassphrase),
    [
      ...(validator?.enableHistoryArchive === false ? [] : (validator?.historyArchiveUrls ?? [])),
      ...(validator?.automaticQuorum?.organizations ?? []).flatMap((organization) =>
        organization.validators.flatMap((v) => (v.history === undefined ? [] : [v.history])),
      ),
    ],
  );
  if (foreign !== undefined) {
    return refuse(
      "InvalidSpec",
      `spec.validatorConfig names ${foreign.url}, SDF's history archive of ${foreign.network}, not of ${spec.network}: its History Archive State carries ${foreign.network}'s network passphrase, and stellar-core fails every catchup from it ("The network passphrase of the application does not match that of the history archive state", CatchupWork); use the archives of ${spec.network}`,
      spec,
    );
  }
  const image = resolveCoreImage(spec, options.coreImages);
  if (!image.ok) return refuse("UnknownVersion", image.message, spec);
  // quorum: Automatic generates the quorum from the group (sync.ts).
  const quorum =
    spec.validatorConfig?.quorum === "Automatic"
      ? { ok: true as const, quorum: {} }
      : parseQuorumSet(spec.validatorConfig?.quorumSet, CORE_CONFIG_KEYS);
  if (!quorum.ok) return refuse("InvalidQuorumSet", quorum.error, spec);
  return { valid: true, spec, image: image.image, quorum: quorum.quorum };
}

/** The static peer that is the node itself, if any (host compared as DNS names compare). */
function ownAddressAmongKnownPeers(
  parent: KubeObject,
  spec: StellarNodeSpec,
  clusterDomain: string,
): string | undefined {
  const own = {
    host: podAddress(parent.metadata.name, parent.metadata.namespace ?? "default", clusterDomain),
    port: spec.validatorConfig?.peerPort ?? DEFAULT_PEER_PORT,
  };
  return [
    ...(spec.validatorConfig?.knownPeers ?? []),
    ...(spec.validatorConfig?.overlay?.preferredPeers ?? []),
  ].find((text) => {
    const address = parsePeerAddress(text);
    return address !== undefined && address.host === own.host && address.port === own.port;
  });
}
