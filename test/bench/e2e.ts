/**
 * `npm run bench -- --e2e`: convergence on the real cluster harness (test/e2e/cluster/):
 * the time from creating a validator to every other validator's `X-peers` ConfigMap
 * listing it, for groups of 3, 10 and 30, several joins each.
 *
 * Needs the cluster up (`bash test/e2e/cluster/up.sh`) with Metacontroller running, and the
 * product's CRD and CompositeController (manifests/overlays/local, applied if missing). It
 * uses the hook server on 127.0.0.1:18080 if one answers there (an e2e run's), else starts
 * one from dist/ and stops it at the end. Each group lives in its own namespace
 * bench-e2e-<size>-<random> (without the e2e label, so e2e runs leave it alone), deleted at
 * the end. Volume claims name a storage class no volume has, so the benchmark takes no
 * volume from the harness's pool; the peers ConfigMap does not wait for pods.
 *
 *   npm run bench -- --e2e [--sizes=3,10,30] [--runs=5]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  applyObjects,
  getJson,
  kubectl,
  spawnKubectl,
  type KubeList,
} from "../e2e/support/kube.js";
import { validatorObjects } from "../e2e/support/stellar.js";
import { REPO_ROOT } from "./server-runner.js";
import { bytes, median, ms, table } from "./stats.js";

const HOOK_ORIGIN = "http://127.0.0.1:18080";
const RESULTS = join(REPO_ROOT, "bench-results");
const READY_FILE = "/tmp/harness-ready";
/** The earlier operator re-read the namespace every 30 s. */
const EARLIER_POLL_SECONDS = 30;

const log = (text: string): void => void process.stderr.write(`[bench e2e] ${text}\n`);

function address(namespace: string, name: string): string {
  return `${name}-0.${name}.${namespace}.svc.cluster.local:11625`;
}

/** A StellarNode and its seed Secret, with claims no volume of the pool can satisfy. */
function validator(namespace: string, name: string): object[] {
  return validatorObjects(namespace, name).map((object) => {
    const o = object as { kind: string; spec?: { storage?: Record<string, unknown> } };
    if (o.kind === "StellarNode" && o.spec?.storage) {
      o.spec.storage = { storageClass: "bench-e2e-no-volumes", size: "1Gi" };
    }
    return object;
  });
}

/**
 * Every change of the namespace's peers ConfigMaps as it happens, from one
 * `kubectl get -w` watch: which addresses each `X-peers` lists, and when it started to.
 */
class PeersWatch {
  private buffered = "";
  readonly lists = new Map<string, Set<string>>();
  /** configmap name -> address -> first time (performance.now) it was listed. */
  readonly listedSince = new Map<string, Map<string, number>>();

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.receive(chunk));
  }

  static start(namespace: string): PeersWatch {
    return new PeersWatch(
      spawnKubectl([
        "get",
        "configmaps",
        "-n",
        namespace,
        "-w",
        "--output-watch-events",
        "-o",
        'jsonpath={.type}|{.object.metadata.name}|{.object.data.KNOWN_PEERS}{"\\u0001\\n"}',
      ]),
    );
  }

  private receive(chunk: string): void {
    const at = performance.now();
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf("\u0001\n")) >= 0) {
      const record = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      // kubectl prints no tab from a jsonpath literal: "|" separates, and KNOWN_PEERS has none.
      const [type, name, peers] = record.split("|");
      if (name === undefined || !name.endsWith("-peers")) continue;
      if (type === "DELETED") {
        this.lists.delete(name);
        this.listedSince.delete(name);
        continue;
      }
      const listed = new Set((peers ?? "").split("\n").filter((line) => line !== ""));
      this.lists.set(name, listed);
      const since = this.listedSince.get(name) ?? new Map<string, number>();
      for (const peer of listed) if (!since.has(peer)) since.set(peer, at);
      for (const peer of since.keys()) if (!listed.has(peer)) since.delete(peer);
      this.listedSince.set(name, since);
    }
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
    this.child.kill();
  }
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

async function hookSyncCount(): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${HOOK_ORIGIN}/metrics`)).text();
    const line = text
      .split("\n")
      .find(
        (l) =>
          l.startsWith("stellar_peers_hook_requests_total{") &&
          l.includes('hook="stellarnode-sync"'),
      );
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
  } catch {
    return undefined;
  }
}

interface JoinResult {
  size: number;
  run: number;
  /** From just before `kubectl apply` of the new validator to the last member listing it. */
  convergenceMs: number;
  /** The first member listing it. */
  firstMs: number;
  /** How long `kubectl apply` took (a process start and one request), part of the above. */
  applyMs: number;
  /** Sync requests the hook server answered until convergence (all traffic, if shared). */
  syncs: number | undefined;
  /**
   * ... and until no sync came for 2 s: the burst the join sets off. The quorum-safe rollout
   * that follows (after settleSeconds, one member at a time) is not in it.
   */
  syncsUntilQuiet: number | undefined;
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

export async function ensureHookServer(): Promise<{ own: boolean; stop: () => Promise<void> }> {
  if (await hookServerUp()) return { own: false, stop: async () => undefined };
  const child = spawn(process.execPath, [join(REPO_ROOT, "dist", "hooks", "main.js")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: "18080",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_SECONDS: "0",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; !(await hookServerUp()); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error("could not start the hook server");
    await sleep(100);
  }
  return {
    own: true,
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

async function measureGroup(size: number, runs: number): Promise<JoinResult[]> {
  const namespace = `bench-e2e-${size}-${randomBytes(3).toString("hex")}`;
  await applyObjects([{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }]);
  const watch = PeersWatch.start(namespace);
  const results: JoinResult[] = [];
  try {
    const members = Array.from({ length: size - 1 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    if (members.length > 0) {
      await applyObjects(members.flatMap((name) => validator(namespace, name)));
    }
    await waitUntil(
      `${namespace}: the first ${members.length} validators list each other`,
      () => watch.converged(namespace, members),
      300_000,
    );
    log(`${namespace}: group of ${members.length} converged; joining one validator ${runs} times`);
    for (let run = 0; run < runs; run++) {
      const joiner = `join-${run}`;
      const joinerAddress = address(namespace, joiner);
      const syncs0 = await waitForQuiet(2000, 60_000); // the previous change has settled
      const t0 = performance.now();
      await applyObjects(validator(namespace, joiner));
      const applied = performance.now();
      await waitUntil(
        `${namespace}: every member lists ${joiner}`,
        () => members.every((m) => watch.listedSince.get(`${m}-peers`)?.has(joinerAddress)),
        120_000,
      );
      const times = members.map((m) => watch.listedSince.get(`${m}-peers`)!.get(joinerAddress)!);
      const syncs1 = await hookSyncCount();
      const syncs2 = await waitForQuiet(2000, 60_000);
      const result: JoinResult = {
        size,
        run,
        convergenceMs: Math.max(...times, t0) - t0,
        firstMs: Math.min(...times) - t0,
        applyMs: applied - t0,
        syncs: syncs0 === undefined || syncs1 === undefined ? undefined : syncs1 - syncs0,
        syncsUntilQuiet: syncs0 === undefined || syncs2 === undefined ? undefined : syncs2 - syncs0,
      };
      log(`group of ${size}, join ${run}: ${ms(result.convergenceMs)} ms`);
      results.push(result);
      // Leave the group as it was: the joiner goes, and everybody drops it.
      await kubectl(["delete", "stellarnode", joiner, "-n", namespace, "--wait=false"]);
      await waitUntil(
        `${namespace}: every member drops ${joiner}`,
        () => members.every((m) => !watch.lists.get(`${m}-peers`)?.has(joinerAddress)),
        120_000,
      );
    }
  } finally {
    watch.stop();
    await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]).catch(
      (error: unknown) => log(`could not delete ${namespace}: ${String(error)}`),
    );
  }
  return results;
}

export async function main(args: readonly string[]): Promise<void> {
  const option = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = (option("sizes") ?? "3,10,30").split(",").map(Number);
  const runs = Number(option("runs") ?? 5);
  if (!existsSync(READY_FILE)) {
    throw new Error(`${READY_FILE} is missing: the cluster harness is not ready`);
  }
  const nodes = await getJson<KubeList<unknown>>(["get", "nodes"]);
  log(`cluster has ${nodes.items.length} node(s)`);
  await ensureController();
  const hooks = await ensureHookServer();
  log(
    hooks.own
      ? "started a hook server on 127.0.0.1:18080"
      : "using the hook server on 127.0.0.1:18080",
  );
  const startedAt = new Date().toISOString();
  const joins: JoinResult[] = [];
  try {
    for (const size of sizes) joins.push(...(await measureGroup(size, runs)));
  } finally {
    await hooks.stop();
  }
  const groups = sizes.map((size) => {
    const mine = joins.filter((j) => j.size === size);
    const conv = mine.map((j) => j.convergenceMs);
    return {
      size,
      runs: mine.length,
      medianMs: median(conv),
      minMs: Math.min(...conv),
      maxMs: Math.max(...conv),
      medianFirstMs: median(mine.map((j) => j.firstMs)),
      medianApplyMs: median(mine.map((j) => j.applyMs)),
      medianSyncs: median(mine.map((j) => j.syncs ?? Number.NaN)),
      medianSyncsUntilQuiet: median(mine.map((j) => j.syncsUntilQuiet ?? Number.NaN)),
    };
  });
  const results = {
    benchmark: "stellar-peers convergence on the e2e cluster",
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
    earlierOperator: {
      pollSeconds: EARLIER_POLL_SECONDS,
      expectedMedianMs: (EARLIER_POLL_SECONDS / 2) * 1000,
      worstMs: EARLIER_POLL_SECONDS * 1000,
    },
    groups,
    joins,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  writeFileSync(join(RESULTS, `e2e-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(RESULTS, "e2e-latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  const out = [
    `stellar-peers convergence on the e2e cluster, ${startedAt}`,
    `${results.machine.nproc} x ${results.machine.cpuModel}, ${bytes(results.machine.memoryBytes)}, Node ${process.version}; hook server ${results.hookServer}`,
    "time from `kubectl apply` of a new validator to the last other member's X-peers listing it (ms, medians);",
    "syncs: sync requests the hook server answered until then, and until none came for 2 s (the burst)",
    "",
    table(
      [
        "group",
        "joins",
        "median",
        "min",
        "max",
        "first listed",
        "kubectl apply",
        "syncs to converge",
        "syncs in burst",
      ],
      groups.map((g) => [
        String(g.size),
        String(g.runs),
        ms(g.medianMs),
        ms(g.minMs),
        ms(g.maxMs),
        ms(g.medianFirstMs),
        ms(g.medianApplyMs),
        Number.isFinite(g.medianSyncs) ? String(g.medianSyncs) : "-",
        Number.isFinite(g.medianSyncsUntilQuiet) ? String(g.medianSyncsUntilQuiet) : "-",
      ]),
    ),
    "",
    `earlier operator: polled every ${EARLIER_POLL_SECONDS} s, so a join waited 15 s on median and up to 30 s`,
    "",
    `JSON: bench-results/e2e-${stamp}.json (and bench-results/e2e-latest.json)`,
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}
