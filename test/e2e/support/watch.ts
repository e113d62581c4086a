import { KubectlLineStream } from "./kubectl-stream.js";
import { waitFor } from "./wait.js";

/** One state of the watched pod, as `kubectl get pod -w` reports it. */
export interface PodState {
  uid: string;
  revision: string;
  resourceVersion: string;
  deleting: boolean;
  phase: string;
}

const SEPARATOR = KubectlLineStream.SEPARATOR;
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
  private readonly stream: KubectlLineStream;

  private constructor(
    readonly pod: string,
    args: readonly string[],
  ) {
    this.stream = new KubectlLineStream(args, (fields) => {
      const [uid = "", revision = "", resourceVersion = "", deletion = "", phase = ""] = fields;
      this.states.push({ uid, revision, resourceVersion, deleting: deletion !== "", phase });
    });
  }

  /** Starts the watch and waits for its first line, the pod's current state. */
  static async start(namespace: string, pod: string): Promise<PodWatch> {
    const watch = new PodWatch(pod, [
      "get",
      "pod",
      pod,
      "-n",
      namespace,
      "-w",
      "-o",
      `jsonpath=${TEMPLATE}`,
    ]);
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
    if (this.stream.exited !== undefined)
      throw new Error(`the watch ended early: ${this.describe()}`);
  }

  describe(): string {
    return `watch of pod ${this.pod} (exit ${String(this.stream.exited)}, stderr ${JSON.stringify(this.stream.stderr.trim())}): ${JSON.stringify(this.states)}`;
  }

  stop(): void {
    this.stream.stop();
  }
}
