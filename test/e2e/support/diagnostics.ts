import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { stringify } from "yaml";
import { CLUSTER_DIR, kubectl, type KubeList } from "./kube.js";

const MAX_OBJECTS_CHARS = 24_000;
const LOG_LINES = 40;
const LOG_LINE_CHARS = 600;
const DROPPED_ANNOTATIONS = [
  "metacontroller.k8s.io/last-applied-configuration",
  "kubectl.kubernetes.io/last-applied-configuration",
];

/**
 * What a failed scenario prints: the objects of its namespaces (trimmed to what the
 * scenarios look at), their events, and the tails of the hook server's and
 * Metacontroller's logs, and of the logs of `components` (e.g. "coredns").
 */
export async function diagnostics(
  namespaces: readonly string[],
  components: readonly string[] = [],
): Promise<string> {
  const parts: string[] = [];
  for (const namespace of namespaces) {
    parts.push(await namespaceObjects(namespace));
    parts.push(
      await section(`events in ${namespace}`, () =>
        kubectl(["get", "events", "-n", namespace, "--sort-by=.lastTimestamp"]).then(tailLines(30)),
      ),
    );
  }
  parts.push(await section("persistent volumes", () => kubectl(["get", "pv"]).then(tailLines(50))));
  parts.push(logTail("hooks"));
  parts.push(logTail("metacontroller"));
  for (const component of components) parts.push(logTail(component));
  return parts.join("\n");
}

async function namespaceObjects(namespace: string): Promise<string> {
  return section(
    `kubectl get sn,sts,svc,cm,pods,pvc -n ${namespace} -o yaml (trimmed)`,
    async () => {
      const list = JSON.parse(
        await kubectl(["get", "sn,sts,svc,cm,pods,pvc", "-n", namespace, "-o", "json"]),
      ) as KubeList<Record<string, unknown>>;
      const text = stringify(list.items.filter((o) => !isKubeRootCa(o)).map(trim), {
        lineWidth: 0,
      });
      return text.length > MAX_OBJECTS_CHARS
        ? `${text.slice(0, MAX_OBJECTS_CHARS)}\n... (${text.length - MAX_OBJECTS_CHARS} more characters)`
        : text;
    },
  );
}

function isKubeRootCa(object: Record<string, unknown>): boolean {
  const metadata = object["metadata"] as { name?: string } | undefined;
  return object["kind"] === "ConfigMap" && metadata?.name === "kube-root-ca.crt";
}

/** Drops what never explains a failure: managedFields, last-applied copies, pod specs. */
function trim(object: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(object);
  const metadata = copy["metadata"] as Record<string, unknown>;
  delete metadata["managedFields"];
  const annotations = metadata["annotations"] as Record<string, string> | undefined;
  if (annotations) {
    for (const key of DROPPED_ANNOTATIONS) {
      if (key in annotations) annotations[key] = "(trimmed)";
    }
  }
  const spec = copy["spec"] as Record<string, unknown> | undefined;
  if (copy["kind"] === "StatefulSet" && spec) {
    const template = spec["template"] as Record<string, unknown>;
    spec["template"] = { metadata: template["metadata"], spec: "(trimmed)" };
    delete spec["volumeClaimTemplates"];
  }
  if (copy["kind"] === "Pod" && spec) {
    copy["spec"] = { nodeName: spec["nodeName"], volumes: "(trimmed)" };
  }
  const data = copy["data"] as Record<string, string> | undefined;
  if (copy["kind"] === "ConfigMap" && data) {
    for (const [key, value] of Object.entries(data)) {
      if (value.length > 400) data[key] = `${value.slice(0, 400)}... (trimmed)`;
    }
  }
  return copy;
}

async function section(title: string, body: () => Promise<string>): Promise<string> {
  let text: string;
  try {
    text = await body();
  } catch (error) {
    text = `(could not get it: ${error instanceof Error ? error.message : String(error)})`;
  }
  return `----- ${title}\n${text.trimEnd()}\n`;
}

function tailLines(count: number): (text: string) => string {
  return (text) => text.trimEnd().split("\n").slice(-count).join("\n");
}

function logTail(component: string): string {
  const file = `${CLUSTER_DIR}/logs/${component}.log`;
  if (!existsSync(file)) return `----- ${file}: missing\n`;
  const lines = readTail(file, 256 * 1024)
    .trimEnd()
    .split("\n")
    .slice(-LOG_LINES);
  const shown = lines.map((line) =>
    line.length > LOG_LINE_CHARS ? `${line.slice(0, LOG_LINE_CHARS)}...` : line,
  );
  return `----- last ${shown.length} lines of ${file}\n${shown.join("\n")}\n`;
}

/** The last `bytes` of a file: component logs grow to many megabytes. */
function readTail(file: string, bytes: number): string {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
