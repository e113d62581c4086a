import type { ChildProcess } from "node:child_process";
import { spawnKubectl } from "./kube.js";

/**
 * A long-running `kubectl get -w -o jsonpath=...` whose lines are split into fields. Fields
 * are separated by `|`, not a tab: `kubectl get -w` passes its output through a tabwriter,
 * which turns tabs into runs of spaces. A template whose fields can hold newlines (a
 * ConfigMap's data) ends each record with its own `recordEnd`.
 */
export class KubectlLineStream {
  static readonly SEPARATOR = "|";
  stderr = "";
  exited: number | null | undefined;
  private buffered = "";
  private readonly child: ChildProcess;

  constructor(
    args: readonly string[],
    private readonly onFields: (fields: string[]) => void,
    private readonly recordEnd = "\n",
  ) {
    this.child = spawnKubectl(args);
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => this.receive(chunk));
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => (this.stderr += chunk));
    this.child.on("exit", (code) => (this.exited = code));
  }

  /** `kubectl get -w` of a namespace's `resource`, every event (type first) as `template`. */
  static watchArgs(resource: string, namespace: string, template: string): string[] {
    return [
      "get",
      resource,
      "-n",
      namespace,
      "-w",
      "--output-watch-events",
      "-o",
      `jsonpath=${template}`,
    ];
  }

  stop(): void {
    if (this.exited === undefined) this.child.kill("SIGTERM");
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf(this.recordEnd)) >= 0) {
      const line = this.buffered.slice(0, end).trim();
      this.buffered = this.buffered.slice(end + this.recordEnd.length);
      if (line !== "") this.onFields(line.split(KubectlLineStream.SEPARATOR));
    }
  }
}
