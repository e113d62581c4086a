/**
 * The hook server as it runs in production, for the benchmark: `node dist/hooks/main.js`
 * (built by `npm run build`) in a child process on 127.0.0.1, with its CPU time and peak
 * RSS read from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/free-port.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(REPO_ROOT, "dist", "hooks", "main.js");
/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux). */
const CLOCK_TICKS = 100;

export interface ServerRunnerOptions {
  /** The server's entry point; dist/hooks/main.js unless comparing with another build. */
  main?: string;
  /** Extra environment, e.g. BODY_LIMIT. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=..."]. */
  nodeArgs?: readonly string[];
}

export interface RunningServer {
  pid: number;
  origin: string;
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds: () => number;
  /** Peak resident set size in bytes (VmHWM). */
  peakRssBytes: () => number;
  stop: () => Promise<void>;
}

function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function readPeakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export async function startServer(options: ServerRunnerOptions = {}): Promise<RunningServer> {
  const main = options.main ?? MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_SECONDS: "0",
      ...options.env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the hook server");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the hook server exited (${child.exitCode})`);
    try {
      const response = await fetch(`${origin}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error("the hook server did not become ready in 20 s");
    await sleep(100);
  }
  return {
    pid,
    origin,
    cpuSeconds: () => readCpuSeconds(pid),
    peakRssBytes: () => readPeakRss(pid),
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
