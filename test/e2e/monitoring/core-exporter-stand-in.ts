import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for SDF's stellar-core-prometheus-exporter, for the e2e monitoring scenario:
 * kwok runs no containers, so no stellar-core and no exporter runs in the validators' pods.
 * It serves, for each pod the test describes, what the real exporter serves: the exporter
 * turns stellar-core's admin answers (/metrics and /info, JSON) into Prometheus' text format,
 * and so does exporterText() below, from an /info answer shaped as stellar-core v27.1.0's
 * (ApplicationImpl::getJsonInfo) and a few /metrics entries of the kinds stellar-core has.
 *
 * What it follows (stellar/stellar-core-prometheus-exporter, exporter.py at 4c64289; written
 * anew here, nothing copied): every series carries the labels ver_major, ver_minor,
 * ver_patch (from info.build, `(stellar-core|v) ?X.Y.Z`), build (info.build lower-cased,
 * whitespace as `_`, no parentheses) and network (info.network, the passphrase); each sample
 * has its own `# HELP` and `# TYPE` lines; metric names are `stellar_core_` + the libmedida
 * name with `.`, `-` and whitespace as `_`, lower-cased; a timer is a summary in seconds
 * (`_seconds_count`, `_seconds_sum`, gauges with quantile 0.75 and 0.99), a counter a gauge,
 * a meter a counter; from /info: stellar_core_ledger_{age,base_fee,base_reserve,close_time,
 * max_tx_set_size,num,version}, stellar_core_quorum_{agree,delayed,disagree,fail_at,missing},
 * stellar_core_quorum_phase_{unknown,prepare,confirm,externalize},
 * stellar_core_peers_{authenticated,pending}_count, stellar_core_protocol_version, one 0/1
 * gauge per state (stellar_core_{booting,joining_scp,connected,catching_up,synced,stopping},
 * matched by prefix, lower-cased) and stellar_core_started_on (Unix seconds). When
 * stellar-core does not answer, the exporter answers 504.
 */

/** stellar-core's /info answer, the fields the exporter reads. */
export interface CoreInfo {
  build: string;
  network: string;
  protocol_version: number;
  state: string;
  startedOn: string;
  ledger: {
    age: number;
    baseFee: number;
    baseReserve: number;
    closeTime: number;
    maxTxSetSize: number;
    num: number;
    version: number;
  };
  peers: { authenticated_count: number; pending_count: number };
  quorum: {
    qset?: {
      agree: number;
      delayed: number;
      disagree: number;
      fail_at: number;
      missing: number;
      phase: string;
    };
  };
}

/** One entry of stellar-core's /metrics answer (libmedida's JSON), the kinds used here. */
export type CoreMetric =
  | { type: "counter"; count: number }
  | { type: "meter"; count: number }
  | {
      type: "timer";
      count: number;
      sum: number;
      duration_unit: "ms" | "s" | "us";
      "75%": number;
      "99%": number;
    };

export interface CoreState {
  info: CoreInfo;
  metrics: Record<string, CoreMetric>;
}

/** The state names of ApplicationImpl::getStateHuman, as the exporter's gauges name them. */
const STATES = ["booting", "joining scp", "connected", "catching up", "synced", "stopping"];

/** A synced Testnet validator of stellar-core 27.1.0; override what a test needs. */
export function coreState(
  overrides: {
    state?: string;
    authenticated?: number;
    ledgerAge?: number;
    ledgerNum?: number;
    network?: string;
  } = {},
): CoreState {
  const closeTime = 1_795_000_000;
  return {
    info: {
      build: "stellar-core 27.1.0 (3589a696b1e2f1b5ddc3c3ef56e2c19e80a63e7f)",
      network: overrides.network ?? "Test SDF Network ; September 2015",
      protocol_version: 23,
      state: overrides.state ?? "Synced!",
      startedOn: "2026-12-01T10:00:00Z",
      ledger: {
        age: overrides.ledgerAge ?? 3,
        baseFee: 100,
        baseReserve: 5_000_000,
        closeTime,
        maxTxSetSize: 100,
        num: overrides.ledgerNum ?? 1_234_567,
        version: 23,
      },
      peers: { authenticated_count: overrides.authenticated ?? 0, pending_count: 0 },
      quorum: {
        qset: { agree: 3, delayed: 0, disagree: 0, fail_at: 1, missing: 0, phase: "EXTERNALIZE" },
      },
    },
    metrics: {
      "ledger.ledger.close": {
        type: "timer",
        count: 1200,
        sum: 360_000,
        duration_unit: "ms",
        "75%": 310,
        "99%": 620,
      },
      "ledger.age.current-seconds": { type: "counter", count: overrides.ledgerAge ?? 3 },
      "overlay.connection.authenticated": { type: "counter", count: overrides.authenticated ?? 0 },
      "overlay.inbound.attempt": { type: "meter", count: 42 },
    },
  };
}

const SECONDS: Record<string, number> = { ms: 1e-3, s: 1, us: 1e-6 };

/** What the exporter answers for stellar-core in this state: Prometheus' text format. */
export function exporterText(state: CoreState): string {
  const { info } = state;
  const version = /(stellar-core|v) ?(\d+)\.(\d+)\.(\d+).*$/.exec(info.build);
  const build = info.build.replace(/\s/g, "_").toLowerCase().replace(/[()]/g, "");
  const base: [string, string][] = [
    ["ver_major", version?.[2] ?? "unknown"],
    ["ver_minor", version?.[3] ?? "unknown"],
    ["ver_patch", version?.[4] ?? "unknown"],
    ["build", build],
    ["network", info.network],
  ];
  const lines: string[] = [];
  const sample = (
    name: string,
    help: string,
    type: string,
    value: number,
    extra: [string, string][] = [],
  ) => {
    const labels = [...base, ...extra].map(([k, v]) => `${k}="${v}"`).join(",");
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${labels}} ${value}`);
  };

  for (const [key, metric] of Object.entries(state.metrics)) {
    const name = `stellar_core_${key.replace(/\.|-|\s/g, "_").toLowerCase()}`;
    const help = `libmedida metric type: ${metric.type}`;
    if (metric.type === "timer") {
      const unit = SECONDS[metric.duration_unit] ?? 1;
      sample(`${name}_seconds_count`, help, "summary", metric.count);
      sample(`${name}_seconds_sum`, help, "summary", metric.sum * unit);
      sample(`${name}_seconds`, help, "gauge", metric["75%"] * unit, [["quantile", "0.75"]]);
      sample(`${name}_seconds`, help, "gauge", metric["99%"] * unit, [["quantile", "0.99"]]);
    } else if (metric.type === "counter") {
      sample(name, help, "gauge", metric.count);
    } else {
      sample(name, help, "counter", metric.count);
    }
  }

  const ledger: [keyof CoreInfo["ledger"], string][] = [
    ["age", "age"],
    ["baseFee", "base_fee"],
    ["baseReserve", "base_reserve"],
    ["closeTime", "close_time"],
    ["maxTxSetSize", "max_tx_set_size"],
    ["num", "num"],
    ["version", "version"],
  ];
  for (const [core, prom] of ledger) {
    sample(
      `stellar_core_ledger_${prom}`,
      `Stellar core ledger metric name: ${core}`,
      "gauge",
      info.ledger[core],
    );
  }
  const qset = info.quorum.qset;
  if (qset !== undefined) {
    for (const key of ["agree", "delayed", "disagree", "fail_at", "missing"] as const) {
      sample(
        `stellar_core_quorum_${key}`,
        `Stellar core quorum metric: ${key}`,
        "gauge",
        qset[key],
      );
    }
    for (const phase of ["unknown", "prepare", "confirm", "externalize"]) {
      sample(
        `stellar_core_quorum_phase_${phase}`,
        `Stellar core quorum phase ${phase}`,
        "gauge",
        qset.phase.toLowerCase() === phase ? 1 : 0,
      );
    }
  }
  sample(
    "stellar_core_peers_authenticated_count",
    "Stellar core authenticated_count count",
    "gauge",
    info.peers.authenticated_count,
  );
  sample(
    "stellar_core_peers_pending_count",
    "Stellar core pending_count count",
    "gauge",
    info.peers.pending_count,
  );
  sample(
    "stellar_core_protocol_version",
    "Stellar core protocol_version",
    "gauge",
    info.protocol_version,
  );
  for (const state of STATES) {
    sample(
      `stellar_core_${state.replace(/\s/g, "_")}`,
      `Stellar core state ${state}`,
      "gauge",
      info.state.toLowerCase().startsWith(state) ? 1 : 0,
    );
  }
  sample(
    "stellar_core_started_on",
    "Stellar core start time in epoch",
    "gauge",
    Math.floor(Date.parse(info.startedOn) / 1000),
  );
  return `${lines.join("\n")}\n`;
}

/** The metric names exporterText() serves (the names the alerts and dashboard may use). */
export function exporterMetricNames(state: CoreState = coreState()): string[] {
  const names = exporterText(state)
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.slice(0, line.indexOf("{")));
  return [...new Set(names)].sort();
}

export interface ExporterStandIn {
  /** 127.0.0.1:port */
  address: string;
  /** What the exporter of the pod `namespace/pod` serves from now on; undefined: 504. */
  set: (target: string, state: CoreState | undefined) => void;
  stop: () => Promise<void>;
}

/**
 * One HTTP server on 127.0.0.1 for every pod: GET /metrics?target=<namespace>/<pod>.
 * The scenario's Prometheus rewrites each pod's address to this one (kwok's pod IPs reach
 * nothing) and passes the pod as the target parameter.
 */
export async function startExporterStandIn(): Promise<ExporterStandIn> {
  const states = new Map<string, CoreState>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const state = states.get(url.searchParams.get("target") ?? "");
    const contentType = "text/plain; version=0.0.4; charset=utf-8";
    if (url.pathname !== "/metrics" || state === undefined) {
      // What the exporter answers when stellar-core's admin port does not.
      response.writeHead(504, { "content-type": contentType });
      response.end("Error retrieving data from http://127.0.0.1:11626/metrics\n");
      return;
    }
    response.writeHead(200, { "content-type": contentType });
    response.end(exporterText(state));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    set: (target, state) => {
      if (state === undefined) states.delete(target);
      else states.set(target, state);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
