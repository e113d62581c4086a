import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { coreState, exporterMetricNames } from "../monitoring/core-exporter-stand-in.js";
import {
  CORE_FIRED_ALERT,
  E2E_SHORT_FOR,
  FIRED_ALERT,
  monitoringUnavailable,
  startMonitoring,
  type MonitoringStack,
} from "../monitoring/stack.js";
import { applyObjects, kubectl, KubectlError, REPO_ROOT } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  EXAMPLE_QUORUM_SET,
  patchStellarNode,
  peerAddress,
  validatorObjects,
  waitForPeers,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

const TITLE =
  "20. monitoring: a real kube-state-metrics and Prometheus read each validator's peer count as validators join and leave, StellarNodeSpecInvalid fires, and stellar-core's exporter (a stand-in: kwok runs no containers) is scraped through the PodMonitor and StellarCorePeersNotConnected fires";

/** The dashboard panel that shows rendered next to connected peers, its queries for `ns`. */
function renderedAndConnectedQueries(ns: string): string[] {
  const dashboard = JSON.parse(
    readFileSync(join(REPO_ROOT, "manifests/monitoring/grafana-dashboard.json"), "utf8"),
  ) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const panel = dashboard.panels.find((p) => p.title === "Rendered and connected peers");
  assert.ok(panel?.targets, "the dashboard's panel Rendered and connected peers");
  return panel.targets.map((t) => t.expr.replaceAll("$namespace", ns));
}

/** Each validator's kube_stellarnode_peer_count in namespace `ns`, as Prometheus has it now. */
async function peerCounts(stack: MonitoringStack, ns: string): Promise<Record<string, number>> {
  const samples = await stack.query(`kube_stellarnode_peer_count{namespace="${ns}"}`);
  return Object.fromEntries(samples.map((s) => [s.metric["name"] ?? "?", s.value]));
}

async function waitForPeerCounts(
  stack: MonitoringStack,
  ns: string,
  expected: Record<string, number>,
): Promise<void> {
  await waitFor(
    `Prometheus to report peer counts ${JSON.stringify(expected)} in ${ns}`,
    async () => assert.deepEqual(await peerCounts(stack, ns), expected),
    60_000,
  );
}

/** A single sample of the query, or an assertion error. */
async function one(stack: MonitoringStack, promql: string): Promise<number> {
  const samples = await stack.query(promql);
  assert.equal(samples.length, 1, `${promql}: ${JSON.stringify(samples)}`);
  return samples[0]?.value ?? NaN;
}

const unavailable = monitoringUnavailable();
if (unavailable !== undefined && process.env["E2E_REQUIRE_MONITORING"] !== "1") {
  process.stderr.write(`\n*** WARNING: scenario 20 skipped: ${unavailable}\n\n`);
  test(TITLE, { skip: unavailable }, () => {});
} else {
  scenario(TITLE, { namespaces: ["e2e-20-monitoring"], timeoutMs: 900_000 }, async (context) => {
    const { namespace: ns, step } = context;
    if (unavailable !== undefined) assert.fail(`E2E_REQUIRE_MONITORING=1: ${unavailable}`);
    const stack = await startMonitoring(step);
    try {
      const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => peerAddress(ns, n));

      // --- the exporter's port may not take another port of the pod (CEL, at admission) ---
      const clash = validatorObjects(ns, "clash", { exporter: true })
        .filter((o) => (o as { kind: string }).kind === "StellarNode")
        .map((o) => {
          const node = o as { spec: { metrics: { exporter: Record<string, unknown> } } };
          node.spec.metrics.exporter["port"] = 11626;
          return node;
        });
      const refused = await applyObjects(clash).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(refused instanceof KubectlError, "the API server refuses exporter port 11626");
      assert.match(
        refused.message,
        /metrics\.exporter\.port must differ from the pod's other ports/,
      );
      step("a StellarNode whose exporter port is 11626 is refused at admission (CEL)");

      // --- validators join ------------------------------------------------------------
      await createValidators(ns, [
        { name: "alpha", exporter: true },
        { name: "beta", exporter: true },
      ]);
      await waitForPeers(ns, "alpha", [beta!], 120_000);
      await waitForPeers(ns, "beta", [alpha!]);
      await waitForPeerCounts(stack, ns, { alpha: 1, beta: 1 });
      step("alpha and beta: Prometheus reads 1 peer each");

      await createValidators(ns, [{ name: "gamma", exporter: true }]);
      await waitForPeers(ns, "alpha", [beta!, gamma!]);
      await waitForPeers(ns, "beta", [alpha!, gamma!]);
      await waitForPeers(ns, "gamma", [alpha!, beta!]);
      await waitForPeerCounts(stack, ns, { alpha: 2, beta: 2, gamma: 2 });
      step("gamma joined: Prometheus reads 2 peers each");

      // The other kube_stellarnode_* series, labelled by namespace, name and network.
      await waitFor("kube_stellarnode_info and _valid for gamma", async () => {
        const labels = `namespace="${ns}", name="gamma", network="Testnet"`;
        assert.equal(
          await one(stack, `kube_stellarnode_info{${labels}, node_type="Validator"}`),
          1,
        );
        assert.equal(await one(stack, `kube_stellarnode_valid{${labels}}`), 1);
        assert.equal(await one(stack, `kube_stellarnode_suspended{${labels}}`), 0);
      });

      // --- stellar-core's own metrics, from the exporter stand-in ------------------------
      // kwok runs no containers: no stellar-core and no exporter run in these pods. The
      // stand-in serves, for each pod, what stellar-core-prometheus-exporter serves for a
      // stellar-core in that state; Prometheus finds the pods as the PodMonitor selects them.
      stack.exporter.set(`${ns}/alpha-0`, coreState({ authenticated: 2 }));
      stack.exporter.set(`${ns}/beta-0`, coreState({ authenticated: 2 }));
      stack.exporter.set(`${ns}/gamma-0`, coreState({ authenticated: 1 }));
      await waitFor(
        "Prometheus to scrape the exporters of alpha, beta and gamma through the PodMonitor",
        async () => {
          await stack.discoverExporterPods([ns]);
          const samples = await stack.query(
            `stellar_core_peers_authenticated_count{namespace="${ns}"}`,
          );
          assert.deepEqual(
            Object.fromEntries(samples.map((s) => [s.metric["name"] ?? "?", s.value])),
            { alpha: 2, beta: 2, gamma: 1 },
          );
        },
        60_000,
      );
      const [alphaSample] = await stack.query(
        `stellar_core_peers_authenticated_count{namespace="${ns}", name="alpha"}`,
      );
      assert.equal(alphaSample?.metric["pod"], "alpha-0");
      assert.equal(alphaSample?.metric["container"], "stellar-core-prometheus-exporter");
      assert.equal(alphaSample?.metric["network_passphrase"], "Test SDF Network ; September 2015");
      assert.equal(alphaSample?.metric["network"], undefined, "the exporter's network is renamed");
      assert.equal(alphaSample?.metric["ver_major"], "27");
      const served = await stack.query(
        `count by (__name__) ({__name__=~"stellar_core_.+", namespace="${ns}", name="alpha"})`,
      );
      assert.deepEqual(
        served.map((s) => s.metric["__name__"]).sort(),
        exporterMetricNames(),
        "every metric name the exporter serves",
      );
      step(
        `the exporters' ${served.length} metric names are scraped, labelled namespace, pod and name`,
      );

      for (const expr of renderedAndConnectedQueries(ns)) {
        assert.equal((await stack.query(expr)).length, 3, `dashboard: ${expr}`);
      }
      await waitFor("kube_stellarnode_group_size 3 for each", async () => {
        const sizes = await stack.query(`kube_stellarnode_group_size{namespace="${ns}"}`);
        assert.deepEqual(
          sizes.map((s) => s.value),
          [3, 3, 3],
        );
      });

      const notConnected = await waitFor(
        `${CORE_FIRED_ALERT} to fire for ${ns}/gamma (for: ${E2E_SHORT_FOR} here)`,
        async () => {
          const active = (await stack.alerts()).filter(
            (a) => a.labels["alertname"] === CORE_FIRED_ALERT && a.labels["namespace"] === ns,
          );
          assert.deepEqual(
            active.map((a) => [a.labels["name"], a.state]),
            [["gamma", "firing"]],
          );
          return active[0]!;
        },
        90_000,
      );
      assert.equal(notConnected.labels["network"], "Testnet");
      assert.equal(notConnected.labels["pod"], "gamma-0");
      assert.equal(
        notConnected.annotations["summary"],
        `Validator ${ns}/gamma is connected to 1 peers, fewer than the members it lists`,
      );
      step(`${CORE_FIRED_ALERT} fired for gamma only: ${notConnected.annotations["summary"]}`);

      stack.exporter.set(`${ns}/gamma-0`, coreState({ authenticated: 2 }));
      await waitFor(
        `${CORE_FIRED_ALERT} to resolve for ${ns}/gamma`,
        async () => {
          const active = (await stack.alerts()).filter(
            (a) => a.labels["alertname"] === CORE_FIRED_ALERT && a.labels["namespace"] === ns,
          );
          assert.deepEqual(active, []);
        },
        60_000,
      );
      step("gamma connected to both others: the alert resolved");

      // --- a validator leaves -----------------------------------------------------------
      await kubectl(["delete", "stellarnode", "gamma", "-n", ns, "--timeout=60s"]);
      await waitForPeers(ns, "alpha", [beta!]);
      await waitForPeers(ns, "beta", [alpha!]);
      await waitForPeerCounts(stack, ns, { alpha: 1, beta: 1 });
      step("gamma deleted: its series is gone, Prometheus reads 1 peer each");
      await waitFor("StellarValidatorPeerCountDropped pending or firing for alpha", async () => {
        const dropped = (await stack.alerts()).filter(
          (a) =>
            a.labels["alertname"] === "StellarValidatorPeerCountDropped" &&
            a.labels["namespace"] === ns,
        );
        assert.deepEqual(dropped.map((a) => a.labels["name"]).sort(), ["alpha", "beta"]);
      });
      step("StellarValidatorPeerCountDropped is active for alpha and beta (its for: is 5m)");

      // --- the hook server's and Metacontroller's series ----------------------------------
      await waitFor("hook server and Metacontroller series", async () => {
        assert.equal(await one(stack, 'up{job="stellar-peers"}'), 1);
        assert.ok(
          (await one(stack, 'sum(stellar_peers_peer_set_changes_total{job="stellar-peers"})')) >= 4,
          "peer-set changes: 2 initial lists, then alpha's and beta's updates",
        );
        assert.ok(
          (await stack.query('metacontroller_sync_requests_total{controller_name="stellarnode"}'))
            .length > 0,
          "metacontroller_sync_requests_total (MetacontrollerStellarNodeHookErrors)",
        );
        assert.equal(
          (await stack.query('workqueue_retries_total{name="CompositeController-stellarnode"}'))
            .length,
          1,
          "workqueue_retries_total (MetacontrollerStellarNodeSyncRetries)",
        );
      });
      step("the hook server, Metacontroller and the alerts' metric names are scraped");

      // --- an alert fires for real --------------------------------------------------------
      const invalid = `KNOWN_PEERS = ["x:1"]\n${EXAMPLE_QUORUM_SET}`;
      await patchStellarNode(ns, "alpha", { spec: { validatorConfig: { quorumSet: invalid } } });
      step(`alpha's quorumSet made invalid; ${FIRED_ALERT} has for: ${E2E_SHORT_FOR} here`);
      const fired = await waitFor(
        `${FIRED_ALERT} to fire for ${ns}/alpha`,
        async () => {
          const alert = (await stack.alerts()).find(
            (a) =>
              a.labels["alertname"] === FIRED_ALERT &&
              a.labels["namespace"] === ns &&
              a.labels["name"] === "alpha",
          );
          assert.equal(alert?.state, "firing", JSON.stringify(alert));
          return alert;
        },
        90_000,
      );
      assert.equal(fired.labels["severity"], "warning");
      assert.equal(fired.labels["network"], "Testnet");
      assert.equal(fired.annotations["summary"], `StellarNode ${ns}/alpha has an invalid spec`);
      assert.match(fired.annotations["description"] ?? "", /kubectl describe sn alpha -n /);
      assert.ok(
        (await one(
          stack,
          'sum(stellar_peers_invalid_specs_total{job="stellar-peers", reason="InvalidQuorumSet"})',
        )) > 0,
        "the hook server counted the invalid spec",
      );
      step(`${FIRED_ALERT} fired: ${fired.annotations["summary"]}`);

      await patchStellarNode(ns, "alpha", {
        spec: { validatorConfig: { quorumSet: EXAMPLE_QUORUM_SET } },
      });
      await waitFor(
        `${FIRED_ALERT} to resolve for ${ns}/alpha`,
        async () => {
          const active = (await stack.alerts()).filter(
            (a) => a.labels["alertname"] === FIRED_ALERT && a.labels["namespace"] === ns,
          );
          assert.deepEqual(active, []);
        },
        60_000,
      );
      step("spec fixed: the alert resolved");
    } finally {
      await stack.stop();
    }
  });
}
