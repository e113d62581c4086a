import type { ChildProcess } from "node:child_process";
import { spawnKubectl } from "./kube.js";
import { waitFor } from "./wait.js";

/** One state of the watched pod, as `kubectl get pod -w` reports it. */
export interface PodState {
  uid: string;
  revision: string;
  resourceVersion: string;
  deleting: boolean;
  phase: string;
}

// Not a tab: `kubectl get -w` passes its output through a tabwriter, which turns tabs
// into runs of spaces.
const SEPARATOR = "|";
const TEMPLATE = [
  "{.metadata.uid}",
  "{.metadata.labels.controller-revision-hash}",
  "{.metadata.resourceVersion}",
  "{.metadata.deletionTimestamp}",
  "{.status.phase}",
]
  .join(SEPARATOR)
  .concat('{"\\n"}');

/**
 * Every state of pod `name` from now on, from a `kubectl get pod NAME -w` watch: unlike
 * polling it misses no short-lived pod or revision. A watch by name follows the pod
 * across deletion and re-creation.
 */
export class PodWatch {
  readonly states: PodState[] = [];
  private stderr = "";
  private buffered = "";
  private exited: number | null | undefined;

  private constructor(
    readonly pod: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.receive(chunk));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    child.on("exit", (code) => {
      this.exited = code;
    });
  }

  /** Starts the watch and waits for its first line, the pod's current state. */
  static async start(namespace: string, pod: string): Promise<PodWatch> {
    const child = spawnKubectl([
      "get",
      "pod",
      pod,
      "-n",
      namespace,
      "-w",
      "-o",
      `jsonpath=${TEMPLATE}`,
    ]);
    const watch = new PodWatch(pod, child);
    await waitFor(
      `the watch of pod ${namespace}/${pod} to report its current state`,
      async () => {
        if (watch.states.length === 0) throw new Error(watch.describe());
      },
      30_000,
    ).catch((error: unknown) => {
      watch.stop();
      throw error;
    });
    return watch;
  }

  /** The revisions the pod went through, each once, in order. */
  revisions(): string[] {
    const result: string[] = [];
    for (const state of this.states) {
      if (state.revision !== result.at(-1)) result.push(state.revision);
    }
    return result;
  }

  /** The pod uids seen, each once, in order. */
  uids(): string[] {
    return [...new Set(this.states.map((state) => state.uid))];
  }

  /** Fails if the watch ended early: its record would be incomplete. */
  assertAlive(): void {
    if (this.exited !== undefined) throw new Error(`the watch ended early: ${this.describe()}`);
  }

  describe(): string {
    return `watch of pod ${this.pod} (exit ${String(this.exited)}, stderr ${JSON.stringify(this.stderr.trim())}): ${JSON.stringify(this.states)}`;
  }

  stop(): void {
    if (this.exited === undefined) this.child.kill("SIGTERM");
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim() === "") continue;
      const [uid = "", revision = "", resourceVersion = "", deletion = "", phase = ""] = line
        .trim()
        .split(SEPARATOR);
      this.states.push({ uid, revision, resourceVersion, deleting: deletion !== "", phase });
    }
  }
}
