import { describe, it } from "node:test";
import { syncStellarNode } from "../../hooks/sync/sync.js";
import { FIXED_NOW, observed, stellarNode, syncRequest } from "../support/fixtures.js";
import { assertGolden } from "../support/golden.js";

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };

describe("rendered output (golden files)", () => {
  it("validator with two peers, one on a custom port, and a static peer", () => {
    const a = stellarNode("validator-a", {
      spec: { resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "8Gi" } } },
      validatorConfig: { knownPeers: ["core-testnet1.stellar.org"] },
    });
    const related = [
      a,
      stellarNode("validator-b"),
      stellarNode("validator-c", { validatorConfig: { peerPort: 11725 } }),
    ];
    assertGolden("validator-with-peers", syncStellarNode(syncRequest(a, { related }), OPTIONS));
  });

  it("suspended Mainnet validator with its own history archive", () => {
    const m = stellarNode("mainnet-a", {
      spec: {
        network: "Mainnet",
        suspended: true,
        image: "registry.example.org/stellar-core:24.1.1",
      },
      validatorConfig: { historyArchiveUrls: ["https://history.example.org/core"] },
    });
    assertGolden("suspended-mainnet", syncStellarNode(syncRequest(m), OPTIONS));
  });

  it("invalid spec keeping its observed children", () => {
    const good = stellarNode("validator-a");
    const running = syncStellarNode(syncRequest(good), OPTIONS);
    const broken = stellarNode("validator-a", {
      validatorConfig: { quorumSet: "[[[" },
      status: running.status,
      generation: 2,
    });
    assertGolden(
      "invalid-keeps-children",
      syncStellarNode(syncRequest(broken, { children: observed(running.children) }), OPTIONS),
    );
  });
});
