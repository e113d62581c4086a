import assert from "node:assert/strict";
import { test } from "node:test";
import {
  E2E_SHORT_FOR,
  FIRED_ALERT,
  monitoringUnavailable,
  startMonitoring,
  type MonitoringStack,
} from "../monitoring/stack.js";
import { kubectl } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  EXAMPLE_QUORUM_SET,
  patchStellarNode,
  peerAddress,
  waitForPeers,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

const TITLE =
  "20. monitoring: a real kube-state-metrics and Prometheus read each validator's peer count as validators join and leave, and StellarNodeSpecInvalid fires";

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

      // --- validators join ------------------------------------------------------------
      await createValidators(ns, [{ name: "alpha" }, { name: "beta" }]);
      await waitForPeers(ns, "alpha", [beta!], 120_000);
      await waitForPeers(ns, "beta", [alpha!]);
      await waitForPeerCounts(stack, ns, { alpha: 1, beta: 1 });
      step("alpha and beta: Prometheus reads 1 peer each");

      await createValidators(ns, [{ name: "gamma" }]);
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
