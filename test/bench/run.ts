/**
 * `npm run bench`: how fast and how far the sync hook goes, against the floor of the same run.
 * Not a test: it asserts nothing about time; it prints tables and writes the same figures as
 * JSON to bench-results/ (git-ignored). BENCHMARKS.md has the method and the figures.
 *
 *   npm run bench                        everything but the cluster (10 to 15 minutes)
 *   npm run bench -- --quick             few iterations: checks that the benchmark runs
 *   npm run bench -- --baseline=DIR/hooks/main.js   also time another build, interleaved
 *   npm run bench -- --cpu-prof          the server's CPU profile to bench-results/profiles/
 *   npm run bench -- --status-peers=view,capped,none,full|all  (default view,capped: today's)
 *   npm run bench -- --sizes=3,100 --event-sizes=50  other group sizes
 *   npm run bench -- --no-minimal        without the minimal reference server
 *   npm run bench -- --print=FILE.json   the tables of an earlier run
 *   npm run bench -- --e2e               convergence on the cluster harness (test/bench/e2e.ts)
 *   npm run bench -- --hostile           peak RSS and latency of the worst requests (hostile.ts)
 *   npm run bench -- --rollout           a version bump on a group of 10 on the cluster (rollout.ts)
 *
 * Servers: "current" is `node dist/hooks/main.js` (built by the bench script), "baseline" an
 * older build given with --baseline, "minimal" test/bench/minimal-server.ts: node:http that
 * only decodes, JSON.parses and answers a stored response of our response's size, i.e. the
 * least any Node.js hook server must do.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { Client, Pool } from "undici";
import {
  buildGroup,
  estimateBytes,
  parseRequest,
  relatedJson,
  requestMaker,
  syncInProcess,
  type StatusPeers,
} from "./generate.js";
import { REPO_ROOT, startServer, type RunningServer } from "./server-runner.js";
import { measureDecorator, type DecoratorResult } from "./decorator.js";
import { bytes, ms, summarize, table, type Summary } from "./stats.js";

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const QUICK = flag("quick");
/**
 * Today's shapes unless asked: `view` (a coordinated member: COORDINATED_ROLLOUT=on, the
 * default scope and addressing) and `capped` (a member that relates the StellarNodes: the
 * default, and scope Cluster or PodIP); `full` is the shape before the cap, for history.
 */
const MODES: StatusPeers[] = (option("status-peers") ?? "view,capped")
  .split(",")
  .flatMap((mode): StatusPeers[] =>
    mode === "all" ? ["view", "capped", "full", "none"] : [mode as StatusPeers],
  );
for (const mode of MODES) {
  if (!["view", "capped", "full", "none"].includes(mode))
    throw new Error(`--status-peers=${mode}?`);
}
const SIZES = (option("sizes") ?? "3,100,1000,5000").split(",").map(Number);
const EVENT_SIZES = (option("event-sizes") ?? "50,300,1000").split(",").map(Number);
const BASELINE = option("baseline");
const MINIMAL = !flag("no-minimal");
const SATURATION_N = 100;
const SATURATION_CONNECTIONS = 16;
const SATURATION_SECONDS = QUICK ? 2 : 10;
/** The hook server's default BODY_LIMIT (64 MiB); the bench servers take more, to time N². */
const DEFAULT_BODY_LIMIT = 67_108_864;
const BENCH_BODY_LIMIT = 1024 * 1024 * 1024;
/** V8's longest string (2^29 - 24 characters): a request beyond it cannot even be parsed. */
const MAX_STRING = 2 ** 29 - 24;
const RESULTS = join(REPO_ROOT, "bench-results");
const MINIMAL_SERVER = join(REPO_ROOT, "test", "bench", "minimal-server.ts");

const SYNC_PATH = "/stellarnode/sync";
const HEADERS = { "content-type": "application/json" };
const CLIENT_OPTIONS = {
  keepAliveTimeout: 600_000,
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
};

type ServerName = "current" | "baseline" | "minimal";

interface Target {
  name: ServerName;
  server: RunningServer;
}

const log = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);
const now = (): number => performance.now();

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: cpus().length,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg(),
  };
}

function serverNames(): ServerName[] {
  return [
    "current",
    ...(BASELINE ? (["baseline"] as const) : []),
    ...(MINIMAL ? (["minimal"] as const) : []),
  ];
}

async function start(name: ServerName, env: Record<string, string> = {}): Promise<RunningServer> {
  const profile = flag("cpu-prof") && name === "current";
  switch (name) {
    case "current":
      return startServer({
        env,
        nodeArgs: profile ? ["--cpu-prof", `--cpu-prof-dir=${join(RESULTS, "profiles")}`] : [],
      });
    case "baseline":
      return startServer({ env, main: BASELINE! });
    case "minimal":
      return startServer({ env, main: MINIMAL_SERVER, nodeArgs: ["--import", "tsx"] });
  }
}

async function post(client: Client | Pool, body: Buffer | string, path = SYNC_PATH) {
  const response = await client.request({ path, method: "POST", headers: HEADERS, body });
  const data = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, data };
}

/** The minimal server answers every sync with the response stored here. */
async function prime(target: Target, client: Client | Pool, responseText: string): Promise<void> {
  if (target.name !== "minimal") return;
  const result = await post(client, responseText, "/__response");
  if (result.status !== 204) throw new Error(`minimal server: HTTP ${result.status}`);
}

/** The clock only sets lastTransitionTime, and the in-process clock is fixed: compare without. */
const withoutTransitionTimes = (text: string): string =>
  text.replace(/"lastTransitionTime":"[^"]*"/g, '"lastTransitionTime":"-"');

interface HttpFigures {
  http: Summary;
  /** Median HTTP sync time over the median floor time. */
  httpToFloor: number;
}

interface SizeResult {
  statusPeers: StatusPeers;
  n: number;
  requestBytes: number;
  estimated: boolean;
  exceedsDefaultBodyLimit: boolean;
  skipped?: string;
  responseBytes?: number;
  /** The server's answer equals the in-process sync's (lastTransitionTime aside). */
  sameAsInProcess?: boolean;
  inProcess?: Summary;
  floor?: Summary;
  floorParse?: Summary;
  floorStringify?: Summary;
  /** ETag: hashing our response, what a server must do at least to answer 304. */
  responseHash?: Summary;
  servers?: Partial<Record<ServerName, HttpFigures>>;
}

/** Floor, in-process sync and each server's HTTP sync, interleaved: noise hits all alike. */
async function measureSize(
  targets: readonly Target[],
  statusPeers: StatusPeers,
  n: number,
): Promise<SizeResult> {
  const estimate = estimateBytes({ n, statusPeers });
  const base = { statusPeers, n, exceedsDefaultBodyLimit: estimate > DEFAULT_BODY_LIMIT };
  if (estimate > MAX_STRING * 0.9) {
    return {
      ...base,
      requestBytes: estimate,
      estimated: true,
      skipped: `the request (${bytes(estimate)}) is longer than the longest string V8 can hold (${bytes(MAX_STRING)}): no JSON.parse can read it, and it is far beyond BODY_LIMIT`,
    };
  }
  const group = buildGroup({ n, statusPeers });
  const text = requestMaker(group, relatedJson(group))(0);
  const body = Buffer.from(text);
  const parsed = parseRequest(text);
  const response = syncInProcess(parsed);
  const responseText = JSON.stringify(response);
  const clients = targets.map((target) => new Client(target.server.origin, CLIENT_OPTIONS));
  let sameAsInProcess = true;
  for (const [k, target] of targets.entries()) {
    await prime(target, clients[k]!, responseText);
    const check = await post(clients[k]!, body);
    if (check.status !== 200)
      throw new Error(`${target.name} N=${n} ${statusPeers}: HTTP ${check.status}`);
    if (target.name === "current") {
      sameAsInProcess =
        withoutTransitionTimes(check.data.toString()) === withoutTransitionTimes(responseText);
    }
  }

  const large = body.byteLength > 20e6;
  const minIterations = QUICK ? 3 : large ? 11 : body.byteLength > 2e6 ? 21 : 51;
  const budgetMs = QUICK ? 300 : 6000;
  const maxIterations = 2000;
  const warmup = QUICK ? 1 : large ? 2 : 5;
  const http = targets.map(() => [] as number[]);
  const inProcess: number[] = [];
  const floor: number[] = [];
  const floorParse: number[] = [];
  const floorStringify: number[] = [];
  const responseHash: number[] = [];
  const steps = 2 + targets.length;
  let sink = 0;
  const started = now();
  for (let i = 0; ; i++) {
    const measured = i >= warmup;
    for (let s = 0; s < steps; s++) {
      const step = (i + s) % steps;
      if (step === 0) {
        const t0 = now();
        const object = JSON.parse(text) as unknown;
        const t1 = now();
        const out = JSON.stringify(response);
        const t2 = now();
        const etag = createHash("sha1").update(out).digest("base64");
        const t3 = now();
        sink += out.length + etag.length + (object === null ? 1 : 0);
        if (measured) {
          floorParse.push(t1 - t0);
          floorStringify.push(t2 - t1);
          floor.push(t2 - t0);
          responseHash.push(t3 - t2);
        }
      } else if (step === 1) {
        const t0 = now();
        const out = syncInProcess(parsed);
        const t1 = now();
        sink += out.children.length;
        if (measured) inProcess.push(t1 - t0);
      } else {
        const k = step - 2;
        const t0 = now();
        const result = await post(clients[k]!, body);
        const t1 = now();
        if (result.status !== 200) throw new Error(`${targets[k]!.name}: HTTP ${result.status}`);
        if (measured) http[k]!.push(t1 - t0);
      }
    }
    const count = i + 1 - warmup;
    if (count >= maxIterations) break;
    if (count >= minIterations && now() - started >= budgetMs) break;
  }
  for (const client of clients) await client.close();
  if (sink < 0) log(String(sink));
  const floorSummary = summarize(floor);
  const servers: Partial<Record<ServerName, HttpFigures>> = {};
  for (const [k, target] of targets.entries()) {
    const summary = summarize(http[k]!);
    servers[target.name] = { http: summary, httpToFloor: summary.median / floorSummary.median };
  }
  return {
    ...base,
    requestBytes: body.byteLength,
    estimated: false,
    responseBytes: Buffer.byteLength(responseText),
    sameAsInProcess,
    inProcess: summarize(inProcess),
    floor: floorSummary,
    floorParse: summarize(floorParse),
    floorStringify: summarize(floorStringify),
    responseHash: summarize(responseHash),
    servers,
  };
}

interface SaturationResult {
  server: ServerName;
  statusPeers: StatusPeers;
  n: number;
  connections: number;
  seconds: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  latency: Summary;
  /** The server process's CPU time per request, and the rate that would give one busy core. */
  cpuMsPerRequest: number;
  cpuBoundRate: number;
  floorMs: number;
  floorRate: number;
  /** requestsPerSecond over floorRate. */
  ofFloorRate: number;
  /** cpuBoundRate over floorRate: the same without the other processes of the machine. */
  cpuBoundOfFloorRate: number;
}

async function saturate(
  target: Target,
  statusPeers: StatusPeers,
  floorMs: number,
): Promise<SaturationResult> {
  const group = buildGroup({ n: SATURATION_N, statusPeers });
  const text = requestMaker(group, relatedJson(group))(0);
  const body = Buffer.from(text);
  const pool = new Pool(target.server.origin, {
    ...CLIENT_OPTIONS,
    connections: SATURATION_CONNECTIONS,
    pipelining: 1,
  });
  await prime(target, pool, JSON.stringify(syncInProcess(parseRequest(text))));
  const run = async (seconds: number, latencies: number[]) => {
    let errors = 0;
    const cpu0 = target.server.cpuSeconds();
    const begin = now();
    const deadline = begin + seconds * 1000;
    const worker = async (): Promise<void> => {
      while (now() < deadline) {
        const t0 = now();
        const result = await post(pool, body);
        latencies.push(now() - t0);
        if (result.status !== 200) errors++;
      }
    };
    await Promise.all(Array.from({ length: SATURATION_CONNECTIONS }, worker));
    return { elapsed: now() - begin, errors, cpu: target.server.cpuSeconds() - cpu0 };
  };
  await run(QUICK ? 0.5 : 2, []); // warm-up: connections open, code optimised
  const latencies: number[] = [];
  const { elapsed, errors, cpu } = await run(SATURATION_SECONDS, latencies);
  await pool.close();
  const requestsPerSecond = latencies.length / (elapsed / 1000);
  const cpuMsPerRequest = (cpu * 1000) / latencies.length;
  const floorRate = 1000 / floorMs;
  return {
    server: target.name,
    statusPeers,
    n: SATURATION_N,
    connections: SATURATION_CONNECTIONS,
    seconds: elapsed / 1000,
    requests: latencies.length,
    errors,
    requestsPerSecond,
    latency: summarize(latencies),
    cpuMsPerRequest,
    cpuBoundRate: 1000 / cpuMsPerRequest,
    floorMs,
    floorRate,
    ofFloorRate: requestsPerSecond / floorRate,
    cpuBoundOfFloorRate: 1000 / cpuMsPerRequest / floorRate,
  };
}

interface EventResult {
  server: ServerName;
  statusPeers: StatusPeers;
  n: number;
  /** Syncs one join triggers: every member's, each carrying the whole group. */
  syncs: number;
  sampled: number;
  requestBytesEach: number;
  responseBytesEach: number;
  totalRequestBytes: number;
  totalResponseBytes: number;
  cpuMsPerSync: number;
  totalCpuSeconds: number;
  wallMsPerSync: number;
}

/** One join: n syncs. Measured on a sample of members (their costs are alike), scaled to n. */
/**
 * One join event on each of `targets`, interleaved member by member (as the sizes are), so
 * that a change of the machine's load falls on every server alike.
 */
async function membershipEvents(
  targets: readonly Target[],
  statusPeers: StatusPeers,
  n: number,
): Promise<EventResult[]> {
  const group = buildGroup({ n, statusPeers });
  const make = requestMaker(group, relatedJson(group));
  const first = Buffer.from(make(0));
  const cap = first.byteLength > 20e6 ? 10 : first.byteLength > 2e6 ? 40 : 1000;
  const sampled = Math.min(n, QUICK ? 3 : cap);
  const members = Array.from({ length: sampled }, (_, k) => Math.floor((k * n) / sampled));
  const runs = targets.map((target) => ({
    target,
    client: new Client(target.server.origin, CLIENT_OPTIONS),
    requestBytes: 0,
    responseBytes: 0,
    cpu: 0,
    wall: 0,
  }));
  for (const run of runs) await post(run.client, first); // warm
  for (const [k, member] of members.entries()) {
    const body = member === 0 ? first : Buffer.from(make(member));
    // Each server goes first as often as the others: the first runs right after the client
    // built the request, whose garbage the client may still be collecting.
    const order = runs.map((_, i) => runs[(i + k) % runs.length]!);
    for (const run of order) {
      const cpu0 = run.target.server.cpuSeconds();
      const t0 = now();
      const result = await post(run.client, body);
      run.wall += now() - t0;
      run.cpu += run.target.server.cpuSeconds() - cpu0;
      if (result.status !== 200) throw new Error(`event N=${n}: HTTP ${result.status}`);
      run.requestBytes += body.byteLength;
      run.responseBytes += result.data.byteLength;
    }
  }
  const results: EventResult[] = [];
  for (const run of runs) {
    await run.client.close();
    const cpuMsPerSync = (run.cpu * 1000) / sampled;
    results.push({
      server: run.target.name,
      statusPeers,
      n,
      syncs: n,
      sampled,
      requestBytesEach: Math.round(run.requestBytes / sampled),
      responseBytesEach: Math.round(run.responseBytes / sampled),
      totalRequestBytes: Math.round((run.requestBytes / sampled) * n),
      totalResponseBytes: Math.round((run.responseBytes / sampled) * n),
      cpuMsPerSync,
      totalCpuSeconds: (cpuMsPerSync * n) / 1000,
      wallMsPerSync: run.wall / sampled,
    });
  }
  return results;
}

interface Results {
  benchmark: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof machine>;
  settings: Record<string, unknown>;
  sizes: SizeResult[];
  scaling: { statusPeers: StatusPeers; server: ServerName; ratio: number | undefined }[];
  saturation: SaturationResult[];
  events: EventResult[];
  /** The namespace decorator's sync (absent in results of before it coordinated). */
  decorator?: DecoratorResult[];
  serverPeakRssBytes: {
    sizesAndEvents: Partial<Record<ServerName, number>>;
    saturation: Partial<Record<ServerName, number>>;
  };
}

async function main(): Promise<void> {
  const print = option("print");
  if (print !== undefined) {
    process.stdout.write(`${render(JSON.parse(readFileSync(print, "utf8")) as Results)}\n`);
    return;
  }
  if (flag("hostile")) {
    const { hostileBench } = await import("./hostile.js");
    await hostileBench();
    return;
  }
  if (flag("rollout")) {
    const { rolloutBench } = await import("./rollout.js");
    await rolloutBench(args);
    return;
  }
  if (flag("e2e")) {
    const { main: e2e } = await import("./e2e.js");
    await e2e(args);
    return;
  }
  const startedAt = new Date().toISOString();
  mkdirSync(RESULTS, { recursive: true });

  // 1. Sizes: floor, in-process and HTTP sync, every server interleaved.
  const env = { BODY_LIMIT: String(BENCH_BODY_LIMIT) };
  const targets: Target[] = [];
  for (const name of serverNames()) targets.push({ name, server: await start(name, env) });
  const sizes: SizeResult[] = [];
  for (const mode of MODES) {
    for (const n of SIZES) {
      log(`sync, status.peers ${mode}, N=${n}`);
      sizes.push(await measureSize(targets, mode, n));
    }
  }
  // 1b. The namespace decorator's sync, this tree only: the coordinated groups' one full read.
  const decorator: DecoratorResult[] = [];
  const current = targets.find((t) => t.name === "current");
  for (const n of current === undefined ? [] : SIZES.filter((size) => size <= 5000)) {
    log(`namespace decorator sync, N=${n}`);
    decorator.push(...(await measureDecorator(current!.server.origin, n, QUICK)));
  }
  // 2. Membership events, on our builds, interleaved.
  const events: EventResult[] = [];
  for (const mode of MODES) {
    for (const n of EVENT_SIZES) {
      log(`membership event, status.peers ${mode}, N=${n}`);
      events.push(
        ...(await membershipEvents(
          targets.filter((t) => t.name !== "minimal"),
          mode,
          n,
        )),
      );
    }
  }
  const mainPeakRss: Partial<Record<ServerName, number>> = {};
  for (const target of targets) {
    mainPeakRss[target.name] = target.server.peakRssBytes();
    await target.server.stop();
  }

  // 3. Saturation, each server fresh, with the default configuration.
  const saturation: SaturationResult[] = [];
  const saturationPeakRss: Partial<Record<ServerName, number>> = {};
  for (const name of serverNames()) {
    const target: Target = { name, server: await start(name) };
    for (const mode of MODES) {
      const floorMs = sizes.find((s) => s.statusPeers === mode && s.n === SATURATION_N)?.floor
        ?.median;
      if (floorMs === undefined) continue;
      log(`saturation, status.peers ${mode}, N=${SATURATION_N}, ${name}`);
      saturation.push(await saturate(target, mode, floorMs));
    }
    saturationPeakRss[name] = target.server.peakRssBytes();
    await target.server.stop();
  }

  const scaling = MODES.flatMap((mode) =>
    serverNames().map((server) => {
      const at = (n: number): number | undefined =>
        sizes.find((s) => s.statusPeers === mode && s.n === n)?.servers?.[server]?.http.median;
      const a = at(1000);
      const b = at(5000);
      return {
        statusPeers: mode,
        server,
        ratio: a !== undefined && b !== undefined ? b / a : undefined,
      };
    }),
  );
  const results: Results = {
    benchmark: "stellar-peers sync hook",
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    settings: {
      quick: QUICK,
      benchServerBodyLimit: BENCH_BODY_LIMIT,
      defaultBodyLimit: DEFAULT_BODY_LIMIT,
      baseline: BASELINE ?? null,
      saturation: {
        n: SATURATION_N,
        connections: SATURATION_CONNECTIONS,
        seconds: SATURATION_SECONDS,
      },
    },
    sizes,
    scaling,
    saturation,
    events,
    decorator,
    serverPeakRssBytes: { sizesAndEvents: mainPeakRss, saturation: saturationPeakRss },
  };
  const stamp = startedAt.replace(/[:.]/g, "-");
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(RESULTS, `bench-${stamp}.json`), json);
  writeFileSync(join(RESULTS, "bench-latest.json"), json);
  process.stdout.write(
    `${render(results)}\n\nJSON: bench-results/bench-${stamp}.json (and bench-results/bench-latest.json)\n`,
  );
}

function label(mode: StatusPeers): string {
  return mode === "view"
    ? "view (today, COORDINATED_ROLLOUT=on)"
    : mode === "capped"
      ? "capped (today, the default)"
      : mode === "full"
        ? "full (before the cap)"
        : "none";
}

/** The figures as text tables. */
function render(results: Results): string {
  const out: string[] = [];
  const m = results.machine;
  const names = (["current", "baseline", "minimal"] as const).filter((name) =>
    results.sizes.some((s) => s.servers?.[name] !== undefined),
  );
  const others = names.filter((name) => name !== "current");
  out.push(
    `stellar-peers sync benchmark, ${results.startedAt}: ${results.command}`,
    `${m.nproc} x ${m.cpuModel}, ${bytes(m.memoryBytes)}, Node ${m.node}, load ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`,
    "times in ms, median and p99 of the samples; floor = JSON.parse(request) + JSON.stringify(response) in the client",
    "",
  );
  const header = [
    "status.peers",
    "N",
    "request",
    "response",
    "HTTP med",
    "HTTP p99",
    "in-proc med",
    "in-proc p99",
    "floor med",
    "HTTP/floor",
    ...others.flatMap((name) => [`${name} med`, `${name}/floor`]),
    "samples",
  ];
  const rows = results.sizes.map((s) => {
    if (s.skipped) {
      return [
        label(s.statusPeers),
        String(s.n),
        `~${bytes(s.requestBytes)}`,
        ...header.slice(3).map(() => "-"),
      ];
    }
    const current = s.servers?.current;
    return [
      label(s.statusPeers),
      String(s.n),
      `${bytes(s.requestBytes)}${s.exceedsDefaultBodyLimit ? " *" : ""}`,
      bytes(s.responseBytes ?? Number.NaN),
      ms(current?.http.median ?? Number.NaN),
      ms(current?.http.p99 ?? Number.NaN),
      ms(s.inProcess?.median ?? Number.NaN),
      ms(s.inProcess?.p99 ?? Number.NaN),
      ms(s.floor?.median ?? Number.NaN),
      current?.httpToFloor.toFixed(2) ?? "-",
      ...others.flatMap((name) => {
        const figures = s.servers?.[name];
        return [ms(figures?.http.median ?? Number.NaN), figures?.httpToFloor.toFixed(2) ?? "-"];
      }),
      String(current?.http.samples ?? "-"),
    ];
  });
  out.push(table(header, rows));
  for (const s of results.sizes) {
    if (s.skipped) out.push(`  N=${s.n}, status.peers ${s.statusPeers}: skipped: ${s.skipped}`);
    else if (s.sameAsInProcess === false) {
      out.push(
        `  N=${s.n}, status.peers ${s.statusPeers}: the server's answer DIFFERS from the in-process sync`,
      );
    }
  }
  if (results.sizes.some((s) => s.exceedsDefaultBodyLimit && !s.skipped)) {
    out.push(
      "  * over the default BODY_LIMIT (64 MiB): a default server answers 413; timed here with a 1 GiB limit",
    );
  }
  out.push("");
  out.push(
    "ETag (Metacontroller's If-None-Match): a 304 saves the response bytes only; the server still parses the request and renders the response to hash it",
    table(
      [
        "status.peers",
        "N",
        "request",
        "response",
        "response share",
        "sha1(response) ms",
        "of HTTP time",
      ],
      results.sizes
        .filter((s) => !s.skipped)
        .map((s) => [
          label(s.statusPeers),
          String(s.n),
          bytes(s.requestBytes),
          bytes(s.responseBytes ?? Number.NaN),
          `${(((s.responseBytes ?? 0) / (s.requestBytes + (s.responseBytes ?? 0))) * 100).toFixed(1)}%`,
          ms(s.responseHash?.median ?? Number.NaN),
          `${(((s.responseHash?.median ?? 0) / (s.servers?.current?.http.median ?? 1)) * 100).toFixed(1)}%`,
        ]),
    ),
    "",
  );
  for (const s of results.scaling) {
    out.push(
      `scaling, status.peers ${label(s.statusPeers)}, ${s.server}: HTTP time N=5000 / N=1000 = ${s.ratio === undefined ? "n/a" : s.ratio.toFixed(2)}`,
    );
  }
  out.push("");
  out.push(
    table(
      [
        "saturation",
        "server",
        "N",
        "conns",
        "req/s",
        "p50",
        "p99",
        "floor rate",
        "of floor",
        "CPU/req",
        "per CPU-s",
        "of floor",
      ],
      results.saturation.map((s) => [
        label(s.statusPeers),
        s.server,
        String(s.n),
        String(s.connections),
        s.requestsPerSecond.toFixed(0),
        ms(s.latency.median),
        ms(s.latency.p99),
        `${s.floorRate.toFixed(0)}/s`,
        `${(s.ofFloorRate * 100).toFixed(0)}%`,
        ms(s.cpuMsPerRequest),
        `${s.cpuBoundRate.toFixed(0)}/s`,
        `${(s.cpuBoundOfFloorRate * 100).toFixed(0)}%`,
      ]),
    ),
  );
  const rss = (record: Partial<Record<ServerName, number>>): string =>
    Object.entries(record)
      .map(([name, value]) => `${bytes(value)} (${name})`)
      .join(", ");
  out.push(
    `server peak RSS (VmHWM): after all sizes and events ${rss(results.serverPeakRssBytes.sizesAndEvents)}; after saturation alone ${rss(results.serverPeakRssBytes.saturation)}`,
    "",
  );
  out.push(
    table(
      [
        "join event",
        "server",
        "N",
        "syncs",
        "bytes each",
        "total bytes",
        "CPU/sync ms",
        "total CPU s",
        "sampled",
      ],
      results.events.map((e) => [
        label(e.statusPeers),
        e.server,
        String(e.n),
        String(e.syncs),
        bytes(e.requestBytesEach),
        bytes(e.totalRequestBytes + e.totalResponseBytes),
        ms(e.cpuMsPerSync),
        e.totalCpuSeconds.toFixed(2),
        String(e.sampled),
      ]),
    ),
  );
  if (results.decorator !== undefined && results.decorator.length > 0) {
    out.push(
      "",
      "The namespace decorator's sync (this tree): the group view and every pending member's turn",
      table(
        ["N", "members", "request", "response", "floor", "in-process", "HTTP", "HTTP / floor"],
        results.decorator.map((d) => [
          String(d.n),
          d.state,
          bytes(d.requestBytes),
          bytes(d.responseBytes),
          ms(d.floor.median),
          ms(d.inProcess.median),
          ms(d.http.median),
          d.httpToFloor.toFixed(2),
        ]),
      ),
    );
  }
  return out.join("\n");
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
