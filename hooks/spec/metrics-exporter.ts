import { z } from "zod";

/**
 * spec.metrics.exporter: stellar-core's own metrics, through SDF's
 * stellar-core-prometheus-exporter as a sidecar of the validator's pod.
 *
 * stellar/stellar-core-prometheus-exporter (exporter.py at 4c64289): it listens on `--port`
 * / `PORT` (default 9473) and, on every scrape, reads stellar-core's admin port
 * (`--stellar-core-address` / `STELLAR_CORE_ADDRESS`, default http://127.0.0.1:11626):
 * /metrics, /info and /getcursor. SDF's chart (stellar/helm-charts charts/core/templates/
 * core-sts.yaml at 721a73c) runs it with neither set and containerPort 9473 named `metrics`.
 */

/** The exporter's default port (exporter.py `--port`), the containerPort of SDF's chart. */
export const DEFAULT_EXPORTER_PORT = 9473;

/**
 * The exporter's image, pinned by version: the exporter's release 0.10.6 (setup.py at
 * 4c64289). SDF's chart names `stellar/stellar-core-prometheus-exporter:latest` only; pin
 * a digest of your mirror with `image`.
 */
export const DEFAULT_EXPORTER_IMAGE = "docker.io/stellar/stellar-core-prometheus-exporter:0.10.6";

export const ExporterSchema = z
  .object({
    enabled: z.boolean().default(false).meta({
      description:
        "Run SDF's stellar-core-prometheus-exporter next to stellar-core: it reads the admin port (127.0.0.1:11626, inside the pod) on every scrape and serves stellar-core's metrics on port, in Prometheus' format (manifests/monitoring/ has the PodMonitor and the alerts).",
    }),
    image: z
      .string()
      .min(1)
      .optional()
      .meta({ description: `The exporter's image; default ${DEFAULT_EXPORTER_IMAGE}.` }),
    port: z
      .int()
      .min(1)
      .max(65535)
      .default(DEFAULT_EXPORTER_PORT)
      .meta({
        description: `The exporter's port in the pod (container port core-metrics); default ${DEFAULT_EXPORTER_PORT}. Not a port of the pod's other containers: peerPort, 11626, 9102, history.port.`,
      }),
  })
  .meta({ description: "stellar-core's own metrics for Prometheus." });

export const MetricsSchema = z
  .object({ exporter: ExporterSchema.optional() })
  .meta({ description: "Metrics of the validator's pod." });

export type ExporterSpec = z.output<typeof ExporterSchema>;

/** A port the validator's pod already uses, and which field or container gives it. */
export interface PodPort {
  port: number;
  what: string;
}

/** The first of the pod's other ports that the exporter's port would take, if any. */
export function exporterPortClash(port: number, others: readonly PodPort[]): PodPort | undefined {
  return others.find((other) => other.port === port);
}
