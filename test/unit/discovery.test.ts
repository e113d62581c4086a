import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planPeers } from "../../hooks/discovery/plan-peers.js";
import type { Peer, PeerSelf } from "../../hooks/discovery/peers.js";
import { readPeerCandidates } from "../../hooks/discovery/related-nodes.js";
import { PeerDiscoverySchema, type PeerDiscovery } from "../../hooks/spec/stellar-node-spec.js";
import { NETWORK_PASSPHRASES } from "../../hooks/stellar/networks.js";
import {
  formatPeerAddress as peerKey,
  parsePeerAddress,
} from "../../hooks/stellar/peer-address.js";
import { objectMap, stellarNode } from "../support/fixtures.js";

const TESTNET = NETWORK_PASSPHRASES.Testnet;
const self: PeerSelf = {
  name: "a",
  namespace: "stellar",
  uid: "uid-stellar-a",
  networkPassphrase: TESTNET,
  peerPort: 11625,
};

/** The peer list planPeers makes for `self` (or a variant) from a related map. */
function discoverPeers(
  node: PeerSelf,
  related: unknown,
  staticPeers: string[],
  discovery: Partial<PeerDiscovery> = {},
): Peer[] {
  return planPeers({
    self: node,
    discovery: { ...PeerDiscoverySchema.parse({}), ...discovery },
    staticPeers,
    candidates: readPeerCandidates(related, node.namespace),
    related,
    clusterDomain: "cluster.local",
  }).peers;
}

function peersOf(related: ReturnType<typeof stellarNode>[], staticPeers: string[] = []): string[] {
  const related2 = { "StellarNode.stellar.org/v1alpha1": objectMap(related, "v2") };
  return discoverPeers(self, related2, staticPeers).map(peerKey);
}

describe("peer discovery", () => {
  it("lists other validators of the namespace and network by their pod's stable DNS name", () => {
    assert.deepEqual(peersOf([stellarNode("a"), stellarNode("b"), stellarNode("c")]), [
      "b-0.b.stellar.svc.cluster.local:11625",
      "c-0.c.stellar.svc.cluster.local:11625",
    ]);
  });

  it("never lists the node itself, even if it was recreated with a new uid", () => {
    assert.deepEqual(peersOf([stellarNode("a", { uid: "new-uid" })]), []);
  });

  it("uses each peer's own peerPort", () => {
    assert.deepEqual(peersOf([stellarNode("b", { validatorConfig: { peerPort: 11725 } })]), [
      "b-0.b.stellar.svc.cluster.local:11725",
    ]);
  });

  it("leaves out other networks, other namespaces, suspended, deleting and non-validator nodes", () => {
    const related = [
      stellarNode("mainnet", { spec: { network: "Mainnet" } }),
      stellarNode("elsewhere", { namespace: "other" }),
      stellarNode("suspended", { spec: { suspended: true } }),
      stellarNode("leaving", { deletionTimestamp: "2026-11-23T00:00:00Z" }),
      stellarNode("horizon", { spec: { nodeType: "Horizon" } }),
      stellarNode("peer"),
    ];
    assert.deepEqual(peersOf(related), ["peer-0.peer.stellar.svc.cluster.local:11625"]);
  });

  it("matches Custom networks by passphrase", () => {
    const custom = (name: string, passphrase: string) =>
      stellarNode(name, { spec: { network: "Custom", customNetworkPassphrase: passphrase } });
    const related = {
      "StellarNode.stellar.org/v1alpha1": objectMap(
        [custom("x", "Net A"), custom("y", "Net B")],
        "v2",
      ),
    };
    const peers = discoverPeers({ ...self, networkPassphrase: "Net A" }, related, []);
    assert.deepEqual(
      peers.map((peer) => peer.name),
      ["x"],
    );
  });

  it("does not gate on readiness: a node whose pod is down stays listed", () => {
    const down = stellarNode("b", {
      status: { conditions: [{ type: "Ready", status: "False", reason: "PodNotReady" }] },
    });
    assert.deepEqual(peersOf([down]), ["b-0.b.stellar.svc.cluster.local:11625"]);
  });

  it("merges static peers, defaulting their port to 11625, sorted and without duplicates", () => {
    const listed = peersOf(
      [stellarNode("b")],
      [
        "core-testnet2.stellar.org",
        "CORE-testnet1.stellar.org:11625",
        "core-testnet1.stellar.org",
        "b-0.b.stellar.svc.cluster.local:11625",
      ],
    );
    assert.deepEqual(listed, [
      "b-0.b.stellar.svc.cluster.local:11625",
      "core-testnet1.stellar.org:11625",
      "core-testnet2.stellar.org:11625",
    ]);
  });

  it("reads v1 (name) and v2 (ns/name) keyed maps alike", () => {
    const nodes = [stellarNode("b"), stellarNode("c")];
    for (const version of ["v1", "v2"] as const) {
      const related = { "StellarNode.stellar.org/v1alpha1": objectMap(nodes, version) };
      assert.deepEqual(
        readPeerCandidates(related, "stellar").map((c) => c.name),
        ["b", "c"],
        version,
      );
    }
  });

  it("skips related objects it cannot address instead of failing the sync", () => {
    const related = {
      "StellarNode.stellar.org/v1alpha1": {
        "stellar/broken": { metadata: { name: "broken" }, spec: { network: "Moonnet" } },
        "stellar/noport": {
          metadata: { name: "noport", namespace: "stellar" },
          spec: { nodeType: "Validator", network: "Testnet", validatorConfig: { peerPort: "x" } },
        },
        "stellar/garbage": 42,
      },
    };
    assert.deepEqual(readPeerCandidates(related, "stellar"), []);
  });

  it("parses static peers as stellar-core does", () => {
    assert.deepEqual(parsePeerAddress("10.0.0.1:1234"), { host: "10.0.0.1", port: 1234 });
    assert.deepEqual(parsePeerAddress("Example.org"), { host: "example.org", port: 11625 });
  });
});

describe("discovery scope and group selector", () => {
  it("scope Cluster finds validators of every namespace; groupSelector narrows the group", () => {
    const org = (name: string, namespace: string, team: string) => {
      const node = stellarNode(name, { namespace });
      node.metadata.labels = { org: team };
      return node;
    };
    const related = {
      "StellarNode.stellar.org/v1alpha1": objectMap(
        [org("b", "east", "x"), org("c", "west", "y"), org("d", "stellar", "x")],
        "v2",
      ),
    };
    const cluster = { scope: "Cluster" as const };
    const all = discoverPeers(self, related, [], cluster).map((p) => p.name);
    assert.deepEqual(all, ["b", "c", "d"]);
    const selected = discoverPeers(self, related, [], {
      ...cluster,
      groupSelector: { matchLabels: { org: "x" } },
    });
    assert.deepEqual(selected.map(peerKey), [
      "b-0.b.east.svc.cluster.local:11625",
      "d-0.d.stellar.svc.cluster.local:11625",
    ]);
    const inNamespace = discoverPeers(self, related, []);
    assert.deepEqual(
      inNamespace.map((p) => p.name),
      ["d"],
    );
  });
});
