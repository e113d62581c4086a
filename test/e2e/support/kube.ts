import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root: test/e2e/support/../../.. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CLUSTER_DIR = `${REPO_ROOT}.cluster`;

/** The KEY=value lines of .cluster/env (written by test/e2e/cluster/up.sh), if it exists. */
function readClusterEnvFile(): Record<string, string> {
  const values: Record<string, string> = {};
  const envFile = `${CLUSTER_DIR}/env`;
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, "utf8").split("\n")) {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (match) values[match[1]!] = match[2]!;
    }
  }
  return values;
}

const CLUSTER_ENV_FILE = readClusterEnvFile();

/**
 * A setting of the cluster: from the environment (test/e2e/run.sh exports .cluster/env),
 * else from .cluster/env itself (a scenario run on its own), else undefined.
 */
export function clusterEnvValue(key: string): string | undefined {
  return process.env[key] ?? CLUSTER_ENV_FILE[key];
}

/**
 * KUBECTL and KUBECONFIG come from the environment (test/e2e/run.sh exports
 * .cluster/env); a scenario run on its own reads .cluster/env itself. The built kubectl
 * (v1.36.3) is used, never the one on PATH.
 */
function clusterEnv(): { kubectl: string; kubeconfig: string } {
  const kubectl = clusterEnvValue("KUBECTL");
  const kubeconfig = clusterEnvValue("KUBECONFIG");
  if (!kubectl || !kubeconfig) {
    throw new Error(
      `KUBECTL/KUBECONFIG unset and ${CLUSTER_DIR}/env missing: run "bash test/e2e/cluster/up.sh" (or npm run test:e2e)`,
    );
  }
  return { kubectl, kubeconfig };
}

const ENV = clusterEnv();

export class KubectlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | string | null,
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(" ")} failed (exit ${String(code)}): ${stderr.trim()}`);
  }

  get notFound(): boolean {
    return /\bNotFound\b|not found/.test(this.stderr);
  }
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  timeoutMs?: number;
}

/** Runs the cluster's kubectl; resolves to stdout, rejects with stderr. */
export async function kubectl(
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<string> {
  return (await kubectlOutput(args, options)).stdout;
}

/** Runs the cluster's kubectl; resolves to stdout and stderr (warnings), rejects with stderr. */
export function kubectlOutput(
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ENV.kubectl,
      [...args],
      {
        env: { ...process.env, KUBECONFIG: ENV.kubeconfig },
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
        cwd: REPO_ROOT,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          reject(
            new KubectlError(args, code, `${stderr}${error.killed ? " (killed: timeout)" : ""}`),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** `kubectl <args> -o json`, parsed. */
export async function getJson<T = KubeObject>(args: readonly string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"])) as T;
}

/** The object, or undefined if it does not exist. */
export async function getOptional<T = KubeObject>(args: readonly string[]): Promise<T | undefined> {
  try {
    return await getJson<T>(args);
  } catch (error) {
    if (error instanceof KubectlError && error.notFound) return undefined;
    throw error;
  }
}

/** `kubectl apply -f -` of the objects, sent as one JSON List. */
export async function applyObjects(objects: readonly object[]): Promise<string> {
  return kubectl(["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  });
}

/** Starts a long-running kubectl (e.g. `get -w`); the caller must kill it. */
export function spawnKubectl(args: readonly string[]): ChildProcess {
  return spawn(ENV.kubectl, [...args], {
    env: { ...process.env, KUBECONFIG: ENV.kubeconfig },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: REPO_ROOT,
  });
}

// --- the few shapes the scenarios read -------------------------------------------------

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: { kind: string; name: string; uid: string }[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  items: T[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface Service extends KubeObject {
  spec: { clusterIP?: string; ports: { name?: string; port: number }[] };
}

interface Probe {
  exec?: { command?: string[] };
}

export interface Container {
  name: string;
  args?: string[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

export interface StatefulSet extends KubeObject {
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: Container[] };
    };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: Condition[] };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: { volumeName?: string };
  status?: { phase?: string };
}

export interface StellarNode extends KubeObject {
  spec: Record<string, unknown> & {
    suspended?: boolean;
    validatorConfig?: Record<string, unknown> & { quorumSet?: string };
  };
  status?: {
    observedGeneration?: number;
    peerCount?: number;
    peers?: string[];
    peersHash?: string;
    pendingRestart?: boolean;
    rollout?: { templateHash?: string; appliedTemplateHash?: string; waitingFor?: string };
    conditions?: Condition[];
  };
}

export function condition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod | undefined): pod is Pod {
  return (
    pod !== undefined &&
    pod.metadata.deletionTimestamp === undefined &&
    pod.status?.phase === "Running" &&
    condition(pod.status.conditions, "Ready")?.status === "True"
  );
}
