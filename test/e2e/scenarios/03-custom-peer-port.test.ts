import assert from "node:assert/strict";
import { getJson, kubectl, type Service } from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getConfigMap,
  peerAddress,
  waitForPeers,
  waitForValidatorReady,
} from "../support/stellar.js";

const CUSTOM_PORT = 11725;

scenario(
  "3. a third validator with validatorConfig.peerPort 11725: the others list it with that port; its Service publishes it",
  { namespaces: ["e2e-3-port"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }]);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")], 120_000);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
    step("alpha and beta list each other");

    await createValidators(ns, [{ name: "gamma", peerPort: CUSTOM_PORT }]);
    step(`created gamma with peerPort ${CUSTOM_PORT}`);
    const gamma = peerAddress(ns, "gamma", CUSTOM_PORT);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta"), gamma]);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha"), gamma]);
    // gamma lists the others with their (default) port, not its own.
    await waitForPeers(ns, "gamma", [peerAddress(ns, "alpha"), peerAddress(ns, "beta")]);
    step("every list is complete");

    const service = await getJson<Service>(["get", "service", "gamma", "-n", ns]);
    assert.deepEqual(
      service.spec.ports.map((p) => [p.name, p.port]),
      [["peer", CUSTOM_PORT]],
      "Service gamma publishes port 11725",
    );
    const containerPort = await kubectl([
      "get",
      "statefulset",
      "gamma",
      "-n",
      ns,
      "-o",
      'jsonpath={.spec.template.spec.containers[0].ports[?(@.name=="peer")].containerPort}',
    ]);
    assert.equal(containerPort, String(CUSTOM_PORT), "stellar-core's container peer port");
    assert.match(
      (await getConfigMap(ns, "gamma-config")).data?.["stellar-core.cfg"] ?? "",
      /^PEER_PORT = 11725$/m,
      "gamma's stellar-core.cfg listens on 11725",
    );
    const alphaService = await getJson<Service>(["get", "service", "alpha", "-n", ns]);
    assert.deepEqual(
      alphaService.spec.ports.map((p) => p.port),
      [11625],
      "alpha keeps the default port",
    );
    await waitForValidatorReady(ns, "gamma");
  },
);
