import { isRecord } from "../kube/objects.js";
import { ExternalPeeringSchema } from "../spec/external-peering.js";
import { parseObservedStatus } from "../spec/stellar-node-status.js";
import { DEFAULT_PEER_PORT, formatPeerAddress } from "../stellar/peer-address.js";

/**
 * The public `hostname:port` of a StellarNode with spec.externalPeering.hostname, for
 * validators outside the cluster (the namespace summary's peers.json), or undefined.
 * LoadBalancer: the Service listens on the peer port. NodePort: the node port, the spec's
 * or the one the API server allocated (status.externalAddress `:31234`); undefined until
 * it is known.
 *
 * Members of the same cluster never dial this name: the generated [[VALIDATORS]] of their
 * own home domain would carry it as ADDRESS, stellar-core would make it a preferred peer
 * (Config::parseValidators: an ADDRESS of NODE_HOME_DOMAIN goes to PREFERRED_PEERS),
 * and every connection between two pods of one cluster would leave it and come back in
 * through the load balancer (hairpin), depend on external DNS, and lose the client's
 * address. Inside the cluster they keep the pod's stable DNS name.
 */
export function publicPeerAddress(node: unknown): string | undefined {
  if (!isRecord(node) || !isRecord(node["spec"])) return undefined;
  const spec = node["spec"];
  const external = ExternalPeeringSchema.safeParse(spec["externalPeering"]);
  if (!external.success || external.data.hostname === undefined) return undefined;
  const host = external.data.hostname;
  if (external.data.type === "LoadBalancer") {
    const config = isRecord(spec["validatorConfig"]) ? spec["validatorConfig"] : {};
    const peerPort = config["peerPort"] ?? DEFAULT_PEER_PORT;
    return Number.isInteger(peerPort) && typeof peerPort === "number"
      ? formatPeerAddress({ host, port: peerPort })
      : undefined;
  }
  const allocated = /^:([0-9]{1,5})$/.exec(
    parseObservedStatus(node["status"]).externalAddress ?? "",
  );
  const port = external.data.nodePort ?? (allocated === null ? undefined : Number(allocated[1]));
  return port === undefined ? undefined : formatPeerAddress({ host, port });
}
