import { isRecord } from "../kube/objects.js";
import { PeerDiscoverySchema, type PeerDiscovery } from "../spec/stellar-node-spec.js";

/**
 * Whether the namespace decorator coordinates this validator: it reads its group from the
 * group view (group-view.ts) and its turn to restart from its turn ConfigMap (turns.ts),
 * both written by the decorator, instead of relating every StellarNode of its group.
 *
 * Why: Metacontroller syncs every parent that relates an object at every change of that
 * object (v4.17.2, customize/manager.go onRelatedUpdate: any new resourceVersion). A member
 * that relates its whole group is synced at every status write of every member, and a paced
 * rollout of N restarts writes each restart's status twice: of order N² syncs per event. The
 * decorator relates the StellarNodes instead (one sync per write) and rewrites only what a
 * member acts on: the view when the group changes, a member's turn when its decision does.
 *
 * Groups of one namespace addressed by DNS only: the view is per namespace, and pod IPs
 * change at every restart (PodIP members relate the pods, and so are synced at each anyway).
 */
export function isCoordinated(discovery: Pick<PeerDiscovery, "scope" | "addressing">): boolean {
  return discovery.scope === "Namespace" && discovery.addressing === "DNS";
}

/** A related StellarNode that is a coordinated Validator (its spec as far as it parses). */
export function isCoordinatedValidator(object: unknown): boolean {
  const spec = isRecord(object) ? object["spec"] : undefined;
  if (!isRecord(spec) || spec["nodeType"] !== "Validator") return false;
  const discovery = PeerDiscoverySchema.safeParse(spec["peerDiscovery"] ?? {});
  return discovery.success && isCoordinated(discovery.data);
}

/** The annotation Metacontroller puts on a DecoratorController's attachments. */
const DECORATOR_ANNOTATION = "metacontroller.k8s.io/decorator-controller";

/**
 * An attachment of a namespace decorator: controlled by Namespace `namespace`, annotated by
 * Metacontroller (decorator/controller.go). A coordinated member trusts no other ConfigMap
 * for its group or its turn: anyone who may create ConfigMaps in the namespace could
 * otherwise hand it peers, keys or a turn by labels alone. This is no signature: whoever
 * may write ConfigMaps there can forge both (Metacontroller claims attachments by the
 * owner's uid, which a member cannot check), and is trusted here as for the validators'
 * peers and config ConfigMaps.
 */
export function isDecoratorAttachment(object: Record<string, unknown>, namespace: string): boolean {
  const metadata = object["metadata"];
  if (!isRecord(metadata)) return false;
  const annotations = metadata["annotations"];
  const owners = metadata["ownerReferences"];
  return (
    isRecord(annotations) &&
    typeof annotations[DECORATOR_ANNOTATION] === "string" &&
    Array.isArray(owners) &&
    owners.some(
      (owner: unknown) =>
        isRecord(owner) &&
        owner["kind"] === "Namespace" &&
        owner["apiVersion"] === "v1" &&
        owner["name"] === namespace &&
        owner["controller"] === true,
    )
  );
}
