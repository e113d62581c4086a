import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

const CONNECT_RESULTS = ["ok", "exception", "http_error", "unreachable"] as const;
export type ConnectResult = (typeof CONNECT_RESULTS)[number];

export interface SidecarMetrics {
  readonly registry: Registry;
  readonly knownPeers: Gauge;
  readonly connectedPeers: Gauge;
  readonly connectAttempts: Counter<"result">;
  readonly peersFileReads: Counter;
  readonly peersFileErrors: Counter;
  readonly coreUp: Gauge;
  readonly coreUnavailable: Counter<"reason">;
}

/** The sidecar's own registry: nothing global, so tests can make as many as they like. */
export function createSidecarMetrics(): SidecarMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const connectAttempts = new Counter({
    name: "stellar_peers_sidecar_connect_attempts_total",
    help: "connect commands sent to stellar-core, by result: ok (accepted; the handshake follows), exception (200 with an exception body), http_error (any other unexpected answer), unreachable (no answer, or stellar-core still booting).",
    labelNames: ["result"],
    registers: [registry],
  });
  for (const result of CONNECT_RESULTS) connectAttempts.inc({ result }, 0);
  return {
    registry,
    knownPeers: new Gauge({
      name: "stellar_peers_sidecar_known_peers",
      help: "Peers listed in the mounted KNOWN_PEERS file.",
      registers: [registry],
    }),
    connectedPeers: new Gauge({
      name: "stellar_peers_sidecar_connected_peers",
      help: "Listed peers that stellar-core reports as authenticated (inbound or outbound).",
      registers: [registry],
    }),
    connectAttempts,
    peersFileReads: new Counter({
      name: "stellar_peers_sidecar_peers_file_reads_total",
      help: "Successful reads of the KNOWN_PEERS file.",
      registers: [registry],
    }),
    peersFileErrors: new Counter({
      name: "stellar_peers_sidecar_peers_file_errors_total",
      help: "Failed reads of the KNOWN_PEERS file (the last list read stays in use).",
      registers: [registry],
    }),
    coreUp: new Gauge({
      name: "stellar_peers_sidecar_core_up",
      help: "1 if stellar-core answered the last peers command, else 0.",
      registers: [registry],
    }),
    coreUnavailable: new Counter({
      name: "stellar_peers_sidecar_core_unavailable_total",
      help: "Times stellar-core did not answer usefully (the sidecar then backs off), by reason: unreachable, booting, exception, http_error.",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
