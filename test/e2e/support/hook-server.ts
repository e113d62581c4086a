import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { CLUSTER_DIR, REPO_ROOT } from "./kube.js";
import { sleep, waitFor } from "./wait.js";

/*
 * Swaps the hook server test/e2e/run.sh started (on 127.0.0.1:18080, its PID in
 * .cluster/pids/hooks.pid) for another build, and back: Metacontroller calls whatever
 * listens there. Scenarios that use it must put the product's server back (finally).
 */

const PID_FILE = `${CLUSTER_DIR}/pids/hooks.pid`;
const LOG_FILE = `${CLUSTER_DIR}/logs/hooks.log`;
const READY_URL = "http://127.0.0.1:18080/readyz";
/** As run.sh starts it. */
const SERVER_ENV = {
  PORT: "18080",
  HOST: "127.0.0.1",
  LOG_LEVEL: "debug",
  SHUTDOWN_GRACE_SECONDS: "0",
  SIDECAR_IMAGE: "stellar-peers:e2e",
  COORDINATED_ROLLOUT: process.env["E2E_COORDINATED_ROLLOUT"] ?? "on",
};

export type HookServerBuild = "product" | "next-release";

const COMMANDS: Record<HookServerBuild, string[]> = {
  product: ["dist/hooks/main.js"],
  "next-release": ["--import", "tsx", "test/e2e/support/release-server.ts"],
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the running hook server (the one the PID file names) and starts `build` instead. */
export async function restartHookServer(build: HookServerBuild): Promise<void> {
  const pid = Number(readFileSync(PID_FILE, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    if (!/dist\/hooks\/main\.js|release-server\.ts/.test(cmdline)) {
      throw new Error(`${PID_FILE} names pid ${pid}, which is no hook server: ${cmdline}`);
    }
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
  const log = openSync(LOG_FILE, "a");
  writeFileSync(log, `=== ${new Date().toISOString()} e2e: starting the ${build} hook server\n`);
  const child = spawn(process.execPath, COMMANDS[build], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...SERVER_ENV },
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start the ${build} hook server`);
  writeFileSync(PID_FILE, `${child.pid}\n`);
  await waitFor(
    `the ${build} hook server to be ready on ${READY_URL}`,
    async () => {
      const response = await fetch(READY_URL);
      if (!response.ok) throw new Error(`readyz: ${response.status}`);
    },
    60_000,
  );
}
