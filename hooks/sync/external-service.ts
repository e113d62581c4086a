import type { PeerCandidate } from "../discovery/related-nodes.js";
import { compareText, namespacedName } from "../kube/keys.js";
import type { KubeObject } from "../kube/objects.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { findObservedChild } from "../metacontroller/observed-children.js";
import { externalServiceName, renderExternalService } from "../render/external-service.js";
import { validatorLabels } from "../render/labels.js";
import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import { DEFAULT_PEER_PORT } from "../stellar/peer-address.js";
import { comesFirst } from "../kube/creation-order.js";
import type { RefusalReason } from "./refusal-reasons.js";

/** The observed `<name>-external` Service, as the API server holds it. */
export function observedExternalService(children: unknown, name: string): KubeObject | undefined {
  return findObservedChild(children, GROUP_KEYS.Service, externalServiceName(name));
}

/**
 * The external Service spec.externalPeering asks for (none without it: Metacontroller
 * then deletes an observed one), with what the API server allocated carried over from the
 * observed Service. Metacontroller's 3-way merge would keep those fields anyway (they are
 * in neither the last-applied nor the desired object), but with server-side apply or a
 * platform transform that rewrites the Service, a desired object without them would ask
 * the API server to reallocate on every sync; carried over, the desired object is what
 * runs, and a sync changes nothing.
 */
export function externalChildren(
  name: string,
  namespace: string,
  spec: StellarNodeSpec,
  observed: KubeObject | undefined,
): KubeObject[] {
  const external = spec.externalPeering;
  if (external === undefined) return [];
  const desired = renderExternalService(
    name,
    namespace,
    validatorLabels(name, spec.network),
    spec.validatorConfig?.peerPort ?? DEFAULT_PEER_PORT,
    external,
  );
  return [carryOverAllocated(desired, observed)];
}

/**
 * Copies into `desired` what the API server allocated on `observed`: clusterIP(s) (never
 * change), the peer port's nodePort unless the spec names one, and healthCheckNodePort
 * while the Service stays a LoadBalancer with policy Local (the only case Kubernetes
 * allows it: pkg/apis/core/validation ValidateService). The API server itself patches the
 * same values into an update that omits them (pkg/registry/core/service/storage
 * patchAllocatedValues, node ports matched by port name): this makes it explicit.
 */
export function carryOverAllocated(
  desired: KubeObject,
  observed: KubeObject | undefined,
): KubeObject {
  const desiredSpec = desired["spec"];
  const observedSpec = observed?.["spec"];
  if (!isRecord(desiredSpec) || !isRecord(observedSpec)) return desired;
  const spec: Record<string, unknown> = { ...desiredSpec };
  const clusterIP = observedSpec["clusterIP"];
  if (typeof clusterIP === "string" && clusterIP !== "" && clusterIP !== "None") {
    spec["clusterIP"] = clusterIP;
    const clusterIPs = observedSpec["clusterIPs"];
    if (Array.isArray(clusterIPs) && clusterIPs.every((ip) => typeof ip === "string")) {
      spec["clusterIPs"] = [...(clusterIPs as string[])];
    }
  }
  const allocated = new Map<string, number>();
  for (const port of Array.isArray(observedSpec["ports"]) ? observedSpec["ports"] : []) {
    if (isRecord(port) && typeof port["name"] === "string" && isPort(port["nodePort"])) {
      allocated.set(port["name"], port["nodePort"]);
    }
  }
  if (Array.isArray(desiredSpec["ports"])) {
    spec["ports"] = desiredSpec["ports"].map((port: unknown) => {
      if (!isRecord(port) || port["nodePort"] !== undefined || typeof port["name"] !== "string") {
        return port;
      }
      const nodePort = allocated.get(port["name"]);
      return nodePort === undefined ? port : { ...port, nodePort };
    });
  }
  const healthCheckNodePort = observedSpec["healthCheckNodePort"];
  if (
    spec["type"] === "LoadBalancer" &&
    spec["externalTrafficPolicy"] === "Local" &&
    isPort(healthCheckNodePort)
  ) {
    spec["healthCheckNodePort"] = healthCheckNodePort;
  }
  return { ...desired, spec };
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/**
 * status.externalAddress from the observed external Service: the load balancer's first
 * ingress (its hostname, else its IP) with the peer port; for a NodePort, the node port
 * alone (`:31234`): which node addresses reach it would need the Node objects, and
 * relating them would sync every validator on every node status update. Undefined until
 * allocated.
 */
export function externalAddress(service: KubeObject | undefined): string | undefined {
  const spec = service?.["spec"];
  if (!isRecord(spec) || !Array.isArray(spec["ports"])) return undefined;
  const peer = spec["ports"].find((port) => isRecord(port) && port["name"] === "peer");
  if (!isRecord(peer)) return undefined;
  if (spec["type"] === "NodePort") {
    return isPort(peer["nodePort"]) ? `:${peer["nodePort"]}` : undefined;
  }
  if (spec["type"] !== "LoadBalancer" || !isPort(peer["port"])) return undefined;
  const status = service?.["status"];
  const loadBalancer = isRecord(status) ? status["loadBalancer"] : undefined;
  const ingress = isRecord(loadBalancer) ? loadBalancer["ingress"] : undefined;
  const first: unknown = Array.isArray(ingress) ? ingress[0] : undefined;
  if (!isRecord(first)) return undefined;
  const host = nonEmpty(first["hostname"]) ?? nonEmpty(first["ip"]);
  if (host === undefined) return undefined;
  return host.includes(":") ? `[${host}]:${peer["port"]}` : `${host}:${peer["port"]}`;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Why the external Service cannot be rendered for this node, or undefined. */
export interface ExternalRefusal {
  reason: RefusalReason;
  message: string;
}

/**
 * What only the related StellarNodes can tell: a StellarNode named `<name>-external` in
 * the namespace (its headless Service has our external Service's name, and Metacontroller
 * silently skips the create of the second owner's child), and a nodePort another member
 * holds (its status.externalAddress) or asked for first (the API server would refuse the
 * second Service on every sync). Between two requests the older node keeps the port; ties
 * go by namespace/name. Only the related nodes are seen (the group: the namespace, or the
 * labels of groupSelector), so a node port taken elsewhere in the cluster still fails on
 * apply, with Metacontroller's SyncError event.
 */
export function judgeExternalPeering(
  parent: KubeObject,
  spec: StellarNodeSpec,
  candidates: readonly PeerCandidate[],
): ExternalRefusal | undefined {
  const external = spec.externalPeering;
  if (external === undefined) return undefined;
  const created = parent.metadata["creationTimestamp"];
  const self = {
    name: parent.metadata.name,
    namespace: parent.metadata.namespace ?? "default",
    creationTimestamp: typeof created === "string" ? created : undefined,
  };
  const serviceName = externalServiceName(self.name);
  if (candidates.some((c) => c.namespace === self.namespace && c.name === serviceName)) {
    return {
      reason: "InvalidName",
      message: `spec.externalPeering needs the Service ${serviceName}, which is the headless Service of the StellarNode ${serviceName} in this namespace: rename one of the two`,
    };
  }
  if (external.nodePort === undefined) return undefined;
  const selfKey = namespacedName(self);
  const others = candidates.filter((c) => namespacedName(c) !== selfKey && !c.deleting);
  const holder = others
    .filter((c) => c.allocatedNodePort === external.nodePort)
    .map((c) => namespacedName(c))
    .sort(compareText)[0];
  const older = others
    .filter((c) => c.externalNodePort === external.nodePort && comesFirst(c, self))
    .map((c) => namespacedName(c))
    .sort(compareText)[0];
  const taken =
    holder !== undefined
      ? `is held by the external Service of the StellarNode ${holder}`
      : older !== undefined
        ? `is already asked for by the StellarNode ${older}, created earlier`
        : undefined;
  if (taken === undefined) return undefined;
  return {
    reason: "InvalidSpec",
    message: `spec.externalPeering.nodePort ${external.nodePort} ${taken}: node ports are cluster-wide, choose another or leave nodePort unset`,
  };
}
