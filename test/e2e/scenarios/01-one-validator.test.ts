import assert from "node:assert/strict";
import { condition, getJson, type Service } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  CONFIG_HASH_ANNOTATION,
  createValidators,
  DEFAULT_PEER_PORT,
  getConfigMap,
  PEERS_HASH_ANNOTATION,
  waitForPeers,
  waitForValidatorConverged,
} from "../support/stellar.js";

scenario(
  "1. one validator: StatefulSet, Service and peers ConfigMap with 0 peers; pod Running and Ready; status Ready=True, peerCount 0",
  { namespaces: ["e2e-1-one"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }]);
    step("created StellarNode alpha and its seed Secret");

    // The first scenario also waits for Metacontroller to discover the freshly applied
    // CompositeController and CRD (its discovery interval is 5 s): a longer bound.
    const { node, statefulSet, pod, pvc } = await waitForValidatorConverged(ns, "alpha", 180_000);
    step(
      `alpha runs: pod ${pod.metadata.uid} on ${pod.spec.nodeName}, PVC bound to ${pvc.spec.volumeName}`,
    );

    // The StatefulSet is the StellarNode's child (Metacontroller sets the ControllerRef).
    assert.deepEqual(
      statefulSet.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
      [["StellarNode", "alpha", node.metadata.uid]],
      "StatefulSet alpha is owned by StellarNode alpha",
    );
    assert.match(pvc.spec.volumeName ?? "", /^e2e-pv-/, "PVC data-alpha-0 is bound to a pool PV");

    const service = await getJson<Service>(["get", "service", "alpha", "-n", ns]);
    assert.equal(service.spec.clusterIP, "None", "Service alpha is headless");
    assert.deepEqual(
      service.spec.ports.map((p) => [p.name, p.port]),
      [["peer", DEFAULT_PEER_PORT]],
      "Service alpha publishes the default peer port",
    );

    const peers = await waitForPeers(ns, "alpha", []);
    assert.equal(peers.data?.["peer_count"], "0");
    assert.equal(peers.data?.["KNOWN_PEERS"], "", "alpha-peers KNOWN_PEERS is empty");
    const config = await getConfigMap(ns, "alpha-config");
    assert.match(
      config.data?.["stellar-core.cfg"] ?? "",
      /NETWORK_PASSPHRASE\s*=\s*"Test SDF Network ; September 2015"/,
      "alpha-config renders a Testnet stellar-core.cfg",
    );

    // kwok reports Ready itself and runs no container, so the probes cannot be exercised
    // here (test/unit/probes.test.ts runs them against a fake stellar-core); check that the
    // applied template carries the exec probes that ask stellar-core's /info, and that
    // stellar-core waits to hear the network before it takes part in consensus.
    const core = statefulSet.spec.template.spec.containers.find((c) => c.name === "stellar-core");
    assert.ok(core, "StatefulSet alpha has the stellar-core container");
    const readiness = core.readinessProbe?.exec?.command?.join(" ") ?? "";
    assert.match(readiness, /stellar-core http-command info/, "readiness asks /info");
    assert.match(readiness, /Synced!/, "readiness needs state Synced!");
    assert.match(
      core.livenessProbe?.exec?.command?.join(" ") ?? "",
      /http-command info/,
      "liveness asks /info",
    );
    assert.ok(core.startupProbe?.exec, "a startup probe guards the first start");
    assert.ok(core.args?.includes("--wait-for-consensus"), "run --wait-for-consensus");

    // The pod runs the template with both hashes (what restarts it on a change).
    const template = statefulSet.spec.template.metadata.annotations ?? {};
    assert.match(
      template[PEERS_HASH_ANNOTATION] ?? "",
      /^[0-9a-f]{64}$/,
      "peers-hash on the template",
    );
    assert.match(
      template[CONFIG_HASH_ANNOTATION] ?? "",
      /^[0-9a-f]{64}$/,
      "config-hash on the template",
    );
    assert.equal(
      pod.metadata.annotations?.[PEERS_HASH_ANNOTATION],
      template[PEERS_HASH_ANNOTATION],
    );
    assert.equal(
      pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION],
      template[CONFIG_HASH_ANNOTATION],
    );

    const status = node.status ?? {};
    assert.equal(status.peerCount, 0, "status.peerCount");
    for (const type of ["Valid", "QuorumSetValid", "Ready", "TemplateApplied", "SpecApplied"]) {
      const found = condition(status.conditions, type);
      assert.equal(found?.status, "True", `condition ${type}: ${JSON.stringify(found)}`);
      assert.equal(
        found.observedGeneration,
        node.metadata.generation,
        `condition ${type} observedGeneration`,
      );
    }
  },
);
