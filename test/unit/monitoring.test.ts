import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { createHookMetrics } from "../../hooks/http/plugins/metrics.js";
import { EXPORTER_CONTAINER, EXPORTER_PORT_NAME } from "../../hooks/render/core-exporter.js";
import { validatorLabels } from "../../hooks/render/labels.js";
import {
  coreState,
  exporterMetricNames,
  exporterText,
} from "../e2e/monitoring/core-exporter-stand-in.js";

/**
 * manifests/monitoring/: the PrometheusRule's alerts (checked and unit-tested with
 * promtool), the kube-state-metrics custom-resource-state config, the Grafana dashboard,
 * and the metric names they all use.
 *
 * promtool (Debian package `prometheus`) runs the rule checks; where it is absent those
 * two tests are skipped with a warning, unless REQUIRE_PROMTOOL=1 makes that a failure.
 * PROMTOOL names another binary.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const monitoring = join(root, "manifests/monitoring");
const ruleTests = join(root, "test/monitoring");
const read = (path: string): string => readFileSync(path, "utf8");

type Json = Record<string, unknown>;
const asRecord = (value: unknown, what: string): Json => {
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), what);
  return value as Json;
};
const asArray = (value: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(value), what);
  return value;
};

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}

const prometheusRule = asRecord(parse(read(join(monitoring, "prometheus-rule.yaml"))), "rule");
const groups = asRecord(prometheusRule["spec"], "spec")["groups"] as RuleGroup[];
const alerts = groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);

const ksmConfig = asRecord(
  parse(read(join(monitoring, "kube-state-metrics-stellarnodes.yaml"))),
  "kube-state-metrics config",
);
const ksmResources = asArray(asRecord(ksmConfig["spec"], "spec")["resources"], "resources").map(
  (resource) => asRecord(resource, "resource"),
);

const dashboard = asRecord(
  JSON.parse(read(join(monitoring, "grafana-dashboard.json"))),
  "the dashboard",
);
const dashboardPanels = asArray(dashboard["panels"], "panels").map((panel) =>
  asRecord(panel, "panel"),
);

/** Metric names kube-state-metrics exports with our config: prefix + "_" + name. */
const ksmMetricNames = ksmResources.flatMap((resource) =>
  asArray(resource["metrics"], "metrics").map(
    (metric) => `${String(resource["metricNamePrefix"])}_${String(asRecord(metric, "m")["name"])}`,
  ),
);

/** The hook server's metric names, histograms with their series suffixes. */
const hookMetricNames = createHookMetrics()
  .registry.getMetricsAsArray()
  .flatMap((metric) => {
    const name = metric.name;
    const type = String(metric.type);
    return type === "histogram"
      ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
      : type === "summary"
        ? [name, `${name}_sum`, `${name}_count`]
        : [name];
  });

/**
 * Series from other exporters, by their source: Prometheus itself; kube-state-metrics'
 * built-in pod metrics (docs/metrics/workload/pod-metrics.md); Metacontroller's hook client
 * (pkg/metrics/http.go: <metacontroller>_<hook type>_requests_total) and controller-runtime's
 * workqueue metrics (pkg/metrics/workqueue.go) registered in its registry.
 */
const wellKnownMetricNames = [
  "up",
  "kube_pod_container_status_restarts_total",
  "kube_pod_container_info",
  "kube_pod_created",
  "metacontroller_sync_requests_total",
  "workqueue_retries_total",
];

/** What SDF's stellar-core-prometheus-exporter serves (the e2e stand-in serves it as it does). */
const coreMetricNames = exporterMetricNames();

const knownMetricNames = new Set([
  ...ksmMetricNames,
  ...hookMetricNames,
  ...wellKnownMetricNames,
  ...coreMetricNames,
]);

const PROMQL_KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression selects (a small lexer, enough for our queries). */
function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const name = match[1] ?? "";
    if (!PROMQL_KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}

function dashboardTargets(): { panel: string; expr: string }[] {
  return dashboardPanels.flatMap((panel) =>
    (Array.isArray(panel["targets"]) ? panel["targets"] : []).map((target) => ({
      panel: String(panel["title"]),
      expr: String(asRecord(target, "target")["expr"]),
    })),
  );
}

describe("PrometheusRule manifests/monitoring/prometheus-rule.yaml", () => {
  it("is a monitoring.coreos.com/v1 PrometheusRule whose alerts say how bad and what to do", () => {
    assert.equal(prometheusRule["apiVersion"], "monitoring.coreos.com/v1");
    assert.equal(prometheusRule["kind"], "PrometheusRule");
    assert.ok(alerts.length >= 8, "the alerts");
    const names = alerts.map((rule) => rule.alert);
    assert.equal(new Set(names).size, names.length, "alert names are unique");
    for (const rule of alerts) {
      assert.match(rule.labels?.["severity"] ?? "", /^(critical|warning|info)$/, `${rule.alert}`);
      assert.ok((rule.annotations?.["summary"] ?? "").length > 0, `${rule.alert} summary`);
      assert.ok(
        (rule.annotations?.["description"] ?? "").length > 80,
        `${rule.alert} description says what to do`,
      );
      assert.ok(rule.for !== undefined, `${rule.alert} has a for: duration`);
    }
  });

  it("covers the issue's cases: no peers, peers dropped, restart pending, invalid spec, sync errors, hook server down", () => {
    const exprs = alerts.map((rule) => rule.expr).join("\n");
    for (const needle of [
      "kube_stellarnode_peer_count == 0",
      "max_over_time(kube_stellarnode_peer_count[30m])",
      "kube_stellarnode_pending_restart == 1",
      "kube_stellarnode_valid == 0",
      "kube_stellarnode_ready == 0",
      'reason="internal"',
      "metacontroller_sync_requests_total",
      'up{job="stellar-peers"} == 0',
      'absent(up{job="stellar-peers"} == 1)',
    ]) {
      assert.ok(exprs.includes(needle), needle);
    }
  });

  it("every alert has promtool cases where it fires and where it does not", () => {
    const cases = readdirSync(ruleTests)
      .filter((file) => file.endsWith(".test.yaml"))
      .flatMap((file) => {
        const tests = asArray(asRecord(parse(read(join(ruleTests, file))), file)["tests"], file);
        return tests.flatMap((test) =>
          asArray(asRecord(test, "test")["alert_rule_test"] ?? [], "alert_rule_test").map((check) =>
            asRecord(check, "check"),
          ),
        );
      });
    for (const rule of alerts) {
      const mine = cases.filter((check) => check["alertname"] === rule.alert);
      const fires = mine.filter((check) => asArray(check["exp_alerts"] ?? [], "exp").length > 0);
      const quiet = mine.filter((check) => asArray(check["exp_alerts"] ?? [], "exp").length === 0);
      assert.ok(fires.length > 0, `${rule.alert}: a case where it fires`);
      assert.ok(quiet.length > 0, `${rule.alert}: a contrasting case where it does not`);
    }
  });

  it("selects only metrics that exist", () => {
    for (const rule of groups.flatMap((group) => group.rules)) {
      for (const name of promqlMetricNames(rule.expr)) {
        assert.ok(
          knownMetricNames.has(name),
          `${rule.alert ?? rule.record}: unknown metric ${name}`,
        );
      }
    }
  });
});

describe("promtool", () => {
  const promtool = process.env["PROMTOOL"] ?? "promtool";
  const probe = spawnSync(promtool, ["--version"], { encoding: "utf8" });
  const missing =
    probe.error !== undefined || probe.status !== 0
      ? `promtool not found (${probe.error?.message ?? `exit ${String(probe.status)}`}): ` +
        "the PrometheusRule is NOT checked and its alerts are NOT unit-tested. " +
        "Install Debian's `prometheus` package (apt-get install prometheus) to run them."
      : undefined;
  if (missing !== undefined) {
    if (process.env["REQUIRE_PROMTOOL"] === "1") {
      it("is installed (REQUIRE_PROMTOOL=1)", () => assert.fail(missing));
      return;
    }
    console.warn(`\n*** WARNING: ${missing}\n`);
  }

  const dir = mkdtempSync(join(tmpdir(), "stellar-peers-rules-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, "stellar-peers.rules.yaml");
  writeFileSync(rulesFile, stringify({ groups }));
  const testFiles = readdirSync(ruleTests).filter((file) => file.endsWith(".test.yaml"));
  for (const file of testFiles) copyFileSync(join(ruleTests, file), join(dir, file));

  const run = (args: string[]) => {
    const result = spawnSync(promtool, args, { cwd: dir, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };

  it("promtool check rules accepts the PrometheusRule's groups", (t) => {
    if (missing !== undefined) {
      t.diagnostic(`WARNING: ${missing}`);
      t.skip(missing);
      return;
    }
    const { status, output } = run(["check", "rules", rulesFile]);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${alerts.length} rules found`), output);
  });

  it("promtool test rules passes test/monitoring/*.test.yaml", (t) => {
    if (missing !== undefined) {
      t.diagnostic(`WARNING: ${missing}`);
      t.skip(missing);
      return;
    }
    assert.ok(testFiles.length > 0, "rule test files");
    const { status, output } = run(["test", "rules", ...testFiles]);
    assert.equal(status, 0, output);
    t.diagnostic(`promtool test rules ${testFiles.join(" ")}: ${status === 0 ? "SUCCESS" : ""}`);
  });
});

describe("kube-state-metrics custom-resource-state config", () => {
  const crd = asRecord(
    parse(read(join(root, "manifests/crd/stellarnodes.stellar.org.yaml"))),
    "the CRD",
  );
  const crdSpec = asRecord(crd["spec"], "crd spec");
  const version = asRecord(asArray(crdSpec["versions"], "versions")[0], "version");
  const schema = asRecord(
    asRecord(version["schema"], "schema")["openAPIV3Schema"],
    "openAPIV3Schema",
  );

  /** Whether the CRD's schema admits the path (preserve-unknown-fields admits anything below). */
  function schemaAdmits(path: readonly string[]): boolean {
    let node: Json = schema;
    for (const segment of path) {
      if (segment.startsWith("[")) {
        node = asRecord(node["items"] ?? {}, "items");
        continue;
      }
      const properties = node["properties"] as Record<string, Json> | undefined;
      const next = properties?.[segment];
      if (next === undefined) {
        return node["x-kubernetes-preserve-unknown-fields"] === true || segment === "metadata";
      }
      node = next;
    }
    return true;
  }

  it("exports peer count, ready, valid and pending restart of every StellarNode, by namespace, name and network", () => {
    assert.equal(ksmConfig["kind"], "CustomResourceStateMetrics");
    assert.equal(ksmResources.length, 1);
    const resource = ksmResources[0] ?? {};
    assert.deepEqual(resource["groupVersionKind"], {
      group: "stellar.org",
      version: "v1alpha1",
      kind: "StellarNode",
    });
    assert.equal(
      resource["resourcePlural"],
      crdSpec["names"] && asRecord(crdSpec["names"], "n")["plural"],
    );
    assert.deepEqual(resource["labelsFromPath"], {
      namespace: ["metadata", "namespace"],
      name: ["metadata", "name"],
      network: ["spec", "network"],
    });
    for (const name of [
      "kube_stellarnode_info",
      "kube_stellarnode_peer_count",
      "kube_stellarnode_ready",
      "kube_stellarnode_valid",
      "kube_stellarnode_pending_restart",
    ]) {
      assert.ok(ksmMetricNames.includes(name), name);
    }
  });

  it("reads only fields the CRD has, through paths of the documented syntax", () => {
    for (const metric of asArray(ksmResources[0]?.["metrics"], "metrics")) {
      const m = asRecord(metric, "metric");
      const each = asRecord(m["each"], "each");
      const type = String(each["type"]);
      assert.match(type, /^(Gauge|Info|StateSet)$/, String(m["name"]));
      assert.ok(String(m["help"] ?? "").length > 0, `${String(m["name"])} help`);
      const body = asRecord(each[type.charAt(0).toLowerCase() + type.slice(1)], `${type} body`);
      const path = (body["path"] ?? []) as string[];
      for (const segment of path) {
        assert.match(segment, /^(\[[A-Za-z]+=[A-Za-z]+\]|[A-Za-z]+)$/, `${String(m["name"])}`);
      }
      if (path[0] === "spec" || path[0] === "status") {
        assert.ok(schemaAdmits(path), `${String(m["name"])}: ${path.join(".")} in the CRD`);
      }
    }
    assert.ok(schemaAdmits(["spec", "network"]));
    assert.ok(schemaAdmits(["spec", "nodeType"]));
    assert.ok(schemaAdmits(["spec", "suspended"]));
  });

  it("ships as a ConfigMap and with RBAC to list and watch stellarnodes", () => {
    const kustomization = asRecord(parse(read(join(monitoring, "kustomization.yaml"))), "k");
    const generators = asArray(kustomization["configMapGenerator"], "generators").map((g) =>
      asRecord(g, "generator"),
    );
    const files = generators.flatMap((g) => asArray(g["files"], "files").map(String));
    assert.ok(files.includes("stellarnodes.yaml=kube-state-metrics-stellarnodes.yaml"));
    assert.ok(files.includes("stellar-peers.json=grafana-dashboard.json"));
    const dashboardGenerator = generators.find(
      (g) => g["name"] === "stellar-peers-grafana-dashboard",
    );
    assert.equal(
      asRecord(asRecord(dashboardGenerator?.["options"], "options")["labels"], "labels")[
        "grafana_dashboard"
      ],
      "1",
    );
    for (const resource of asArray(kustomization["resources"], "resources")) {
      assert.doesNotThrow(() => read(join(monitoring, String(resource))), String(resource));
    }
    const rbac = read(join(monitoring, "kube-state-metrics-rbac.yaml"));
    assert.match(rbac, /resources: \["stellarnodes"\]\n\s+verbs: \["list", "watch"\]/);
    assert.match(rbac, /resources: \["customresourcedefinitions"\]/);
  });
});

describe("Grafana dashboard manifests/monitoring/grafana-dashboard.json", () => {
  it("has a namespace variable and the panels the issue asks for", () => {
    assert.equal(typeof dashboard["uid"], "string");
    const variables = asArray(asRecord(dashboard["templating"], "templating")["list"], "list").map(
      (v) => asRecord(v, "variable"),
    );
    const namespace = variables.find((v) => v["name"] === "namespace");
    assert.ok(namespace, "a namespace variable");
    assert.equal(namespace["includeAll"], true);
    const ids = dashboardPanels.map((panel) => panel["id"]);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
    const exprs = dashboardTargets()
      .map((target) => target.expr)
      .join("\n");
    for (const needle of [
      "kube_stellarnode_peer_count",
      "stellar_peers_peer_set_changes_total",
      "kube_pod_container_status_restarts_total",
      "kube_stellarnode_pending_restart",
      "histogram_quantile(0.99, sum by (hook, le) (rate(stellar_peers_hook_duration_seconds_bucket",
      "stellar_peers_hook_errors_total",
    ]) {
      assert.ok(exprs.includes(needle), needle);
    }
  });

  it("queries only metrics that exist, and per-namespace series by $namespace", () => {
    const targets = dashboardTargets();
    assert.ok(targets.length > 10);
    for (const { panel, expr } of targets) {
      assert.ok(expr.trim().length > 0, `${panel}: an expr`);
      for (const name of promqlMetricNames(expr)) {
        assert.ok(knownMetricNames.has(name), `${panel}: unknown metric ${name} in ${expr}`);
      }
      if (/kube_(stellarnode|pod)_/.test(expr)) {
        assert.match(expr, /namespace=~"\$namespace"/, `${panel}: ${expr}`);
      }
    }
  });
});

describe("promqlMetricNames", () => {
  it("finds selected metrics and skips functions, keywords, labels and ranges", () => {
    assert.deepEqual(
      promqlMetricNames(
        'sum by (hook, le) (rate(a_bucket{job="x", le=~"1|2"}[5m])) > on (namespace) group_left b unless c_total offset 5m or vector(0)',
      ),
      ["a_bucket", "b", "c_total"],
    );
  });
});

describe("docs/metrics-and-alerts.md", () => {
  // stellar-core's own metrics and their alerts have their page, docs/stellar-core-metrics.md.
  const section =
    read(join(root, "docs/metrics-and-alerts.md")) +
    read(join(root, "docs/stellar-core-metrics.md"));

  it("documents every hook server metric, every kube-state-metrics series and every alert", () => {
    const hookNames = createHookMetrics()
      .registry.getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => name.startsWith("stellar_peers_"));
    for (const name of [
      ...hookNames,
      ...ksmMetricNames,
      ...alerts.map((rule) => rule.alert ?? ""),
    ]) {
      assert.ok(section.includes(`\`${name}\``), `docs/metrics-and-alerts.md documents ${name}`);
    }
  });
});

describe("stellar-core's own metrics: PodMonitor, alerts, dashboard, docs", () => {
  const podMonitor = asRecord(parse(read(join(monitoring, "core-pod-monitor.yaml"))), "pm");
  const spec = asRecord(podMonitor["spec"], "spec");
  const endpoint = asRecord(asArray(spec["podMetricsEndpoints"], "endpoints")[0], "endpoint");
  const coreGroup = groups.find((group) => group.name === "stellar-peers.stellar-core");

  it("the PodMonitor selects the validators' pods, in every namespace, on the exporter's port", () => {
    assert.equal(podMonitor["kind"], "PodMonitor");
    const kustomization = asRecord(parse(read(join(monitoring, "kustomization.yaml"))), "k");
    assert.ok(asArray(kustomization["resources"], "resources").includes("core-pod-monitor.yaml"));
    const matchLabels = asRecord(asRecord(spec["selector"], "selector")["matchLabels"], "labels");
    const podLabels = validatorLabels("validator-a", "Testnet");
    for (const [key, value] of Object.entries(matchLabels)) {
      assert.equal(podLabels[key], value, `the pod template's label ${key}`);
    }
    assert.deepEqual(spec["namespaceSelector"], { any: true });
    assert.equal(endpoint["port"], EXPORTER_PORT_NAME);
    assert.equal(endpoint["path"], "/metrics");
  });

  it("labels each series with the StellarNode's name and keeps the exporter's network as network_passphrase", () => {
    const relabelings = asArray(endpoint["relabelings"], "relabelings").map((r) =>
      asRecord(r, "relabeling"),
    );
    assert.ok(
      relabelings.some(
        (r) =>
          r["targetLabel"] === "name" &&
          JSON.stringify(r["sourceLabels"]) ===
            JSON.stringify(["__meta_kubernetes_pod_label_app_kubernetes_io_instance"]),
      ),
    );
    assert.equal(
      validatorLabels("validator-a", "Testnet")["app.kubernetes.io/instance"],
      "validator-a",
    );
    const metricRelabelings = asArray(endpoint["metricRelabelings"], "m").map((r) =>
      asRecord(r, "metric relabeling"),
    );
    assert.deepEqual(
      metricRelabelings.map((r) => [r["action"], r["targetLabel"] ?? r["regex"]]),
      [
        ["replace", "network_passphrase"],
        ["labeldrop", "network"],
      ],
    );
  });

  it("alerts on peers not connected, ledger age, a stuck catch-up and a blind exporter", () => {
    assert.ok(coreGroup, "rule group stellar-peers.stellar-core");
    assert.deepEqual(
      coreGroup.rules.map((rule) => rule.alert),
      [
        "StellarCorePeersNotConnected",
        "StellarCoreOutOfConsensus",
        "StellarCoreCatchupStuck",
        "StellarCoreMetricsDown",
      ],
    );
    const exprs = coreGroup.rules.map((rule) => rule.expr).join("\n");
    for (const needle of [
      "stellar_core_peers_authenticated_count",
      "(kube_stellarnode_group_size - 1)",
      "stellar_core_ledger_age > 60",
      "stellar_core_catching_up == 1",
      "changes(stellar_core_ledger_num[1h]) == 0",
      `up{container="${EXPORTER_CONTAINER}"} == 0`,
    ]) {
      assert.ok(exprs.includes(needle), needle);
    }
  });

  it("kube-state-metrics exports the group size from status.rollout.groupSize", () => {
    const metric = asArray(ksmResources[0]?.["metrics"], "metrics")
      .map((m) => asRecord(m, "metric"))
      .find((m) => m["name"] === "group_size");
    assert.deepEqual(asRecord(asRecord(metric?.["each"], "each")["gauge"], "gauge")["path"], [
      "status",
      "rollout",
      "groupSize",
    ]);
  });

  it("the dashboard shows rendered peers next to connected peers for each validator", () => {
    const panel = dashboardPanels.find((p) => p["title"] === "Rendered and connected peers");
    assert.ok(panel, "the panel");
    const exprs = asArray(panel["targets"], "targets").map((t) =>
      String(asRecord(t, "target")["expr"]),
    );
    assert.deepEqual(exprs, [
      'kube_stellarnode_peer_count{namespace=~"$namespace"}',
      'stellar_core_peers_authenticated_count{namespace=~"$namespace"}',
    ]);
    for (const { panel: title, expr } of dashboardTargets()) {
      if (expr.includes("stellar_core_")) {
        assert.match(expr, /namespace=~"\$namespace"/, `${title}: ${expr}`);
      }
    }
  });

  it("docs/stellar-core-metrics.md explains every alert of the group and the exporter's series they read", () => {
    const page = read(join(root, "docs/stellar-core-metrics.md"));
    for (const rule of coreGroup?.rules ?? []) {
      assert.ok(page.includes(`\`${rule.alert ?? ""}\``), `${rule.alert}`);
      for (const name of promqlMetricNames(rule.expr)) {
        assert.ok(page.includes(`\`${name}\``), `${rule.alert}: ${name}`);
      }
    }
    assert.match(page, /kwok runs no containers/);
  });
});

describe("the e2e exporter stand-in serves what stellar-core-prometheus-exporter serves", () => {
  const text = exporterText(coreState({ state: "Catching up", authenticated: 2, ledgerAge: 90 }));
  const value = (name: string): string | undefined =>
    text
      .split("\n")
      .find((line) => line.startsWith(`${name}{`))
      ?.split("} ")[1];

  it("labels every series as exporter.py does: version from the build, build, network passphrase", () => {
    const first = text.split("\n").find((line) => !line.startsWith("#")) ?? "";
    assert.match(
      first,
      /\{ver_major="27",ver_minor="1",ver_patch="0",build="stellar-core_27\.1\.0_3589a696b1e2f1b5ddc3c3ef56e2c19e80a63e7f",network="Test SDF Network ; September 2015"/,
    );
  });

  it("turns /info into gauges: peers, ledger, one 0/1 series per state", () => {
    assert.equal(value("stellar_core_peers_authenticated_count"), "2");
    assert.equal(value("stellar_core_ledger_age"), "90");
    assert.equal(value("stellar_core_catching_up"), "1");
    assert.equal(value("stellar_core_synced"), "0");
    assert.equal(value("stellar_core_quorum_phase_externalize"), "1");
    assert.equal(
      value("stellar_core_started_on"),
      String(Date.parse("2026-12-01T10:00:00Z") / 1000),
    );
  });

  it("turns /metrics into stellar_core_<name>: timers as summaries in seconds, counters as gauges, meters as counters", () => {
    assert.equal(value("stellar_core_ledger_ledger_close_seconds_sum"), "360");
    assert.match(text, /# TYPE stellar_core_ledger_ledger_close_seconds_count summary\n/);
    assert.match(
      text,
      /stellar_core_ledger_ledger_close_seconds\{[^}]*,quantile="0\.99"\} 0\.62\n/,
    );
    assert.match(text, /# TYPE stellar_core_ledger_age_current_seconds gauge\n/);
    assert.match(text, /# TYPE stellar_core_overlay_inbound_attempt counter\n/);
  });

  it("serves every metric name the alerts and the dashboard read", () => {
    for (const name of [
      "stellar_core_peers_authenticated_count",
      "stellar_core_ledger_age",
      "stellar_core_ledger_num",
      "stellar_core_catching_up",
    ]) {
      assert.ok(coreMetricNames.includes(name), name);
    }
  });
});
