import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { parse, stringify } from "yaml";
import {
  CLUSTER_DIR,
  getJson,
  kubectl,
  REPO_ROOT,
  type KubeList,
  type Pod,
} from "../support/kube.js";
import { sleep, waitFor } from "../support/wait.js";
import { startExporterStandIn, type ExporterStandIn } from "./core-exporter-stand-in.js";

/**
 * A real kube-state-metrics (built by test/e2e/monitoring/build.sh) and a real Prometheus
 * (Debian's /usr/bin/prometheus) on 127.0.0.1, for the monitoring scenario:
 *
 * - kube-state-metrics runs with manifests/monitoring/kube-state-metrics-stellarnodes.yaml,
 *   as ServiceAccount monitoring/kube-state-metrics with only the ClusterRole of
 *   manifests/monitoring/kube-state-metrics-rbac.yaml (a token from the TokenRequest API),
 *   so the shipped RBAC is what is tested;
 * - Prometheus scrapes it, the hook server (job stellar-peers, as the ServiceMonitor
 *   names it) and Metacontroller every second, and evaluates the rule groups of
 *   manifests/monitoring/prometheus-rule.yaml every second, StellarNodeSpecInvalid with
 *   a `for:` of E2E_SHORT_FOR (10s) instead of 5m so it fires within the test;
 * - the PodMonitor of manifests/monitoring/core-pod-monitor.yaml, as prometheus-operator
 *   turns it into a scrape job: the validators' pods, read from the API server
 *   (discoverExporterPods), become file_sd targets with the __meta_kubernetes_pod_* labels
 *   Prometheus' Kubernetes discovery gives them, then the operator's relabelings (keep the
 *   selected pods and the named port; namespace, pod, container, job, endpoint) and the
 *   PodMonitor's own. kwok runs no containers and its pod IPs reach nothing, so a last,
 *   e2e-only relabeling sends every target to the exporter stand-in
 *   (core-exporter-stand-in.ts) with the pod as parameter `target`;
 *   CORE_FIRED_ALERT's `for:` is E2E_SHORT_FOR too.
 *
 * State and logs: .cluster/monitoring/, .cluster/logs/{kube-state-metrics,prometheus}.log.
 * Only the processes started here are stopped, by their pid (also those an interrupted run
 * left, recognised by their pid file and executable).
 */

export const KSM_VERSION = "v2.20.0"; // test/e2e/tools/kube-state-metrics/go.mod
const CACHE = process.env["STELLAR_PEERS_E2E_CACHE"] ?? join(homedir(), ".cache/stellar-peers-e2e");
export const KSM_BIN = join(CACHE, "bin", `kube-state-metrics-${KSM_VERSION}`);
export const PROMETHEUS_BIN = process.env["E2E_PROMETHEUS_BIN"] ?? "/usr/bin/prometheus";

const PORTS = {
  prometheus: Number(process.env["E2E_PROMETHEUS_PORT"] ?? 19090),
  ksm: Number(process.env["E2E_KSM_PORT"] ?? 18181),
  ksmTelemetry: Number(process.env["E2E_KSM_TELEMETRY_PORT"] ?? 18182),
  hooks: 18080, // test/e2e/run.sh, manifests/overlays/local
  metacontroller: Number(process.env["E2E_METACONTROLLER_METRICS_PORT"] ?? 16999),
};

/** The alert the scenario fires for real, and the `for:` it gets in the e2e rule file. */
export const FIRED_ALERT = "StellarNodeSpecInvalid";
/** The alert on stellar-core's own metrics the scenario fires for real. */
export const CORE_FIRED_ALERT = "StellarCorePeersNotConnected";
export const E2E_SHORT_FOR = "10s";
const SHORTENED = new Set([FIRED_ALERT, CORE_FIRED_ALERT]);

const DIR = join(CLUSTER_DIR, "monitoring");
const LOGS = join(CLUSTER_DIR, "logs");
const KSM_SERVICE_ACCOUNT = { namespace: "monitoring", name: "kube-state-metrics" };

/** Why the stack cannot run here, or undefined. kube-state-metrics is built on demand. */
export function monitoringUnavailable(): string | undefined {
  if (!existsSync(PROMETHEUS_BIN)) {
    return `${PROMETHEUS_BIN} not found: apt-get install prometheus (Debian), or set E2E_PROMETHEUS_BIN`;
  }
  if (!existsSync(KSM_BIN) && spawnSync("go", ["version"]).status !== 0) {
    return `${KSM_BIN} not built and no go to build it (bash test/e2e/monitoring/build.sh)`;
  }
  return undefined;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

export interface MonitoringStack {
  prometheusUrl: string;
  /** An instant query; the samples with their labels. */
  query: (promql: string) => Promise<Sample[]>;
  /** Prometheus' active alerts (pending and firing). */
  alerts: () => Promise<Alert[]>;
  /** The stand-in of every validator pod's stellar-core-prometheus-exporter. */
  exporter: ExporterStandIn;
  /** Reads the pods of `namespaces` and gives them to Prometheus as the PodMonitor's targets. */
  discoverExporterPods: (namespaces: readonly string[]) => Promise<void>;
  stop: () => Promise<void>;
}

interface Managed {
  name: string;
  child: ChildProcess;
}

export async function startMonitoring(log: (line: string) => void): Promise<MonitoringStack> {
  mkdirSync(DIR, { recursive: true });
  mkdirSync(LOGS, { recursive: true });
  for (const name of ["kube-state-metrics", "prometheus"]) stopLeftover(name);

  if (!existsSync(KSM_BIN)) {
    log(`building kube-state-metrics ${KSM_VERSION} (once; cached in ${KSM_BIN})`);
    const build = spawnSync("bash", [join(REPO_ROOT, "test/e2e/monitoring/build.sh")], {
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 1_800_000,
    });
    if (build.status !== 0) throw new Error("test/e2e/monitoring/build.sh failed");
  }

  const kubeconfig = await serviceAccountKubeconfig();
  const started: Managed[] = [];
  const exporter = await startExporterStandIn();
  const stop = async (): Promise<void> => {
    for (const managed of started.reverse()) await stopProcess(managed);
    await exporter.stop();
  };
  try {
    started.push(
      launch("kube-state-metrics", KSM_BIN, [
        `--kubeconfig=${kubeconfig}`,
        "--host=127.0.0.1",
        `--port=${PORTS.ksm}`,
        "--telemetry-host=127.0.0.1",
        `--telemetry-port=${PORTS.ksmTelemetry}`,
        "--custom-resource-state-only=true",
        `--custom-resource-state-config-file=${join(REPO_ROOT, "manifests/monitoring/kube-state-metrics-stellarnodes.yaml")}`,
      ]),
    );
    await waitFor(
      "kube-state-metrics to serve /metrics",
      async () => {
        const response = await fetch(`http://127.0.0.1:${PORTS.ksm}/metrics`);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      60_000,
    );

    writeFileSync(join(DIR, "rules.yaml"), e2eRules());
    writeFileSync(EXPORTER_TARGETS, "[]\n");
    writeFileSync(join(DIR, "prometheus.yml"), prometheusConfig(exporter.address));
    rmSync(join(DIR, "data"), { recursive: true, force: true });
    started.push(
      launch("prometheus", PROMETHEUS_BIN, [
        `--config.file=${join(DIR, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(DIR, "data")}`,
        `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
        "--log.level=warn",
      ]),
    );
    const prometheusUrl = `http://127.0.0.1:${PORTS.prometheus}`;
    await waitFor(
      "Prometheus to be ready",
      async () => {
        const response = await fetch(`${prometheusUrl}/-/ready`);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      60_000,
    );
    log(
      `kube-state-metrics on 127.0.0.1:${PORTS.ksm}, Prometheus on ${prometheusUrl} (logs: .cluster/logs/)`,
    );
    return {
      prometheusUrl,
      query: async (promql) => {
        const data = await prometheusApi<{
          result: { metric: Record<string, string>; value: [number, string] }[];
        }>(prometheusUrl, `/api/v1/query?query=${encodeURIComponent(promql)}`);
        return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      },
      alerts: async () =>
        (await prometheusApi<{ alerts: Alert[] }>(prometheusUrl, "/api/v1/alerts")).alerts,
      exporter,
      discoverExporterPods,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function prometheusApi<T>(url: string, path: string): Promise<T> {
  const response = await fetch(`${url}${path}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success")
    throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
  return body.data;
}

/**
 * The rule groups of manifests/monitoring/prometheus-rule.yaml, as a Prometheus rule file,
 * with the `for:` of FIRED_ALERT and CORE_FIRED_ALERT shortened to E2E_SHORT_FOR.
 */
export function e2eRules(): string {
  const rule = parse(
    readFileSync(join(REPO_ROOT, "manifests/monitoring/prometheus-rule.yaml"), "utf8"),
  ) as { spec: { groups: { name: string; rules: { alert?: string; for?: string }[] }[] } };
  const groups = rule.spec.groups.map((group) => ({
    ...group,
    rules: group.rules.map((r) =>
      r.alert !== undefined && SHORTENED.has(r.alert) ? { ...r, for: E2E_SHORT_FOR } : r,
    ),
  }));
  return stringify({ groups });
}

const EXPORTER_TARGETS = join(DIR, "core-exporter-targets.json");

/** A Kubernetes label name as Prometheus' discovery puts it in a __meta_ label name. */
const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The validators' pods as Prometheus' Kubernetes pod discovery gives them: one target per
 * container port, labelled __meta_kubernetes_namespace, _pod_name, _pod_label_<label>,
 * _pod_labelpresent_<label>, _pod_container_name, _pod_container_port_name and _number.
 */
async function discoverExporterPods(namespaces: readonly string[]): Promise<void> {
  const groups: { targets: string[]; labels: Record<string, string> }[] = [];
  for (const namespace of namespaces) {
    const pods = await getJson<KubeList<Pod>>(["get", "pods", "-n", namespace]);
    for (const pod of pods.items) {
      const spec = pod["spec"] as {
        containers: { name: string; ports?: { name?: string; containerPort: number }[] }[];
      };
      const podLabels: Record<string, string> = {};
      for (const [key, value] of Object.entries(pod.metadata.labels ?? {})) {
        podLabels[`__meta_kubernetes_pod_label_${sanitize(key)}`] = value;
        podLabels[`__meta_kubernetes_pod_labelpresent_${sanitize(key)}`] = "true";
      }
      for (const container of spec.containers) {
        for (const port of container.ports ?? []) {
          groups.push({
            targets: [
              `${(pod.status as { podIP?: string } | undefined)?.podIP ?? "0.0.0.0"}:${port.containerPort}`,
            ],
            labels: {
              __meta_kubernetes_namespace: namespace,
              __meta_kubernetes_pod_name: pod.metadata.name,
              __meta_kubernetes_pod_container_name: container.name,
              __meta_kubernetes_pod_container_port_name: port.name ?? "",
              __meta_kubernetes_pod_container_port_number: String(port.containerPort),
              ...podLabels,
            },
          });
        }
      }
    }
  }
  // file_sd reads the file whole: write it aside, then rename it into place.
  writeFileSync(`${EXPORTER_TARGETS}.tmp`, `${JSON.stringify(groups, null, 1)}\n`);
  renameSync(`${EXPORTER_TARGETS}.tmp`, EXPORTER_TARGETS);
}

interface Relabeling {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  replacement?: string;
  action?: string;
}

/** A prometheus-operator RelabelConfig as Prometheus' relabel_config. */
function relabelConfig(r: Relabeling): Record<string, unknown> {
  const out: Record<string, unknown> = {
    source_labels: r.sourceLabels,
    separator: r.separator,
    target_label: r.targetLabel,
    regex: r.regex,
    replacement: r.replacement,
    action: r.action,
  };
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined));
}

/**
 * The scrape job prometheus-operator makes of manifests/monitoring/core-pod-monitor.yaml
 * (its generated relabelings for a PodMonitor: keep the selected pods' named port, then the
 * namespace, container, pod, job and endpoint labels, then the PodMonitor's relabelings),
 * reading file_sd targets instead of Kubernetes discovery, and sending every target to the
 * exporter stand-in at `standIn`.
 */
function podMonitorJob(standIn: string): Record<string, unknown> {
  const podMonitor = parse(
    readFileSync(join(REPO_ROOT, "manifests/monitoring/core-pod-monitor.yaml"), "utf8"),
  ) as {
    metadata: { name: string; namespace: string };
    spec: {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: {
        port: string;
        path?: string;
        relabelings?: Relabeling[];
        metricRelabelings?: Relabeling[];
      }[];
    };
  };
  const { name, namespace } = podMonitor.metadata;
  const endpoint = podMonitor.spec.podMetricsEndpoints[0];
  if (endpoint === undefined) throw new Error("core-pod-monitor.yaml: no podMetricsEndpoints");
  const selectorKeeps = Object.entries(podMonitor.spec.selector.matchLabels).map(
    ([key, value]) => ({
      action: "keep",
      source_labels: [
        `__meta_kubernetes_pod_label_${sanitize(key)}`,
        `__meta_kubernetes_pod_labelpresent_${sanitize(key)}`,
      ],
      regex: `(${value});true`,
    }),
  );
  return {
    job_name: `podMonitor/${namespace}/${name}/0`,
    metrics_path: endpoint.path ?? "/metrics",
    honor_labels: false,
    file_sd_configs: [{ files: [EXPORTER_TARGETS], refresh_interval: "1s" }],
    relabel_configs: [
      ...selectorKeeps,
      {
        action: "keep",
        source_labels: ["__meta_kubernetes_pod_container_port_name"],
        regex: endpoint.port,
      },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { target_label: "job", replacement: `${namespace}/${name}` },
      { target_label: "endpoint", replacement: endpoint.port },
      ...(endpoint.relabelings ?? []).map(relabelConfig),
      // e2e only: the stand-in serves every pod, named by the parameter target.
      {
        source_labels: ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_name"],
        separator: "/",
        target_label: "__param_target",
      },
      { target_label: "__address__", replacement: standIn },
    ],
    metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(relabelConfig),
  };
}

function prometheusConfig(exporterStandIn: string): string {
  const job = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
    job_name: name,
    ...extra,
    static_configs: [{ targets: [`127.0.0.1:${port}`] }],
  });
  return stringify({
    global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
    rule_files: [join(DIR, "rules.yaml")],
    scrape_configs: [
      // honor_labels: the StellarNode series' own namespace label wins, as with
      // kube-prometheus' ServiceMonitor for kube-state-metrics.
      job("kube-state-metrics", PORTS.ksm, { honor_labels: true }),
      job("stellar-peers", PORTS.hooks),
      job("metacontroller", PORTS.metacontroller),
      podMonitorJob(exporterStandIn),
    ],
  });
}

/**
 * A kubeconfig for kube-state-metrics as ServiceAccount monitoring/kube-state-metrics,
 * bound by manifests/monitoring/kube-state-metrics-rbac.yaml, with a short-lived token.
 */
async function serviceAccountKubeconfig(): Promise<string> {
  const { namespace, name } = KSM_SERVICE_ACCOUNT;
  await kubectl(["create", "namespace", namespace, "--dry-run=client", "-o", "yaml"]).then((yaml) =>
    kubectl(["apply", "-f", "-"], { input: yaml }),
  );
  await kubectl([
    "create",
    "serviceaccount",
    name,
    "-n",
    namespace,
    "--dry-run=client",
    "-o",
    "yaml",
  ]).then((yaml) => kubectl(["apply", "-f", "-"], { input: yaml }));
  await kubectl([
    "apply",
    "-f",
    join(REPO_ROOT, "manifests/monitoring/kube-state-metrics-rbac.yaml"),
  ]);
  const token = (await kubectl(["create", "token", name, "-n", namespace, "--duration=2h"])).trim();
  const admin = JSON.parse(
    await kubectl(["config", "view", "--raw", "--minify", "-o", "json"]),
  ) as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  const cluster = admin.clusters[0];
  if (cluster === undefined) throw new Error("no cluster in the kubeconfig");
  const file = join(DIR, "kube-state-metrics.kubeconfig");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "e2e", cluster: cluster.cluster }],
      users: [{ name: "kube-state-metrics", user: { token } }],
      contexts: [{ name: "ksm", context: { cluster: "e2e", user: "kube-state-metrics" } }],
      "current-context": "ksm",
    }),
    { mode: 0o600 },
  );
  return file;
}

const pidFile = (name: string): string => join(DIR, `${name}.pid`);

function launch(name: string, bin: string, args: string[]): Managed {
  const out = openSync(join(LOGS, `${name}.log`), "a");
  const child = spawn(bin, args, { stdio: ["ignore", out, out], cwd: DIR });
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  writeFileSync(pidFile(name), `${child.pid} ${basename(bin)}\n`);
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") {
      process.stderr.write(`${name} exited (${code ?? signal}); see .cluster/logs/${name}.log\n`);
    }
  });
  return { name, child };
}

async function stopProcess({ name, child }: Managed): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  rmSync(pidFile(name), { force: true });
}

/** Stops a process an interrupted run started, if its pid still names that executable. */
function stopLeftover(name: string): void {
  const file = pidFile(name);
  if (!existsSync(file)) return;
  const [pidText, exe] = readFileSync(file, "utf8").trim().split(" ");
  const pid = Number(pidText);
  try {
    const running = basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ""));
    if (Number.isInteger(pid) && pid > 1 && running === exe) process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
  rmSync(file, { force: true });
}
