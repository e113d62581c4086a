/**
 * `npm run bench -- --e2e`: what a membership event costs on the real cluster harness
 * (test/e2e/cluster/: API server, Metacontroller, kwok). For groups of 3, 10, 30 and 50
 * (members after a join), size - 1 validators run Ready on kwok; then one joins and is
 * deleted again. For each event: the sync requests the hook server answered (its request
 * counter) and its CPU seconds (/proc), up to every member's X-peers listing (dropping) the
 * member (the discovery burst), until no sync came for 2 s, and up to the last member Ready
 * on the template of its new list (the whole event, the paced rollout included).
 * `--strategy=LiveConnect` measures groups whose new peer lists restart nobody
 * (spec.peerDiscovery.updateStrategy): their whole event is the burst, no rollout.
 *
 * Needs the cluster up with Metacontroller and the product's controllers (an e2e run leaves
 * them) and a free pool of volumes (a group of 50 takes 50; E2E_PV_COUNT): run it while no
 * e2e run holds the lock, so that it starts its own hook server from dist/:
 * `flock /tmp/stellar-peers-e2e.lock npm run bench -- --e2e`. Each group lives in its own
 * namespace bench-e2e-<size>-<random> (without the e2e label), deleted at the end.
 *
 *   npm run bench -- --e2e [--sizes=3,10,30,50] [--runs=1] [--settle=15]
 *                          [--strategy=QuorumSafe|LiveConnect] [--coordinated-rollout=on|off]
 *
 * `--coordinated-rollout` is the hook server's COORDINATED_ROLLOUT (default here: on, the
 * namespace decorator coordinating the groups; off, every member relating every StellarNode,
 * as the product's default in this release).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { applyObjects, getJson, kubectl, type KubeList } from "../e2e/support/kube.js";
import { KubectlLineStream } from "../e2e/support/kubectl-stream.js";
import { createValidatorsWith } from "../e2e/support/rollout.js";
import { REPO_ROOT } from "./server-runner.js";
import { bytes, median, ms, table } from "./stats.js";

const HOOK_ORIGIN = "http://127.0.0.1:18080";
const RESULTS = join(REPO_ROOT, "bench-results");
const CLUSTER_ENV = join(REPO_ROOT, ".cluster", "env");

/** Ends a watch record: the peers ConfigMap's data holds newlines. */
const RECORD_END = "\u0001\n";

const log = (text: string): void => void process.stderr.write(`[bench e2e] ${text}\n`);

/** The hook server's COORDINATED_ROLLOUT, from --coordinated-rollout (main). */
let coordinated: "on" | "off" = "on";
const coordinatedRollout = (): string => coordinated;

type UpdateStrategy = "QuorumSafe" | "LiveConnect";

function address(namespace: string, name: string): string {
  return `${name}-0.${name}.${namespace}.svc.cluster.local:11625`;
}

/**
 * Every change of the namespace's peers ConfigMaps as it happens, from one
 * `kubectl get -w` watch: which addresses each `X-peers` lists, and when it started to.
 */
class PeersWatch {
  readonly lists = new Map<string, Set<string>>();
  /** configmap name -> address -> first time (performance.now) it was listed. */
  readonly listedSince = new Map<string, Map<string, number>>();
  private readonly stream: KubectlLineStream;

  private constructor(namespace: string) {
    this.stream = new KubectlLineStream(
      KubectlLineStream.watchArgs(
        "configmaps",
        namespace,
        '{.type}|{.object.metadata.name}|{.object.data.KNOWN_PEERS}{"\\u0001\\n"}',
      ),
      (fields) => this.receive(fields, performance.now()),
      RECORD_END,
    );
  }

  static start(namespace: string): PeersWatch {
    return new PeersWatch(namespace);
  }

  private receive([type, name, peers]: string[], at: number): void {
    // kubectl prints no tab from a jsonpath literal: "|" separates, and KNOWN_PEERS has none.
    if (name === undefined || !name.endsWith("-peers")) return;
    if (type === "DELETED") {
      this.lists.delete(name);
      this.listedSince.delete(name);
      return;
    }
    const listed = new Set((peers ?? "").split("\n").filter((line) => line !== ""));
    this.lists.set(name, listed);
    const since = this.listedSince.get(name) ?? new Map<string, number>();
    for (const peer of listed) if (!since.has(peer)) since.set(peer, at);
    for (const peer of since.keys()) if (!listed.has(peer)) since.delete(peer);
    this.listedSince.set(name, since);
  }

  /** Whether every member's list holds exactly the other members. */
  converged(namespace: string, members: readonly string[]): boolean {
    return members.every((name) => {
      const list = this.lists.get(`${name}-peers`);
      if (list === undefined) return false;
      const others = members.filter((m) => m !== name).map((m) => address(namespace, m));
      return list.size === others.length && others.every((a) => list.has(a));
    });
  }

  stop(): void {
    this.stream.stop();
  }
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

/**
 * Sync requests the hook server has answered: the StellarNodes' and the namespace
 * decorator's (which coordinates the rollout of namespace-scoped groups), or one of them.
 */
async function hookSyncCount(
  hooks: readonly string[] = ["stellarnode-sync", "namespace-sync"],
): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${HOOK_ORIGIN}/metrics`)).text();
    let total = 0;
    for (const hook of hooks) {
      const line = text
        .split("\n")
        .find(
          (l) => l.startsWith("stellar_peers_hook_requests_total{") && l.includes(`hook="${hook}"`),
        );
      total += line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Waits until the hook server has answered no sync for `quietMs`; its count then. */
async function waitForQuiet(quietMs: number, timeoutMs: number): Promise<number | undefined> {
  let last = await hookSyncCount();
  let since = performance.now();
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    await sleep(250);
    const count = await hookSyncCount();
    if (count !== last) {
      last = count;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) {
      break;
    }
  }
  return last;
}

async function hookServerUp(): Promise<boolean> {
  try {
    return (await fetch(`${HOOK_ORIGIN}/readyz`)).ok;
  } catch {
    return false;
  }
}

export async function ensureHookServer(): Promise<{
  own: boolean;
  pid: number | undefined;
  stop: () => Promise<void>;
}> {
  if (await hookServerUp()) {
    // An e2e run's server (test/e2e/run.sh writes its pid here).
    const pidFile = join(REPO_ROOT, ".cluster", "pids", "hooks.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : Number.NaN;
    return {
      own: false,
      pid: Number.isInteger(pid) ? pid : undefined,
      stop: async () => undefined,
    };
  }
  const child = spawn(process.execPath, [join(REPO_ROOT, "dist", "hooks", "main.js")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: "18080",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_SECONDS: "0",
      // As test/e2e/run.sh starts it: LiveConnect needs one (kwok runs no containers).
      SIDECAR_IMAGE: "stellar-peers:e2e",
      COORDINATED_ROLLOUT: coordinatedRollout(),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; !(await hookServerUp()); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error("could not start the hook server");
    await sleep(100);
  }
  return {
    own: true,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await sleep(500);
    },
  };
}

export async function ensureController(): Promise<void> {
  const present = await kubectl(["get", "compositecontroller", "stellarnode", "-o", "name"]).then(
    () => true,
    () => false,
  );
  if (present) return;
  log("applying manifests/overlays/local (CRD and CompositeController)");
  await kubectl(["apply", "-k", join(REPO_ROOT, "manifests", "overlays", "local")]);
  await kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/stellarnodes.stellar.org",
  ]);
}

/** Each member's rollout status, from one `kubectl get stellarnodes -w` watch. */
class StatusWatch {
  readonly states = new Map<string, MemberStatus>();
  /** Updates of the namespace's StellarNodes seen (status writes, mostly). */
  updates = 0;
  private readonly stream: KubectlLineStream;

  private constructor(namespace: string) {
    this.stream = new KubectlLineStream(
      KubectlLineStream.watchArgs(
        "stellarnodes",
        namespace,
        "{.type}|{.object.metadata.name}|{.object.status.pendingRestart}|{.object.status.rollout.ready}|{.object.status.rollout.templateHash}|{.object.status.rollout.appliedTemplateHash}|{.object.status.rollout.groupSize}" +
          '{"\\u0001\\n"}',
      ),
      (fields) => this.receive(fields),
      RECORD_END,
    );
  }

  static start(namespace: string): StatusWatch {
    return new StatusWatch(namespace);
  }

  private receive([type, name, pending, ready, desired, applied, groupSize]: string[]): void {
    if (name === undefined) return;
    if (type === "MODIFIED") this.updates++;
    if (type === "DELETED") {
      this.states.delete(name);
      return;
    }
    this.states.set(name, {
      settled: pending === "false" && ready === "true" && desired !== "" && desired === applied,
      groupSize: Number(groupSize),
    });
  }

  /** Every member runs Ready on the template of a group of `members.length`, nothing pending. */
  settled(members: readonly string[]): boolean {
    return members.every((name) => {
      const state = this.states.get(name);
      return state?.settled === true && state.groupSize === members.length;
    });
  }

  stop(): void {
    this.stream.stop();
  }
}

interface MemberStatus {
  settled: boolean;
  groupSize: number;
}

/** The hook server's CPU seconds (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface EventResult {
  size: number;
  event: "join" | "delete";
  run: number;
  /** From the create (delete) to every member's X-peers listing (dropping) the member. */
  discoveryMs: number;
  discoverySyncs: number | undefined;
  /** Sync requests from the create until none came for 2 s (at most until settleSeconds). */
  burstSyncs: number | undefined;
  /** From the create (delete) to the last member Ready on the template of its new list. */
  wholeMs: number;
  wholeSyncs: number | undefined;
  /** Of wholeSyncs, the namespace decorator's. */
  wholeDecoratorSyncs: number | undefined;
  wholeCpuSeconds: number | undefined;
  /** StellarNode updates the watch saw in the whole event (status writes). */
  statusWrites: number;
}

const quietOrDeadline = async (quietMs: number, deadline: number): Promise<number | undefined> =>
  waitForQuiet(quietMs, Math.max(quietMs, deadline - performance.now()));

async function measureEvent(
  kind: "join" | "delete",
  run: number,
  namespace: string,
  members: readonly string[],
  joiner: string,
  spec: Record<string, unknown>,
  watches: { peers: PeersWatch; statuses: StatusWatch },
  hookPid: number | undefined,
  settleSeconds: number,
): Promise<EventResult> {
  const after = kind === "join" ? [...members, joiner] : [...members];
  const joinerAddress = address(namespace, joiner);
  const syncs0 = await waitForQuiet(2000, 120_000);
  const decorator0 = await hookSyncCount(["namespace-sync"]);
  const cpu0 = cpuSeconds(hookPid);
  const updates0 = watches.statuses.updates;
  const t0 = performance.now();
  if (kind === "join") {
    await createValidatorsWith(namespace, [joiner], spec);
  } else {
    await kubectl(["delete", "stellarnode", joiner, "-n", namespace, "--wait=false"]);
  }
  await waitUntil(
    `${namespace}: every member ${kind === "join" ? "lists" : "drops"} ${joiner}`,
    () =>
      kind === "join"
        ? watches.peers.converged(namespace, after)
        : members.every((m) => !watches.peers.lists.get(`${m}-peers`)?.has(joinerAddress)),
    300_000,
  );
  const discoveryMs = performance.now() - t0;
  const discoverySyncs = await hookSyncCount();
  const burst = await quietOrDeadline(2000, t0 + settleSeconds * 1000);
  await waitUntil(
    `${namespace}: every member Ready on the template of its new list`,
    () => watches.statuses.settled(after),
    1_200_000,
  );
  const wholeMs = performance.now() - t0;
  const syncs1 = await hookSyncCount();
  const decorator1 = await hookSyncCount(["namespace-sync"]);
  const cpu1 = cpuSeconds(hookPid);
  const minus = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a - b;
  const result: EventResult = {
    size: members.length + 1,
    event: kind,
    run,
    discoveryMs,
    discoverySyncs: minus(discoverySyncs, syncs0),
    burstSyncs: minus(burst, syncs0),
    wholeMs,
    wholeSyncs: minus(syncs1, syncs0),
    wholeDecoratorSyncs: minus(decorator1, decorator0),
    wholeCpuSeconds: minus(cpu1, cpu0),
    statusWrites: watches.statuses.updates - updates0,
  };
  log(
    `group of ${result.size}, ${kind} ${run}: discovery ${ms(discoveryMs)} ms (${result.discoverySyncs} syncs), burst ${result.burstSyncs} syncs, whole ${ms(wholeMs)} ms (${result.wholeSyncs} syncs, ${result.wholeDecoratorSyncs} of the decorator, ${result.wholeCpuSeconds?.toFixed(2)} CPU s, ${result.statusWrites} status writes)`,
  );
  return result;
}

async function recyclePvs(): Promise<void> {
  await new Promise<void>((resolve) => {
    const child = spawn("bash", [join(REPO_ROOT, "test", "e2e", "cluster", "recycle-pvs.sh")], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", () => resolve());
  });
}

/**
 * A group of `size` (after a join): size - 1 validators run Ready, then one joins and is
 * deleted again, `runs` times; each event measured from the apply to the last member Ready
 * on the template of its new list.
 */
async function measureGroup(
  size: number,
  runs: number,
  settleSeconds: number,
  updateStrategy: UpdateStrategy,
  hookPid: number | undefined,
): Promise<EventResult[]> {
  const namespace = `bench-e2e-${size}-${randomBytes(3).toString("hex")}`;
  const spec = { peerDiscovery: { settleSeconds, updateStrategy } };
  await recyclePvs();
  await applyObjects([{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }]);
  const peers = PeersWatch.start(namespace);
  const statuses = StatusWatch.start(namespace);
  const results: EventResult[] = [];
  try {
    const members = Array.from({ length: size - 1 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    if (members.length > 0) await createValidatorsWith(namespace, members, spec);
    await waitUntil(
      `${namespace}: the first ${members.length} validators list each other and run Ready`,
      () => peers.converged(namespace, members) && statuses.settled(members),
      900_000,
    );
    log(
      `${namespace}: group of ${members.length} runs Ready; one joins and leaves ${runs} time(s)`,
    );
    for (let run = 0; run < runs; run++) {
      const joiner = `join-${run}`;
      const watches = { peers, statuses };
      results.push(
        await measureEvent(
          "join",
          run,
          namespace,
          members,
          joiner,
          spec,
          watches,
          hookPid,
          settleSeconds,
        ),
        await measureEvent(
          "delete",
          run,
          namespace,
          members,
          joiner,
          spec,
          watches,
          hookPid,
          settleSeconds,
        ),
      );
    }
  } finally {
    peers.stop();
    statuses.stop();
    await kubectl(["delete", "namespace", namespace, "--wait=true", "--timeout=300s"]).catch(
      (error: unknown) => log(`could not delete ${namespace}: ${String(error)}`),
    );
  }
  return results;
}

export async function main(args: readonly string[]): Promise<void> {
  const option = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = (option("sizes") ?? "3,10,30,50").split(",").map(Number);
  const runs = Number(option("runs") ?? 1);
  const settleSeconds = Number(option("settle") ?? 15);
  const coordination = option("coordinated-rollout") ?? "on";
  if (coordination !== "on" && coordination !== "off") {
    throw new Error(`--coordinated-rollout=${coordination}: on or off`);
  }
  coordinated = coordination;
  const updateStrategy = option("strategy") ?? "QuorumSafe";
  if (updateStrategy !== "QuorumSafe" && updateStrategy !== "LiveConnect") {
    throw new Error(`--strategy=${updateStrategy}: QuorumSafe or LiveConnect`);
  }
  if (
    !existsSync(CLUSTER_ENV) ||
    !/^E2E_METACONTROLLER=running$/m.test(readFileSync(CLUSTER_ENV, "utf8"))
  ) {
    throw new Error(
      `${CLUSTER_ENV} does not say Metacontroller runs: bring the harness up (test/e2e/run.sh)`,
    );
  }
  const nodes = await getJson<KubeList<unknown>>(["get", "nodes"]);
  log(`cluster has ${nodes.items.length} node(s)`);
  await ensureController();
  const hooks = await ensureHookServer();
  log(
    hooks.own
      ? `started a hook server on 127.0.0.1:18080 (pid ${hooks.pid})`
      : `using the hook server on 127.0.0.1:18080 (pid ${hooks.pid ?? "unknown: no CPU figures"})`,
  );
  const startedAt = new Date().toISOString();
  const events: EventResult[] = [];
  try {
    for (const size of sizes) {
      events.push(...(await measureGroup(size, runs, settleSeconds, updateStrategy, hooks.pid)));
    }
  } finally {
    await hooks.stop();
  }
  const results = {
    benchmark: "stellar-peers: what a membership event costs, on the e2e cluster",
    command: `npm run bench -- ${args.join(" ")}`,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      nproc: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryBytes: totalmem(),
      node: process.version,
      loadAverageAtStart: loadavg(),
    },
    hookServer: hooks.own ? "started by the benchmark" : "already running (shared)",
    settleSeconds,
    updateStrategy,
    coordinatedRollout: coordinated,
    events,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  writeFileSync(join(RESULTS, `e2e-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(RESULTS, "e2e-latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderEvents(results)}\n\nJSON: bench-results/e2e-${stamp}.json\n`);
}

/** The per-event table (medians over the runs). */
export function renderEvents(results: {
  startedAt: string;
  machine: { nproc: number; cpuModel: string; memoryBytes: number; node: string };
  hookServer: string;
  settleSeconds: number;
  /** Absent in results written before the option (QuorumSafe). */
  updateStrategy?: string;
  /** Absent in results written before the option (off: it did not exist). */
  coordinatedRollout?: string;
  events: EventResult[];
}): string {
  const m = results.machine;
  const keys = [...new Set(results.events.map((e) => `${e.size}|${e.event}`))];
  const med = (values: (number | undefined)[]): number =>
    median(values.map((v) => v ?? Number.NaN));
  const count = (value: number, size: number): string =>
    Number.isFinite(value) ? `${value} (${(value / size).toFixed(1)})` : "-";
  const rows = keys.map((key) => {
    const mine = results.events.filter((e) => `${e.size}|${e.event}` === key);
    const { size, event } = mine[0]!;
    const cpu = med(mine.map((e) => e.wholeCpuSeconds));
    return [
      String(size),
      event,
      String(mine.length),
      ms(med(mine.map((e) => e.discoveryMs))),
      count(med(mine.map((e) => e.discoverySyncs)), size),
      count(med(mine.map((e) => e.burstSyncs)), size),
      `${(med(mine.map((e) => e.wholeMs)) / 1000).toFixed(1)} s`,
      count(med(mine.map((e) => e.wholeSyncs)), size),
      String(med(mine.map((e) => e.wholeDecoratorSyncs))),
      Number.isFinite(cpu) ? cpu.toFixed(2) : "-",
      String(med(mine.map((e) => e.statusWrites))),
    ];
  });
  return [
    `stellar-peers: what a membership event costs on the e2e cluster, ${results.startedAt}`,
    `${m.nproc} x ${m.cpuModel}, ${bytes(m.memoryBytes)}, Node ${m.node}; hook server ${results.hookServer}; settleSeconds ${results.settleSeconds}; updateStrategy ${results.updateStrategy ?? "QuorumSafe"}; COORDINATED_ROLLOUT ${results.coordinatedRollout ?? "off (before the option)"}`,
    "group: members after a join (before a delete); syncs: sync requests the hook server answered, the StellarNodes' and the namespace decorator's (per member);",
    "discovery: create (delete) to every X-peers listing (dropping) it; burst: until no sync for 2 s (at most settleSeconds);",
    "whole: to the last member Ready on the template of its new list; status writes: StellarNode updates seen by a watch",
    "",
    table(
      [
        "group",
        "event",
        "runs",
        "discovery",
        "syncs to discovery",
        "burst syncs",
        "whole",
        "whole syncs",
        "of which decorator",
        "hook CPU s",
        "status writes",
      ],
      rows,
    ),
  ].join("\n");
}
