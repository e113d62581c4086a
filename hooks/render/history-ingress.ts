import type { KubeObject } from "../kube/objects.js";
import type { HistoryIngress } from "../spec/stellar-node-spec.js";
import { HISTORY_PORT_NAME } from "./history-server.js";

/** The Ingress of a validator's published archive. */
export function historyIngressName(name: string): string {
  return `${name}-history`;
}

/**
 * `history.ingress`: every path of `host` to the archive's port of the validator's Service
 * (headless: ingress controllers that route to Endpoints, as ingress-nginx and Traefik do,
 * reach the pod; controllers that need a NodePort or a ClusterIP do not). The server is
 * read-only (GET and HEAD), so the Ingress needs no rules of its own.
 */
export function renderHistoryIngress(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  ingress: HistoryIngress,
): KubeObject {
  const annotations = ingress.annotations ?? {};
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: historyIngressName(name),
      namespace,
      labels: { ...labels },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } }),
    },
    spec: {
      ...(ingress.className === undefined ? {} : { ingressClassName: ingress.className }),
      ...(ingress.tlsSecretName === undefined
        ? {}
        : { tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] }),
      rules: [
        {
          host: ingress.host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name, port: { name: HISTORY_PORT_NAME } } },
              },
            ],
          },
        },
      ],
    },
  };
}
