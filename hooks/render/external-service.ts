import type { KubeObject } from "../kube/objects.js";
import {
  EXTERNAL_DNS_HOSTNAME_ANNOTATION,
  type ExternalPeering,
} from "../spec/external-peering.js";
import { selectorLabels } from "./labels.js";

/** The Service of spec.externalPeering; it cannot be a StellarNode's own headless Service. */
export const externalServiceName = (node: string): string => `${node}-external`;

/**
 * Service `<name>-external` (spec.externalPeering): the validator's peer port, and only
 * that, as a LoadBalancer or a NodePort. stellar-core's admin port (11626) is bound to
 * 127.0.0.1 and must never be published; the pod's other ports (the LiveConnect sidecar's
 * metrics, a history archive, an exporter) are for the cluster only.
 *
 * Not-ready pods are published too: Ready means "in consensus", and a validator catching
 * up needs inbound peers most (without any, stellar-core keeps few outbound ones).
 *
 * Fields the API server allocates (clusterIP, nodePort, healthCheckNodePort) are not
 * rendered here; hooks/sync/external-service.ts carries them over from the observed
 * Service.
 */
export function renderExternalService(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  peerPort: number,
  external: ExternalPeering,
): KubeObject {
  const annotations: Record<string, string> = {
    ...external.annotations,
    ...(external.hostname === undefined
      ? {}
      : { [EXTERNAL_DNS_HOSTNAME_ANNOTATION]: external.hostname }),
  };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: externalServiceName(name),
      namespace,
      labels: { ...labels },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    },
    spec: {
      type: external.type,
      selector: selectorLabels(name),
      publishNotReadyAddresses: true,
      externalTrafficPolicy: external.externalTrafficPolicy,
      ...(external.loadBalancerSourceRanges === undefined
        ? {}
        : { loadBalancerSourceRanges: [...external.loadBalancerSourceRanges] }),
      ports: [
        {
          name: "peer",
          port: peerPort,
          targetPort: "peer",
          protocol: "TCP",
          ...(external.nodePort === undefined ? {} : { nodePort: external.nodePort }),
        },
      ],
    },
  };
}
