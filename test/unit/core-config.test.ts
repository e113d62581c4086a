import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { renderCoreConfig } from "../../hooks/stellar/core-config.js";
import { CORE_CONFIG_KEYS, RENDERED_CORE_KEYS } from "../../hooks/stellar/core-config-keys.js";
import { QUORUM_KEYS, parseQuorumSet } from "../../hooks/stellar/quorum-set.js";
import { syncResponse } from "../support/sync.js";
import { FIXED_NOW, QUORUM_SET, stellarNode, syncRequest } from "../support/fixtures.js";

// Copied from shared/stellar/stellar-core-config-keys.txt: the keys stellar-core's
// src/main/Config.cpp accepts (stellar/stellar-core a9b86132).
const ACCEPTED = new Set(
  readFileSync(new URL("../fixtures/stellar-core-config-keys.txt", import.meta.url), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#")),
);

function rendered(): { cfg: string; peersToml: string } {
  const response = syncResponse(
    syncRequest(stellarNode("a"), { related: [stellarNode("a"), stellarNode("b")] }),
    { clusterDomain: "cluster.local", now: FIXED_NOW },
  );
  const data = (name: string) =>
    response.children.find((child) => child.metadata.name === name)?.["data"] as Record<
      string,
      string
    >;
  return {
    cfg: data("a-config")["stellar-core.cfg"] ?? "",
    peersToml: data("a-peers")["peers.toml"] ?? "",
  };
}

describe("stellar-core.cfg", () => {
  it("uses only keys stellar-core accepts", () => {
    for (const key of [...RENDERED_CORE_KEYS, ...QUORUM_KEYS, ...CORE_CONFIG_KEYS]) {
      assert.ok(ACCEPTED.has(key), `${key} is not a stellar-core configuration key`);
    }
    const { cfg } = rendered();
    for (const key of Object.keys(parse(cfg))) assert.ok(ACCEPTED.has(key), key);
  });

  it("assembles as the init container does into one file with KNOWN_PEERS and NODE_SEED at top level", () => {
    const { cfg, peersToml } = rendered();
    // The init container writes peers.toml, then NODE_SEED, then stellar-core.cfg.
    const assembled = `${peersToml}NODE_SEED="SXXX"\n${cfg}`;
    const config = parse(assembled);
    assert.deepEqual(config["KNOWN_PEERS"], ["b-0.b.stellar.svc.cluster.local:11625"]);
    assert.equal(config["NODE_SEED"], "SXXX");
    assert.equal(config["NETWORK_PASSPHRASE"], "Test SDF Network ; September 2015");
    assert.equal(config["PUBLIC_HTTP_PORT"], false);
    assert.equal(config["PEER_PORT"], 11625);
    assert.deepEqual((config["QUORUM_SET"] as Record<string, unknown>)["VALIDATORS"], [
      "$alpha",
      "$beta",
      "$gamma",
      "$delta",
    ]);
    for (const key of Object.keys(config)) assert.ok(ACCEPTED.has(key), key);
  });

  it("puts the user's top-level quorum keys before every table", () => {
    const quorum = parseQuorumSet(`UNSAFE_QUORUM = true\n${QUORUM_SET}`, CORE_CONFIG_KEYS);
    assert.ok(quorum.ok);
    const cfg = renderCoreConfig({
      namespace: "ns",
      name: "a",
      networkPassphrase: "p",
      peerPort: 11625,
      homeDomain: "example.org",
      historyArchives: ["https://history.example.org"],
      quorum: quorum.ok ? quorum.quorum : {},
    });
    const firstTable = cfg.search(/^\[/m);
    for (const key of ["UNSAFE_QUORUM", "NODE_NAMES", "DATABASE", "NODE_HOME_DOMAIN"]) {
      const at = cfg.search(new RegExp(`^${key} =`, "m"));
      assert.ok(at >= 0 && at < firstTable, `${key} must precede the first table`);
    }
    const history = parse(cfg)["HISTORY"] as Record<string, { get: string }>;
    assert.equal(history["archive0"]?.get, "curl -sf https://history.example.org/{0} -o {1}");
  });
});
