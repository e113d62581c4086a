import assert from "node:assert/strict";
import { KubectlLineStream } from "./kubectl-stream.js";
import { waitFor } from "./wait.js";

interface PodEvent {
  type: string;
  pod: string;
  uid: string;
  revision: string;
  deleting: boolean;
  ready: boolean;
}

const SEPARATOR = KubectlLineStream.SEPARATOR;
const TEMPLATE = [
  "{.type}",
  "{.object.metadata.name}",
  "{.object.metadata.uid}",
  "{.object.metadata.labels.controller-revision-hash}",
  "{.object.metadata.deletionTimestamp}",
  '{.object.status.conditions[?(@.type=="Ready")].status}',
]
  .join(SEPARATOR)
  .concat('{"\\n"}');

/**
 * Every pod event of a namespace from a `kubectl get pods -w --output-watch-events` watch,
 * so overlapping restarts cannot slip between two polls. A validator is down from the
 * moment its pod is deleting, gone or not Ready, until a pod of it is Ready again.
 */
export class GroupWatch {
  private readonly events: PodEvent[] = [];
  private readonly stream: KubectlLineStream;

  private constructor(args: readonly string[]) {
    this.stream = new KubectlLineStream(args, (fields) => {
      const [type = "", pod = "", uid = "", revision = "", deletion = "", ready = ""] = fields;
      this.events.push({
        type,
        pod,
        uid,
        revision,
        deleting: deletion !== "",
        ready: ready === "True",
      });
    });
  }

  /** Starts watching and waits until the current pods of `expected` were reported. */
  static async start(namespace: string, expected: readonly string[]): Promise<GroupWatch> {
    const watch = new GroupWatch(KubectlLineStream.watchArgs("pods", namespace, TEMPLATE));
    await waitFor(
      `the pod watch of ${namespace} to report ${expected.join(", ")}`,
      async () => {
        const seen = new Set(watch.events.map((e) => e.pod));
        const missing = expected.filter((name) => !seen.has(`${name}-0`));
        if (missing.length > 0)
          throw new Error(`not yet seen: ${missing.join(", ")}; ${watch.describe()}`);
      },
      30_000,
    ).catch((error: unknown) => {
      watch.stop();
      throw error;
    });
    return watch;
  }

  /** The most validators among `names` that were down at the same moment. */
  maxDownAtOnce(names: readonly string[]): { count: number; at: string[] } {
    const up = new Map<string, boolean>(names.map((name) => [`${name}-0`, true]));
    let worst = { count: 0, at: [] as string[] };
    for (const event of this.events) {
      if (!up.has(event.pod)) continue;
      up.set(event.pod, event.type !== "DELETED" && !event.deleting && event.ready);
      const down = [...up.entries()].filter(([, isUp]) => !isUp).map(([pod]) => pod);
      if (down.length > worst.count) worst = { count: down.length, at: down };
    }
    return worst;
  }

  /**
   * How many times a validator restarted for a new pod template: the changes of its pods'
   * controller-revision-hash. (The StatefulSet controller, acting on a stale cache, may
   * briefly create and delete a pod of the revision it is leaving; that is the same
   * restart, not another one.)
   */
  restarts(name: string): number {
    const revisions: string[] = [];
    for (const event of this.events) {
      if (event.pod !== `${name}-0` || event.revision === "") continue;
      if (revisions.at(-1) !== event.revision) revisions.push(event.revision);
    }
    return revisions.length - 1;
  }

  /** How many times a validator's pod was replaced, for any reason (new uids after the first). */
  replacements(name: string): number {
    return new Set(this.events.filter((e) => e.pod === `${name}-0`).map((e) => e.uid)).size - 1;
  }

  /**
   * The quorum-safe rollout as the scenarios check it: the watch ran throughout, never more
   * than one of `restarting` was down at once, and each of them restarted exactly once.
   */
  assertRestartedOnceOneAtATime(restarting: readonly string[]): void {
    this.assertAlive();
    const worst = this.maxDownAtOnce(restarting);
    assert.ok(
      worst.count <= 1,
      `${worst.count} validators were down at once (${worst.at.join(", ")}):\n${this.describe()}`,
    );
    for (const name of restarting) {
      assert.equal(this.restarts(name), 1, `${name} restarts exactly once:\n${this.describe()}`);
    }
  }

  assertAlive(): void {
    if (this.stream.exited !== undefined)
      throw new Error(`the pod watch ended early: ${this.describe()}`);
  }

  describe(): string {
    const lines = this.events.map(
      (e) =>
        `${e.type} ${e.pod} ${e.uid.slice(0, 8)} ${e.revision}${e.deleting ? " deleting" : ""}${e.ready ? " ready" : ""}`,
    );
    return `pod watch (exit ${String(this.stream.exited)}, stderr ${JSON.stringify(this.stream.stderr.trim())}):\n  ${lines.join("\n  ")}`;
  }

  stop(): void {
    this.stream.stop();
  }
}
