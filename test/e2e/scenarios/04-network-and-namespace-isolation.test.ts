import assert from "node:assert/strict";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getConfigMap,
  knownPeersLines,
  peerAddress,
  waitForPeers,
} from "../support/stellar.js";

scenario(
  "4. a Mainnet validator and a validator of another namespace: never listed by the Testnet ones, and vice versa",
  { namespaces: ["e2e-4-iso", "e2e-4-other"] },
  async ({ namespaces: [ns = "", other = ""], step }) => {
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }]);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")], 120_000);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
    step("Testnet alpha and beta list each other");

    // Created after alpha and beta are known, so their first sync sees both.
    await createValidators(ns, [{ name: "mainnet", network: "Mainnet" }]);
    await createValidators(other, [{ name: "delta" }]);
    const mainnet = await waitForPeers(ns, "mainnet", []);
    assert.equal(mainnet.data?.["peer_count"], "0", "the Mainnet validator lists no Testnet one");
    const delta = await waitForPeers(other, "delta", []);
    assert.equal(delta.data?.["peer_count"], "0", "delta lists nobody of the other namespace");
    step("mainnet and delta are rendered with 0 peers");

    // A Testnet validator created after mainnet and delta exist: once alpha and beta list
    // it, they have been synced with mainnet and delta in view, and must still not list them.
    await createValidators(ns, [{ name: "gamma" }]);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta"), peerAddress(ns, "gamma")]);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha"), peerAddress(ns, "gamma")]);
    await waitForPeers(ns, "gamma", [peerAddress(ns, "alpha"), peerAddress(ns, "beta")]);
    step("alpha, beta and gamma list each other and nothing else");

    for (const name of ["alpha", "beta", "gamma"]) {
      const lines = knownPeersLines(await getConfigMap(ns, `${name}-peers`)) ?? [];
      assert.ok(!lines.includes(peerAddress(ns, "mainnet")), `${name} must not list mainnet`);
      assert.ok(!lines.includes(peerAddress(other, "delta")), `${name} must not list delta`);
    }
    assert.deepEqual(knownPeersLines(await getConfigMap(ns, "mainnet-peers")), []);
    assert.deepEqual(knownPeersLines(await getConfigMap(other, "delta-peers")), []);
  },
);
