import type { KubeObject } from "../kube/objects.js";
import { HISTORY_PORT_NAME } from "./history-server.js";
import { selectorLabels } from "./labels.js";

/**
 * Headless Service `name`: it gives the pod the stable DNS name peers use
 * (`name-0.name.ns.svc...`), published even before the pod is Ready so a group of fresh
 * validators can find each other while none of them is Ready yet.
 */
export function renderPeerService(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  peerPort: number,
  historyPort?: number,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels(name),
      ports: [
        { name: "peer", port: peerPort, targetPort: "peer", protocol: "TCP" },
        // The published archive (history.publish): its Endpoints, for an Ingress.
        ...(historyPort === undefined
          ? []
          : [
              {
                name: HISTORY_PORT_NAME,
                port: historyPort,
                targetPort: HISTORY_PORT_NAME,
                protocol: "TCP",
              },
            ]),
      ],
    },
  };
}
