import { namespacedName } from "../kube/keys.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { parseObservedStatus } from "../spec/stellar-node-status.js";
import { publicPeerAddress } from "./public-address.js";

/** What a summary shows of a StellarNode beyond what discovery reads (readPeerCandidates). */
export interface NodeFacts {
  /** spec.network as written: Mainnet, Testnet, Futurenet or Custom. */
  network: string;
  /** The node's own status condition Ready is True. */
  ready: boolean;
  /** Its public hostname:port (spec.externalPeering.hostname), if it has one. */
  publicAddress: string | undefined;
}

/**
 * The network name and readiness of each related StellarNode, keyed `namespace/name` from
 * each object's own metadata (the request's key, name or ns/name, is ignored, as in
 * readPeerCandidates). Readiness is the node's status condition Ready as its own sync wrote
 * it; a node without one is not ready. Objects without a name are skipped.
 */
export function nodeFactsByKey(related: unknown, defaultNamespace: string): Map<string, NodeFacts> {
  const facts = new Map<string, NodeFacts>();
  if (!isRecord(related)) return facts;
  const group = related[GROUP_KEYS.StellarNode];
  if (!isRecord(group)) return facts;
  for (const object of Object.values(group)) {
    if (!isRecord(object) || !isRecord(object["metadata"])) continue;
    const metadata = object["metadata"];
    const name = metadata["name"];
    if (typeof name !== "string" || name === "") continue;
    const namespace =
      typeof metadata["namespace"] === "string" ? metadata["namespace"] : defaultNamespace;
    const spec = isRecord(object["spec"]) ? object["spec"] : {};
    facts.set(namespacedName({ namespace, name }), {
      network: typeof spec["network"] === "string" ? spec["network"] : "",
      ready: readyConditionIsTrue(object["status"]),
      publicAddress: publicPeerAddress(object),
    });
  }
  return facts;
}

function readyConditionIsTrue(status: unknown): boolean {
  const ready = parseObservedStatus(status).conditions.find(
    (condition) => condition.type === "Ready",
  );
  return ready?.status === "True";
}
