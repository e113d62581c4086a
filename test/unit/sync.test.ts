import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { sha256Hex } from "../../hooks/hash.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import { REFUSAL_REASONS } from "../../hooks/sync/refusal-reasons.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { syncResponse } from "../support/sync.js";
import { FIXED_NOW, KEYS, observed, stellarNode, syncRequest } from "../support/fixtures.js";

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const sync = (request: SyncRequest, now = FIXED_NOW): SyncResponse =>
  syncResponse(request, { ...OPTIONS, now });

function child(response: SyncResponse, kind: string, name: string): KubeObject {
  const found = response.children.find((c) => c.kind === kind && c.metadata.name === name);
  assert.ok(
    found,
    `no ${kind} ${name} in ${response.children.map((c) => `${c.kind}/${c.metadata.name}`).join(", ")}`,
  );
  return found;
}
const podAnnotations = (response: SyncResponse, name: string): Record<string, string> =>
  (
    child(response, "StatefulSet", name)["spec"] as {
      template: { metadata: { annotations: Record<string, string> } };
    }
  ).template.metadata.annotations;
const condition = (response: SyncResponse, type: string) =>
  response.status.conditions.find((c) => c.type === type);

describe("sync of a valid validator", () => {
  const a = stellarNode("a");
  const response = sync(syncRequest(a, { related: [a, stellarNode("b")] }));

  it("returns the config and peers ConfigMaps, the headless Service and the StatefulSet", () => {
    assert.deepEqual(
      response.children.map((c) => `${c.kind}/${c.metadata.name}`),
      ["ConfigMap/a-config", "ConfigMap/a-peers", "Service/a", "StatefulSet/a"],
    );
    const spec = child(response, "StatefulSet", "a")["spec"] as Record<string, unknown>;
    assert.equal(spec["replicas"], 1);
    assert.equal(spec["serviceName"], "a");
    assert.equal(spec["podManagementPolicy"], "Parallel");
    assert.deepEqual(spec["persistentVolumeClaimRetentionPolicy"], {
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    const service = child(response, "Service", "a")["spec"] as Record<string, unknown>;
    assert.equal(service["clusterIP"], "None");
    assert.equal(service["publishNotReadyAddresses"], true);
  });

  it("hashes exactly the peers.toml and stellar-core.cfg bytes on the pod template", () => {
    const peers = child(response, "ConfigMap", "a-peers")["data"] as Record<string, string>;
    const config = child(response, "ConfigMap", "a-config")["data"] as Record<string, string>;
    assert.equal(peers["KNOWN_PEERS"], "b-0.b.stellar.svc.cluster.local:11625\n");
    assert.equal(peers["peer_count"], "1");
    // b is a group member, so it is preferred too, and takes an outbound slot on top of
    // stellar-core's default 8 (stellar/peer-connections.ts).
    assert.equal(
      peers["peers.toml"],
      [
        'KNOWN_PEERS = ["b-0.b.stellar.svc.cluster.local:11625"]',
        'PREFERRED_PEERS = ["b-0.b.stellar.svc.cluster.local:11625"]',
        "TARGET_PEER_CONNECTIONS = 9",
        "",
      ].join("\n"),
    );
    assert.equal(peers["PREFERRED_PEERS"], "b-0.b.stellar.svc.cluster.local:11625\n");
    assert.deepEqual(JSON.parse(peers["peers.json"] ?? ""), [
      {
        name: "b",
        namespace: "stellar",
        address: "b-0.b.stellar.svc.cluster.local",
        port: 11625,
        source: "discovered",
        preferred: "PREFERRED_PEERS",
      },
    ]);
    assert.equal(
      podAnnotations(response, "a")["stellar.org/peers-hash"],
      sha256Hex(peers["peers.toml"] ?? ""),
    );
    assert.equal(
      podAnnotations(response, "a")["stellar.org/config-hash"],
      sha256Hex(config["stellar-core.cfg"] ?? ""),
    );
  });

  it("reports peers and conditions in status", () => {
    assert.equal(response.status.peerCount, 1);
    assert.deepEqual(response.status.peers, ["b-0.b.stellar.svc.cluster.local:11625"]);
    assert.equal(condition(response, "Valid")?.status, "True");
    assert.equal(condition(response, "Ready")?.reason, "Creating");
    assert.equal(condition(response, "Valid")?.lastTransitionTime, "2026-11-23T12:00:00Z");
  });

  it("answers with only the keys hook v2 accepts", () => {
    assert.deepEqual(Object.keys(response).sort(), ["children", "status"]);
    assert.deepEqual(Object.keys(sync({ ...syncRequest(a), finalizing: true })).sort(), [
      "children",
      "finalized",
      "status",
    ]);
  });
});

describe("hashes change when, and only when, what they hash changes", () => {
  const a = stellarNode("a");
  const base = sync(syncRequest(a, { related: [a, stellarNode("b")] }));

  it("a new peer changes the peers hash and not the config hash", () => {
    const more = sync(syncRequest(a, { related: [a, stellarNode("b"), stellarNode("c")] }));
    assert.notEqual(
      podAnnotations(more, "a")["stellar.org/peers-hash"],
      podAnnotations(base, "a")["stellar.org/peers-hash"],
    );
    assert.equal(
      podAnnotations(more, "a")["stellar.org/config-hash"],
      podAnnotations(base, "a")["stellar.org/config-hash"],
    );
  });

  it("a peer's readiness flip, status or pod restart changes no child", () => {
    const flipped = stellarNode("b", {
      generation: 7,
      status: {
        peerCount: 3,
        conditions: [{ type: "Ready", status: "False", reason: "PodNotReady" }],
      },
    });
    const restarted = sync(
      syncRequest(a, {
        related: [a, flipped],
        children: observed(base.children, {
          replicas: 1,
          readyReplicas: 0,
          updatedReplicas: 1,
          currentRevision: "r",
          updateRevision: "r",
        }),
      }),
    );
    assert.equal(JSON.stringify(restarted.children), JSON.stringify(base.children));
  });

  it("a quorum change changes the config hash and not the peers hash", () => {
    const changed = stellarNode("a", {
      validatorConfig: {
        quorumSet: `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ${JSON.stringify(KEYS)}\n`,
      },
    });
    const after = sync(syncRequest(changed, { related: [changed, stellarNode("b")] }));
    assert.equal(
      podAnnotations(after, "a")["stellar.org/peers-hash"],
      podAnnotations(base, "a")["stellar.org/peers-hash"],
    );
    assert.notEqual(
      podAnnotations(after, "a")["stellar.org/config-hash"],
      podAnnotations(base, "a")["stellar.org/config-hash"],
    );
  });
});

describe("suspension", () => {
  it("scales to 0 and keeps the rest", () => {
    const a = stellarNode("a", { spec: { suspended: true } });
    const response = sync(syncRequest(a));
    assert.equal(
      (child(response, "StatefulSet", "a")["spec"] as Record<string, unknown>)["replicas"],
      0,
    );
    assert.equal(condition(response, "Ready")?.reason, "Suspended");
  });
});

describe("invalid specs keep what runs", () => {
  const good = stellarNode("a");
  const related = [good, stellarNode("b")];
  const running = sync(syncRequest(good, { related }));
  const children = observed(running.children);
  const status = { ...running.status };

  const cases: [string, KubeObject, RegExp][] = [
    [
      "owned key in quorumSet",
      stellarNode("a", { validatorConfig: { quorumSet: 'KNOWN_PEERS = ["x:1"]' }, status }),
      /quorumSet may hold only .* it sets KNOWN_PEERS/,
    ],
    [
      "quorumSet not TOML",
      stellarNode("a", { validatorConfig: { quorumSet: "[[[" }, status }),
      /quorumSet is not valid TOML/,
    ],
    [
      "bad network",
      stellarNode("a", { spec: { network: "Moonnet" as "Mainnet" }, status }),
      /spec\.network: /,
    ],
    [
      "Custom without passphrase",
      stellarNode("a", { spec: { network: "Custom" }, status }),
      /spec\.customNetworkPassphrase: is required when network is Custom/,
    ],
    [
      "missing seedSecretRef",
      stellarNode("a", { validatorConfig: { seedSecretRef: undefined }, status }),
      /spec\.validatorConfig\.seedSecretRef: is required/,
    ],
    [
      "a quorum stellar-core refuses",
      stellarNode("a", {
        validatorConfig: {
          quorumSet: `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ${JSON.stringify(KEYS.slice(0, 3))}\n`,
        },
        status,
      }),
      /SCP unsafe/,
    ],
    [
      "a version without an image",
      stellarNode("a", { spec: { version: "v21.0.0" }, status }),
      /spec\.version v21\.0\.0 has no image .*known releases: 27\.0\.0/,
    ],
  ];
  for (const [title, parent, message] of cases) {
    it(`${title}: observed children as last applied, Valid=False naming the field`, () => {
      const response = sync(syncRequest(parent, { children, related }));
      assert.equal(JSON.stringify(response.children), JSON.stringify(running.children));
      const valid = condition(response, "Valid");
      assert.equal(valid?.status, "False");
      assert.match(valid?.message ?? "", message);
      assert.equal(response.status.peerCount, 1, "the last peer figures are kept");
      assert.deepEqual(response.status.peers, running.status.peers);
    });
  }

  it("a refused config keeps the StatefulSet and config as they run; the peers list follows discovery", () => {
    const refused = stellarNode("a", { spec: { version: "v21.0.0" }, status });
    const joined = [...related, stellarNode("c")];
    const response = sync(syncRequest(refused, { children, related: joined }));
    assert.equal(
      JSON.stringify(child(response, "StatefulSet", "a")),
      JSON.stringify(child(running, "StatefulSet", "a")),
    );
    assert.equal(
      JSON.stringify(child(response, "ConfigMap", "a-config")),
      JSON.stringify(child(running, "ConfigMap", "a-config")),
    );
    const peers = child(response, "ConfigMap", "a-peers")["data"] as Record<string, string>;
    assert.equal(
      peers["KNOWN_PEERS"],
      "b-0.b.stellar.svc.cluster.local:11625\nc-0.c.stellar.svc.cluster.local:11625\n",
    );
  });

  it("a brand-new node refused for its quorum gets no StatefulSet and no config", () => {
    const response = sync(syncRequest(stellarNode("a", { validatorConfig: { quorumSet: "[[[" } })));
    assert.deepEqual(
      response.children.map((c) => `${c.kind}/${c.metadata.name}`),
      ["ConfigMap/a-peers", "Service/a"],
    );
    assert.equal(condition(response, "Valid")?.reason, "InvalidQuorumSet");
  });

  it("a brand-new node with a spec that does not parse gets no children", () => {
    const response = sync(syncRequest(stellarNode("a", { spec: { network: "Custom" } })));
    assert.deepEqual(response.children, []);
    assert.equal(condition(response, "Valid")?.reason, "InvalidSpec");
  });

  for (const [name, why] of [
    ["x".repeat(53), /has 53 characters; at most 52/],
    ["with.dot", /must be a DNS-1035 label/],
    ["1leading-digit", /must be a DNS-1035 label/],
  ] as const) {
    it(`refuses the name ${name.slice(0, 16)}: it cannot make valid children`, () => {
      const response = sync(syncRequest(stellarNode(name)));
      assert.deepEqual(response.children, []);
      assert.equal(condition(response, "Valid")?.reason, "InvalidName");
      assert.match(condition(response, "Valid")?.message ?? "", why);
    });
  }

  it("another nodeType is reported as not managed", () => {
    const response = sync(syncRequest(stellarNode("h", { spec: { nodeType: "Horizon" } })));
    assert.equal(condition(response, "Valid")?.reason, "UnsupportedNodeType");
    assert.match(condition(response, "Valid")?.message ?? "", /only Validator is/);
  });

  it("falls back to the live object without server fields when last-applied is missing", () => {
    const live = observed(running.children);
    for (const objects of Object.values(live)) {
      for (const object of objects)
        delete object.metadata.annotations?.["metacontroller.k8s.io/last-applied-configuration"];
    }
    const response = sync(
      syncRequest(stellarNode("a", { validatorConfig: { quorumSet: "[[[" } }), { children: live }),
    );
    const sts = child(response, "StatefulSet", "a");
    assert.equal(sts["status"], undefined);
    assert.equal(sts.metadata["resourceVersion"], undefined);
    assert.equal(sts.metadata["uid"], undefined);
  });
});

describe("configs stellar-core would refuse are never rendered", () => {
  const refusedWith = (quorumSet: string) =>
    sync(syncRequest(stellarNode("a", { validatorConfig: { quorumSet } })));

  it("three validators at 67%: threshold 3, FAILURE_SAFETY 0, with the numbers behind it", () => {
    const response = refusedWith(
      `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ${JSON.stringify(KEYS.slice(0, 3))}\n`,
    );
    const valid = condition(response, "Valid");
    assert.equal(valid?.status, "False");
    assert.equal(valid?.reason, "UnsafeQuorum");
    assert.match(valid?.message ?? "", /threshold 3/);
    assert.match(valid?.message ?? "", /FAILURE_SAFETY 0/);
    assert.equal(
      response.children.some((c) => c.kind === "StatefulSet"),
      false,
    );
  });

  it("a VALIDATORS entry that is neither a key nor a NODE_NAMES name", () => {
    const response = refusedWith(
      '[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["$nobody"]\n',
    );
    assert.equal(condition(response, "Valid")?.status, "False");
    assert.match(condition(response, "Valid")?.message ?? "", /nobody/);
  });

  it("a THRESHOLD_PERCENT that is not an integer", () => {
    const response = refusedWith(
      `[QUORUM_SET]\nTHRESHOLD_PERCENT = 66.5\nVALIDATORS = ${JSON.stringify(KEYS)}\n`,
    );
    assert.equal(condition(response, "Valid")?.reason, "InvalidQuorumSet");
  });

  it("no quorum at all", () => {
    const response = sync(
      syncRequest(stellarNode("a", { validatorConfig: { quorumSet: undefined } })),
    );
    assert.equal(condition(response, "Valid")?.status, "False");
  });

  it("no readable history archive (history switched off)", () => {
    const response = sync(
      syncRequest(stellarNode("a", { validatorConfig: { enableHistoryArchive: false } })),
    );
    assert.equal(condition(response, "Valid")?.reason, "NoHistoryArchive");
  });

  it("an accepted quorum says its figures in QuorumSetValid", () => {
    const response = sync(syncRequest(stellarNode("a")));
    const quorum = condition(response, "QuorumSetValid");
    assert.equal(quorum?.status, "True");
    assert.match(quorum?.message ?? "", /4 top-level entries, threshold 3, FAILURE_SAFETY 1/);
  });

  it("UNSAFE_QUORUM is accepted by stellar-core but reported as risky", () => {
    const response = refusedWith(
      `UNSAFE_QUORUM = true\n[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ${JSON.stringify(KEYS.slice(0, 3))}\n`,
    );
    assert.equal(condition(response, "Valid")?.status, "True");
    assert.equal(condition(response, "QuorumSetValid")?.reason, "UnsafeQuorum");
  });
});

describe("validator settings stellar-core reads", () => {
  it("homeDomain renders NODE_HOME_DOMAIN", () => {
    const response = sync(
      syncRequest(stellarNode("a", { validatorConfig: { homeDomain: "example.org" } })),
    );
    const config = child(response, "ConfigMap", "a-config")["data"] as Record<string, string>;
    assert.match(config["stellar-core.cfg"] ?? "", /^NODE_HOME_DOMAIN = "example\.org"$/m);
  });

  it("peerPort may not take the admin port or the sidecar's metrics port", () => {
    for (const peerPort of [11626, 9102]) {
      const response = sync(syncRequest(stellarNode("a", { validatorConfig: { peerPort } })));
      assert.equal(condition(response, "Valid")?.reason, "InvalidSpec", String(peerPort));
      assert.match(
        condition(response, "Valid")?.message ?? "",
        /peerPort: must not be 11626 or 9102/,
      );
    }
  });

  it("waits for consensus unless a Custom network's first node forces SCP", () => {
    const args = (response: SyncResponse) =>
      (
        child(response, "StatefulSet", "a")["spec"] as {
          template: { spec: { containers: { args: string[] }[] } };
        }
      ).template.spec.containers[0]?.args;
    assert.ok(args(sync(syncRequest(stellarNode("a"))))?.includes("--wait-for-consensus"));
    const custom = stellarNode("a", {
      spec: { network: "Custom", customNetworkPassphrase: "Net A" },
      validatorConfig: { forceScp: true, historyArchiveUrls: ["https://h.example.org/"] },
    });
    assert.equal(args(sync(syncRequest(custom)))?.includes("--wait-for-consensus"), false);
    const testnet = sync(syncRequest(stellarNode("a", { validatorConfig: { forceScp: true } })));
    assert.match(
      condition(testnet, "Valid")?.message ?? "",
      /forceScp: must not be true on Testnet/,
    );
  });

  it("a version maps to its published image; image always wins", () => {
    const image = (response: SyncResponse) =>
      (
        child(response, "StatefulSet", "a")["spec"] as {
          template: { spec: { containers: { image: string }[] } };
        }
      ).template.spec.containers[0]?.image;
    assert.equal(
      image(sync(syncRequest(stellarNode("a")))),
      "stellar/stellar-core:27.0.0-3288.7696c069d.jammy",
    );
    const own = stellarNode("a", {
      spec: { version: "v99.0.0", image: "registry.example.org/core:1" },
    });
    assert.equal(image(sync(syncRequest(own))), "registry.example.org/core:1");
  });
});

describe("a validator that never ran is nobody's peer", () => {
  const refused = {
    type: "Valid",
    status: "False",
    reason: "UnsafeQuorum",
    message: "x",
    lastTransitionTime: "2026-11-01T00:00:00Z",
  };
  const refusedNeverRan = stellarNode("b", { status: { conditions: [refused] } });
  const frozenButRunning = stellarNode("c", {
    status: { configHash: "f".repeat(64), conditions: [refused] },
  });
  const a = stellarNode("a");
  const peersOf = (related: KubeObject[]) =>
    (
      child(sync(syncRequest(a, { related: [a, ...related] })), "ConfigMap", "a-peers")[
        "data"
      ] as Record<string, string>
    )["KNOWN_PEERS"];

  it("leaves out a node refused before it ever had a config, keeps one frozen after it ran", () => {
    assert.equal(
      peersOf([refusedNeverRan, frozenButRunning, stellarNode("d")]),
      "c-0.c.stellar.svc.cluster.local:11625\nd-0.d.stellar.svc.cluster.local:11625\n",
    );
  });

  it("leaves out a node whose name stellar-peers refuses", () => {
    assert.equal(peersOf([stellarNode("new.node"), stellarNode("x".repeat(60))]), "");
  });
});

describe("conditions", () => {
  it("keep lastTransitionTime while their status holds and take the clock when it changes", () => {
    const a = stellarNode("a");
    const first = sync(syncRequest(a));
    const later = new Date("2026-11-24T00:00:00Z");
    const ready = sync(
      syncRequest(stellarNode("a", { status: first.status }), {
        children: observed(first.children),
      }),
      later,
    );
    assert.equal(condition(ready, "Valid")?.lastTransitionTime, "2026-11-23T12:00:00Z");
    assert.equal(condition(ready, "Ready")?.status, "True");
    assert.equal(condition(ready, "Ready")?.lastTransitionTime, "2026-11-24T00:00:00Z");
  });

  it("Ready follows the StatefulSet: rolling or unready pods are not Ready", () => {
    const a = stellarNode("a");
    const first = sync(syncRequest(a));
    const rolling = sync(
      syncRequest(a, {
        children: observed(first.children, {
          replicas: 1,
          readyReplicas: 1,
          updatedReplicas: 0,
          currentRevision: "1",
          updateRevision: "2",
          observedGeneration: 1,
        }),
      }),
    );
    assert.equal(condition(rolling, "Ready")?.reason, "RollingUpdate");
    const unready = sync(
      syncRequest(a, {
        children: observed(first.children, {
          replicas: 1,
          readyReplicas: 0,
          updatedReplicas: 1,
          currentRevision: "2",
          updateRevision: "2",
          observedGeneration: 1,
        }),
      }),
    );
    assert.equal(condition(unready, "Ready")?.reason, "PodNotReady");
  });
});

describe("fields a StatefulSet cannot change", () => {
  it("are carried over from the applied StatefulSet, with a condition naming the manual step", () => {
    const a = stellarNode("a");
    const first = sync(syncRequest(a));
    const bigger = stellarNode("a", { spec: { storage: { storageClass: "fast", size: "500Gi" } } });
    const response = sync(syncRequest(bigger, { children: observed(first.children) }));
    const templates = (child(response, "StatefulSet", "a")["spec"] as Record<string, unknown>)[
      "volumeClaimTemplates"
    ];
    const before = (child(first, "StatefulSet", "a")["spec"] as Record<string, unknown>)[
      "volumeClaimTemplates"
    ];
    assert.deepEqual(templates, before);
    const applied = condition(response, "SpecApplied");
    assert.equal(applied?.status, "False");
    assert.equal(applied?.reason, "ManualStepRequired");
    assert.match(applied?.message ?? "", /kubectl delete statefulset a --cascade=orphan/);
    // The recreated StatefulSet adopts the running pod with the template rendered now.
    assert.match(applied?.message ?? "", /only while no restart is pending for it/);
  });
});

describe("PodIP addressing", () => {
  const pod = (name: string, ip: string | undefined, phase = "Running"): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "stellar" },
    status: { phase, ...(ip ? { podIP: ip } : {}) },
  });
  const podIp = (name: string) =>
    stellarNode(name, { spec: { peerDiscovery: { addressing: "PodIP" } } });
  const request = (pods: KubeObject[], names = ["a", "b", "c"]) => {
    const nodes = names.map(podIp);
    const base = syncRequest(nodes[0]!, { related: nodes });
    return {
      ...base,
      related: {
        ...base.related,
        "Pod.v1": Object.fromEntries(pods.map((p) => [`stellar/${p.metadata.name}`, p])),
      },
    };
  };

  it("lists the IPs of Running peer pods and leaves out pods without one", () => {
    const response = sync(request([pod("b-0", "10.0.0.2"), pod("c-0", undefined, "Pending")]));
    assert.deepEqual(response.status.peers, ["10.0.0.2:11625"]);
  });

  it("a peer's new IP updates the list but restarts nobody; a new member does", () => {
    const before = sync(request([pod("b-0", "10.0.0.2"), pod("c-0", "10.0.0.3")]));
    const moved = sync(request([pod("b-0", "10.0.0.9"), pod("c-0", "10.0.0.3")]));
    assert.deepEqual(moved.status.peers, ["10.0.0.3:11625", "10.0.0.9:11625"]);
    assert.equal(
      podAnnotations(moved, "a")["stellar.org/peers-hash"],
      podAnnotations(before, "a")["stellar.org/peers-hash"],
    );
    const joined = sync(
      request([pod("b-0", "10.0.0.9"), pod("c-0", "10.0.0.3")], ["a", "b", "c", "d"]),
    );
    assert.notEqual(
      podAnnotations(joined, "a")["stellar.org/peers-hash"],
      podAnnotations(before, "a")["stellar.org/peers-hash"],
    );
  });
});

describe("the clock", () => {
  it("never reaches a child: two clocks give byte-identical children", () => {
    const a = stellarNode("a");
    const first = sync(syncRequest(a, { related: [a, stellarNode("b")] }));
    const request = syncRequest(stellarNode("a", { status: first.status }), {
      related: [a, stellarNode("b"), stellarNode("c")],
      children: observed(first.children),
    });
    const early = sync(request, new Date("2026-11-23T12:00:05Z"));
    const late = sync(request, new Date("2026-11-23T13:00:00Z"));
    assert.equal(JSON.stringify(early.children), JSON.stringify(late.children));
    assert.equal(
      early.status.rollout && (early.status.rollout as { pendingSince?: string }).pendingSince,
      "2026-11-23T12:00:05Z",
    );
  });
});

describe("status of a large group", () => {
  it("lists at most 64 peers in status, counts them all, and says the list is cut", () => {
    const a = stellarNode("a");
    const related = [
      a,
      ...Array.from({ length: 100 }, (_, i) => stellarNode(`v${String(i).padStart(3, "0")}`)),
    ];
    const response = sync(syncRequest(a, { related }));
    assert.equal(response.status.peerCount, 100);
    assert.equal(response.status.peers?.length, 64);
    assert.equal(response.status["peersTruncated"], true);
    const peersData = child(response, "ConfigMap", "a-peers")["data"] as Record<string, string>;
    assert.equal(peersData["KNOWN_PEERS"]?.trim().split("\n").length, 100);
    assert.equal(
      sync(syncRequest(a, { related: related.slice(0, 10) })).status["peersTruncated"],
      undefined,
    );
  });
});

describe("refusal reasons", () => {
  it("docs/status.md names every reason a Valid=False can carry", () => {
    const status = readFileSync(new URL("../../docs/status.md", import.meta.url), "utf8");
    for (const reason of REFUSAL_REASONS) assert.ok(status.includes(`\`${reason}\``), reason);
  });
});

describe("garbage in observed status is absent, in the direction that never restarts early", () => {
  const b = stellarNode("b");
  const a = stellarNode("a");
  const first = sync(syncRequest(a, { related: [a] }));

  it("another member's unreadySince: garbage gives a resync time, never null", () => {
    const garbageB = stellarNode("b", {
      status: {
        rollout: { groupFingerprint: "x", ready: false, unreadySince: "garbage" },
        conditions: [],
      },
    });
    const request = (status: unknown, now: Date) =>
      sync(
        syncRequest(stellarNode("a", { status: status as Record<string, unknown> }), {
          related: [a, garbageB],
          children: observed(first.children),
        }),
        now,
      );
    // The list settles first; only then does the rule look at the other members.
    const settling = request(first.status, FIXED_NOW);
    const next = request(settling.status, new Date(FIXED_NOW.getTime() + 60_000));
    assert.equal(condition(next, "TemplateApplied")?.reason, "PeersChanged");
    assert.match(condition(next, "TemplateApplied")?.message ?? "", /b to see the same group/);
    assert.ok(Number.isFinite(next.resyncAfterSeconds), String(next.resyncAfterSeconds));
    // Serialised, a NaN would be null: Metacontroller's strict v2 parse would refuse it.
    assert.doesNotMatch(JSON.stringify(next), /"resyncAfterSeconds":null/);
  });

  it("the node's own pendingSince: garbage starts settling now instead of skipping settleSeconds", () => {
    const joined = sync(
      syncRequest(stellarNode("a", { status: first.status }), {
        related: [a, b],
        children: observed(first.children),
      }),
    );
    const pending = joined.status.rollout?.pendingSince;
    assert.ok(pending, "a new list is pending");
    const forged = {
      ...joined.status,
      rollout: { ...joined.status.rollout, pendingSince: "garbage" },
    };
    const later = new Date(FIXED_NOW.getTime() + 60_000);
    const next = sync(
      syncRequest(stellarNode("a", { status: forged }), {
        related: [a, b],
        children: observed(first.children),
      }),
      later,
    );
    assert.equal(next.status.rollout?.pendingSince, later.toISOString().replace(/\.\d{3}Z$/, "Z"));
    assert.equal(condition(next, "TemplateApplied")?.reason, "PeersChanged");
    assert.match(condition(next, "TemplateApplied")?.message ?? "", /stable for 15s/);
  });
});
