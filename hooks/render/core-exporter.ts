import { DEFAULT_EXPORTER_IMAGE, type ExporterSpec } from "../spec/metrics-exporter.js";
import { ADMIN_HTTP_PORT } from "../stellar/peer-address.js";

/** The exporter's container port name; manifests/monitoring/core-pod-monitor.yaml scrapes it. */
export const EXPORTER_PORT_NAME = "core-metrics";
export const EXPORTER_CONTAINER = "stellar-core-prometheus-exporter";

/**
 * SDF's stellar-core-prometheus-exporter next to stellar-core, as SDF's chart runs it
 * (stellar/helm-charts charts/core/templates/core-sts.yaml: the image's entry point, no
 * arguments, containerPort 9473), with its two settings written out (exporter.py reads
 * STELLAR_CORE_ADDRESS and PORT): stellar-core's admin port is bound to 127.0.0.1, which
 * the containers of one pod share.
 *
 * No readiness probe: the pod's Ready means stellar-core is in consensus (probes.ts), and an
 * exporter that answers 504 while stellar-core boots must not change that. The liveness probe
 * only opens the port: every GET makes the exporter ask stellar-core.
 */
export function coreExporterContainer(exporter: ExporterSpec): Record<string, unknown> {
  return {
    name: EXPORTER_CONTAINER,
    image: exporter.image ?? DEFAULT_EXPORTER_IMAGE,
    env: [
      { name: "STELLAR_CORE_ADDRESS", value: `http://127.0.0.1:${ADMIN_HTTP_PORT}` },
      { name: "PORT", value: String(exporter.port) },
      // A read-only root filesystem: Python cannot write its bytecode cache anyway.
      { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    ],
    ports: [{ name: EXPORTER_PORT_NAME, containerPort: exporter.port, protocol: "TCP" }],
    livenessProbe: {
      tcpSocket: { port: EXPORTER_PORT_NAME },
      periodSeconds: 20,
      failureThreshold: 3,
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      // The image has no USER (it runs as root); nobody reads and serves as well.
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      capabilities: { drop: ["ALL"] },
    },
  };
}
