import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeSyncResponse } from "../../hooks/sync/sync.js";
import { releaseOfImage } from "../../hooks/sync/version-change.js";
import { syncResponse } from "../support/sync.js";
import {
  FIXED_NOW,
  KEYS,
  NOT_READY_STATEFULSET,
  observed,
  stellarNode,
  syncRequest,
  type NodeOptions,
} from "../support/fixtures.js";

/**
 * Audit: specs the hook accepts (Valid=True, a config rolled onto the pod) whose rendered
 * stellar-core.cfg stellar-core v27.1.0 refuses to load, or loads but cannot run with.
 * Each case names the stellar-core function that decides it.
 */

function sync(options: NodeOptions): StellarNodeSyncResponse {
  const node = stellarNode("a", options);
  return syncResponse(syncRequest(node, { related: [node] }), {
    clusterDomain: "cluster.local",
    now: FIXED_NOW,
  });
}

function valid(response: StellarNodeSyncResponse) {
  return response.status?.conditions?.find((condition) => condition.type === "Valid");
}

function renderedConfig(response: StellarNodeSyncResponse): string | undefined {
  const configMap = response.children.find((child) => child.metadata.name === "a-config");
  const data = configMap?.["data"] as Record<string, string> | undefined;
  return data === undefined
    ? undefined
    : Object.entries(data).find(([key]) => key !== "stellar-core.cfg")?.[1];
}

describe("audit: a validator whose only readable archive is its own [HISTORY.local]", () => {
  // HistoryArchiveManager::selectRandomReadableHistoryArchive (src/history/
  // HistoryArchiveManager.cpp:130-170, v27.1.0) takes get-only archives first and, with
  // none, the get+put ones: [HISTORY.local] is then the archive every catchup reads.
  // CatchupWork::doWork (src/catchup/CatchupWork.cpp:300-310 at tag v27.1.0) asks it for
  // the HAS of the network's checkpoint, which this node's own new-hist archive never
  // holds (it is only written by this node once it is in sync): the node never catches up.
  it("is refused on Testnet with enableHistoryArchive: false and history.publish: true", () => {
    const response = sync({
      validatorConfig: { enableHistoryArchive: false, history: { publish: true } },
    });
    // What is rendered today: [HISTORY.local] and no other archive.
    const config = renderedConfig(response);
    if (config !== undefined) {
      assert.doesNotMatch(config, /\[HISTORY\.archive/);
      assert.match(config, /\[HISTORY\.local\]/);
    }
    assert.equal(valid(response)?.status, "False", valid(response)?.message);
    assert.equal(valid(response)?.reason, "NoHistoryArchive");
  });

  it("is refused on a Custom network for a node that joins it (forceScp false)", () => {
    const response = sync({
      spec: { network: "Custom", customNetworkPassphrase: "Example Network ; 2026" },
      validatorConfig: { history: { publish: true } },
    });
    assert.equal(valid(response)?.status, "False", valid(response)?.message);
    assert.equal(valid(response)?.reason, "NoHistoryArchive");
  });

  it("is still accepted for the first node of a Custom network (forceScp: nothing to catch up from)", () => {
    const response = sync({
      spec: { network: "Custom", customNetworkPassphrase: "Example Network ; 2026" },
      validatorConfig: { history: { publish: true }, forceScp: true },
    });
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
});

describe("audit: archive URLs that break stellar-core's get command", () => {
  // The get command is formatted by formatString (src/history/HistoryArchive.cpp:38-53,
  // v27.1.0): fmt::format(fmt::runtime(template), remote, local). A '{' or '}' in the URL
  // becomes part of the format string: "{0}"/"{1}" are replaced by the remote/local paths
  // (a wrong URL, curl -f fails), anything else ("{2}", "{x}", a lone brace) throws
  // fmt::format_error, rethrown as std::runtime_error("failed to format command string")
  // from GetRemoteFileWork::getCommand (src/historywork/GetRemoteFileWork.cpp:48 at tag
  // v27.1.0) in the middle of catchup. ProcessManagerImpl runs the command without a
  // shell, so a quote or backslash reaches curl verbatim. The [[VALIDATORS]] history of
  // automaticQuorum.organizations already refuses these characters.
  for (const url of [
    "https://history.example.org/{0}",
    "https://history.example.org/{2}/",
    "https://history.example.org/a}b/",
    'https://history.example.org/"quoted"/',
  ]) {
    it(`refuses historyArchiveUrls ${url}`, () => {
      const response = sync({ validatorConfig: { historyArchiveUrls: [url] } });
      assert.equal(valid(response)?.status, "False", renderedConfig(response));
      assert.match(valid(response)?.message ?? "", /historyArchiveUrls/);
    });
  }

  it("refuses a quorumSet [[VALIDATORS]] HISTORY with a brace in its URL", () => {
    // Four MEDIUM organisations of one validator each: threshold 3 of 4, FAILURE_SAFETY 1.
    const quorumSet = (path: string) =>
      [
        ...["example.org", "o1.org", "o2.org", "o3.org"].map(
          (domain) => `[[HOME_DOMAINS]]\nHOME_DOMAIN = "${domain}"\nQUALITY = "MEDIUM"`,
        ),
        ...["o1", "o2", "o3"].map(
          (name, index) =>
            `[[VALIDATORS]]\nNAME = "${name}"\nHOME_DOMAIN = "${name}.org"\nPUBLIC_KEY = "${KEYS[index]}"\nHISTORY = "curl -sf https://history.${name}.org/${path}{0} -o {1}"`,
        ),
      ].join("\n");
    const plain = sync({
      validatorConfig: { quorumSet: quorumSet(""), homeDomain: "example.org" },
    });
    assert.equal(valid(plain)?.status, "True", valid(plain)?.message);
    const response = sync({
      validatorConfig: { quorumSet: quorumSet("{2}/"), homeDomain: "example.org" },
    });
    assert.equal(valid(response)?.status, "False", renderedConfig(response));
    assert.match(valid(response)?.message ?? "", /HISTORY/);
  });
});

describe("audit: TOML that smol-toml writes and stellar-core's cpptoml cannot parse", () => {
  // An empty quoted key is valid TOML, and smol-toml renders the inner set as
  // [QUORUM_SET.""]. stellar-core's parser (lib/util/cpptoml.h:1945-1959 at tag v27.1.0,
  // parser::parse_single_table) throws "Empty component of table name": Config::load
  // fails before any quorum rule runs.
  it('refuses a quorumSet inner set named "" (rendered as [QUORUM_SET.""])', () => {
    const quorumSet = [
      `NODE_NAMES = ["${KEYS[0]} alpha", "${KEYS[1]} beta", "${KEYS[2]} gamma", "${KEYS[3]} delta"]`,
      "[QUORUM_SET]",
      "THRESHOLD_PERCENT = 67",
      'VALIDATORS = ["$alpha", "$beta", "$gamma"]',
      '[QUORUM_SET.""]',
      'VALIDATORS = ["$delta"]',
      "",
    ].join("\n");
    const response = sync({ validatorConfig: { quorumSet } });
    assert.equal(valid(response)?.status, "False", renderedConfig(response));
    assert.equal(valid(response)?.reason, "InvalidQuorumSet");
  });
});

describe("audit: two validators of a group with one node identity", () => {
  // Two StellarNodes of one namespace naming the same seed Secret run stellar-core with the
  // same NODE_SEED. Peer::recvHello (src/overlay/Peer.cpp:1857-1859, v27.1.0) drops a
  // peer whose hello carries this node's own key ("connecting to self"): the two never
  // connect to each other, though each lists the other in KNOWN_PEERS and PREFERRED_PEERS,
  // and both sign SCP statements with one key. Each config alone loads, so only the group
  // shows it: the younger of the two is refused (sync/node-identity.ts), the older runs.
  const node = (name: string, created: string, options: NodeOptions = {}) => {
    const object = stellarNode(name, options);
    object.metadata["creationTimestamp"] = created;
    return object;
  };
  const judge = (parent: KubeObject, related: readonly KubeObject[], children = {}) =>
    syncResponse(syncRequest(parent, { related, children }), {
      clusterDomain: "cluster.local",
      now: FIXED_NOW,
    });
  const shared = { validatorConfig: { seedSecretRef: "shared-seed" } };
  const older = node("b", "2026-11-01T00:00:00Z", shared);
  const younger = node("a", "2026-11-02T00:00:00Z", shared);

  it("refuses a validator whose seedSecretRef an older member of its namespace also names", () => {
    const response = judge(younger, [older, younger]);
    assert.equal(valid(response)?.status, "False", valid(response)?.message);
    assert.equal(valid(response)?.reason, "DuplicateNodeIdentity");
    assert.match(
      valid(response)?.message ?? "",
      /seedSecretRef names the Secret stellar\/shared-seed, which the StellarNode stellar\/b \(created earlier\) also names/,
    );
    assert.match(valid(response)?.message ?? "", /connecting to self/);
    assert.equal(
      response.children.find((c) => c.kind === "StatefulSet"),
      undefined,
      "never ran: no StatefulSet is made",
    );
  });

  it("refuses a validator whose declared publicKey an older member of its group also declares", () => {
    const key = { validatorConfig: { publicKey: KEYS[0] } };
    const response = judge(node("a", "2026-11-02T00:00:00Z", key), [
      node("b", "2026-11-01T00:00:00Z", key),
      node("a", "2026-11-02T00:00:00Z", key),
    ]);
    assert.equal(valid(response)?.status, "False", valid(response)?.message);
    assert.equal(valid(response)?.reason, "DuplicateNodeIdentity");
    assert.match(
      valid(response)?.message ?? "",
      new RegExp(
        `publicKey ${KEYS[0]} is also declared by the StellarNode stellar/b \\(created earlier\\)`,
      ),
    );
    // Another key, or none: no clash.
    const other = node("a", "2026-11-02T00:00:00Z", { validatorConfig: { publicKey: KEYS[1] } });
    assert.equal(
      valid(judge(other, [node("b", "2026-11-01T00:00:00Z", key), other]))?.status,
      "True",
    );
  });

  it("keeps the older member valid: exactly one of the two is refused", () => {
    assert.equal(valid(judge(older, [older, younger]))?.status, "True");
    const key = { validatorConfig: { publicKey: KEYS[0] } };
    const first = node("z", "2026-11-01T00:00:00Z", key);
    const second = node("a", "2026-11-02T00:00:00Z", key);
    assert.equal(
      valid(judge(first, [first, second]))?.status,
      "True",
      "older, though later by name",
    );
    assert.equal(valid(judge(second, [first, second]))?.reason, "DuplicateNodeIdentity");
    // Created in the same second: the first by namespace/name keeps it.
    const [x, y] = ["x", "y"].map((name) => node(name, "2026-11-01T00:00:00Z", shared));
    assert.ok(x !== undefined && y !== undefined);
    assert.equal(valid(judge(x, [x, y]))?.status, "True");
    assert.match(
      valid(judge(y, [x, y]))?.message ?? "",
      /StellarNode stellar\/x \(created at the same time and first by namespace\/name\)/,
    );
  });

  it("a member edited onto an older member's Secret keeps running as it was", () => {
    // a ran with its own Secret; its seedSecretRef is then changed to b's.
    const before = node("a", "2026-11-02T00:00:00Z");
    const alone = judge(before, [older, before]);
    assert.equal(valid(alone)?.status, "True", valid(alone)?.message);
    const running = observed(alone.children);
    const response = judge(younger, [older, younger], running);
    assert.equal(valid(response)?.reason, "DuplicateNodeIdentity");
    const statefulSet = (children: readonly KubeObject[]) =>
      JSON.stringify(children.find((c) => c.kind === "StatefulSet")?.["spec"]);
    assert.equal(statefulSet(response.children), statefulSet(running["StatefulSet.apps/v1"] ?? []));
    assert.match(statefulSet(response.children), /"secretKeyRef":\{"name":"a-seed"/);
    assert.doesNotMatch(statefulSet(response.children), /shared-seed/);
  });

  it("the same Secret name in another namespace is another Secret: both are valid", () => {
    const cluster = {
      spec: {
        peerDiscovery: { scope: "Cluster" as const, groupSelector: { matchLabels: { g: "1" } } },
      },
      validatorConfig: { seedSecretRef: "shared-seed" },
    };
    const here = node("a", "2026-11-02T00:00:00Z", { ...cluster, namespace: "here" });
    const there = node("a", "2026-11-01T00:00:00Z", { ...cluster, namespace: "there" });
    for (const object of [here, there]) object.metadata.labels = { g: "1" };
    const response = judge(here, [here, there]);
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
    assert.equal(response.status?.peerCount, 1, "the two are one group");
    // A declared publicKey is one key in every namespace.
    for (const object of [here, there]) {
      (object["spec"] as { validatorConfig: Record<string, unknown> }).validatorConfig[
        "publicKey"
      ] = KEYS[0];
    }
    assert.equal(valid(judge(here, [here, there]))?.reason, "DuplicateNodeIdentity");
  });

  it("a member being deleted does not count", () => {
    const leaving = node("b", "2026-11-01T00:00:00Z", {
      ...shared,
      deletionTimestamp: "2026-11-23T11:00:00Z",
    });
    const response = judge(younger, [leaving, younger]);
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
    // The same member not being deleted: refused.
    assert.equal(valid(judge(younger, [older, younger]))?.reason, "DuplicateNodeIdentity");
  });

  it("a suspended member counts (its Secret is still its seed); another network's does not", () => {
    const suspended = node("b", "2026-11-01T00:00:00Z", {
      ...shared,
      spec: { suspended: true },
    });
    assert.equal(valid(judge(younger, [suspended, younger]))?.reason, "DuplicateNodeIdentity");
    // stellar-core signs for its network ID, and members of two networks never peer.
    const mainnet = node("b", "2026-11-01T00:00:00Z", { ...shared, spec: { network: "Mainnet" } });
    assert.equal(valid(judge(younger, [mainnet, younger]))?.status, "True");
  });
});

describe("audit: an SDF archive of another network", () => {
  // The History Archive State of SDF's archives names its network. CatchupWork::runCatchupStep
  // (src/catchup/CatchupWork.cpp:325-333 at tag v27.1.0) fails the catchup when it differs
  // from NETWORK_PASSPHRASE ("The network passphrase of the application does not match
  // that of the history archive state"): with only such archives, the node never catches up.
  // stellar-peers knows these URLs (stellar/networks.ts DEFAULT_HISTORY_ARCHIVES).
  it("refuses Mainnet's archive in historyArchiveUrls of a Testnet validator", () => {
    const response = sync({
      validatorConfig: {
        historyArchiveUrls: ["http://history.stellar.org/prd/core-live/core_live_001/"],
      },
    });
    assert.equal(valid(response)?.status, "False", renderedConfig(response));
    assert.match(valid(response)?.message ?? "", /Mainnet/);
  });

  it("refuses Testnet's archive (no trailing slash, https) on a Custom network", () => {
    const response = sync({
      spec: { network: "Custom", customNetworkPassphrase: "Example Network ; 2026" },
      validatorConfig: {
        historyArchiveUrls: ["https://history.stellar.org/prd/core-testnet/core_testnet_002"],
      },
    });
    assert.equal(valid(response)?.status, "False", renderedConfig(response));
    assert.match(valid(response)?.message ?? "", /Testnet/);
  });

  it("accepts the network's own SDF archive and any other URL", () => {
    const own = sync({
      validatorConfig: {
        historyArchiveUrls: [
          "http://history.stellar.org/prd/core-testnet/core_testnet_001/",
          "https://history.example.org/testnet/",
        ],
      },
    });
    assert.equal(valid(own)?.status, "True", valid(own)?.message);
  });

  it("accepts Testnet's archive on a Custom network whose passphrase is Testnet's", () => {
    const response = sync({
      spec: { network: "Custom", customNetworkPassphrase: "Test SDF Network ; September 2015" },
      validatorConfig: {
        historyArchiveUrls: ["http://history.stellar.org/prd/core-testnet/core_testnet_001/"],
      },
    });
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
});

describe("audit: a validator that changes network on its ledger volume", () => {
  // The database on the volume keeps the passphrase it was created with:
  // validateNetworkPassphrase (src/main/Application.cpp:16-39, v27.1.0), run by every
  // Application::create (stellar-core run, upgrade-db, new-hist), throws
  // 'NETWORK_PASSPHRASE "..." does not match previous NETWORK_PASSPHRASE "..."'. The
  // StatefulSet keeps its volume claim, so the restarted pod fails at every start.
  const options = { clusterDomain: "cluster.local", now: FIXED_NOW };
  const before = stellarNode("a");
  const running = syncResponse(syncRequest(before, { related: [before] }), options);
  const status = { ...running.status };
  const cases: [string, NodeOptions][] = [
    ["network Testnet -> Futurenet", { spec: { network: "Futurenet" }, status }],
    [
      "network Testnet -> Custom",
      {
        spec: { network: "Custom", customNetworkPassphrase: "Example Network ; 2026" },
        validatorConfig: { historyArchiveUrls: ["https://history.example.org/custom/"] },
        status,
      },
    ],
  ];
  it("keeps accepting the network it runs on", () => {
    const same = stellarNode("a", { status });
    const response = syncResponse(
      syncRequest(same, { related: [same], children: observed(running.children) }),
      options,
    );
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
  for (const [label, change] of cases) {
    it(`refuses ${label} once the validator has run, keeping its StatefulSet`, () => {
      const after = stellarNode("a", change);
      const response = syncResponse(
        syncRequest(after, { related: [after], children: observed(running.children) }),
        options,
      );
      assert.equal(valid(response)?.status, "False", valid(response)?.message);
      assert.match(valid(response)?.message ?? "", /Test SDF Network ; September 2015/);
      const statefulSet = (r: StellarNodeSyncResponse) =>
        JSON.stringify(r.children.find((child) => child.kind === "StatefulSet")?.["spec"]);
      assert.equal(statefulSet(response), statefulSet(running));
    });
  }
  it("accepts a network change while the pod has never been Ready on the applied template", () => {
    // Nothing proves the volume holds a database of the applied network: a refusal would
    // only freeze a pod that does not run, and keep the user from going back.
    const after = stellarNode("a", { spec: { network: "Futurenet" }, status });
    const response = syncResponse(
      syncRequest(after, {
        related: [after],
        children: observed(running.children, NOT_READY_STATEFULSET),
      }),
      options,
    );
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
  it("keeps the peers it runs with while a network change is refused", () => {
    const other = stellarNode("f", { spec: { network: "Futurenet" } });
    const b = stellarNode("b");
    const withPeers = syncResponse(
      syncRequest(before, { related: [before, b, other], children: observed(running.children) }),
      options,
    );
    const peers = (r: StellarNodeSyncResponse) =>
      JSON.stringify(r.children.find((child) => child.metadata.name === "a-peers")?.["data"]);
    assert.match(peers(withPeers), /b-0\.b\./);
    const after = stellarNode("a", { spec: { network: "Futurenet" }, status });
    const response = syncResponse(
      syncRequest(after, {
        related: [after, b, other],
        children: observed(withPeers.children),
      }),
      options,
    );
    assert.equal(valid(response)?.status, "False");
    assert.equal(peers(response), peers(withPeers), "the Testnet peers it runs with");
    assert.doesNotMatch(peers(response), /f-0\.f\./);
  });
});

describe("audit: a version change the ledger database cannot follow", () => {
  // Database::upgradeToCurrentSchema -> validateVersion (src/database/Database.cpp:423-449,
  // v27.1.0) throws "DB schema version N is older than minimum supported schema 25" or
  // "... is newer than application schema M" (MIN_SCHEMA_VERSION / SCHEMA_VERSION,
  // src/database/Database.h:31-32). At the release tags of the image table (Database.h /
  // Database.cpp): 22.0.0 [21, 22], 22.1.0 [21, 23], 23.0.1 [21, 24], 25.0.0 [21, 25],
  // 25.1.0 [25, 26], 25.2.0 [25, 27], 26.0.x and 27.0.0 [25, 28]. `run` upgrades the schema
  // on the volume first (ApplicationImpl::initialize), so the restarted pod fails at every
  // start; after stuckAfterSeconds the rollout moves on to the next member.
  const options = { clusterDomain: "cluster.local", now: FIXED_NOW };
  const cases: [string, string, string][] = [
    ["an upgrade that skips 25.0.0", "23.0.1", "27.0.0"],
    ["a downgrade below the volume's schema", "27.0.0", "25.2.0"],
  ];
  it("accepts an upgrade through 25.0.0 and a change within one schema", () => {
    for (const [from, to] of [
      ["23.0.1", "25.0.0"],
      ["25.0.0", "27.0.0"],
      ["27.0.0", "26.0.1"],
    ] as const) {
      const before = stellarNode("a", { spec: { version: from } });
      const running = syncResponse(syncRequest(before, { related: [before] }), options);
      const after = stellarNode("a", { spec: { version: to }, status: { ...running.status } });
      const response = syncResponse(
        syncRequest(after, { related: [after], children: observed(running.children) }),
        options,
      );
      assert.equal(
        valid(response)?.status,
        "True",
        `${from} -> ${to}: ${valid(response)?.message}`,
      );
    }
  });
  for (const [label, from, to] of cases) {
    it(`refuses ${label} (${from} -> ${to}) once the validator has run, keeping its StatefulSet`, () => {
      const before = stellarNode("a", { spec: { version: from } });
      const running = syncResponse(syncRequest(before, { related: [before] }), options);
      const after = stellarNode("a", {
        spec: { version: to },
        status: { ...running.status },
      });
      const response = syncResponse(
        syncRequest(after, { related: [after], children: observed(running.children) }),
        options,
      );
      assert.equal(valid(response)?.status, "False", valid(response)?.message);
      assert.match(valid(response)?.message ?? "", /DB schema version/);
      const image = (r: StellarNodeSyncResponse) =>
        JSON.stringify(r.children.find((child) => child.kind === "StatefulSet")?.["spec"]);
      assert.equal(image(response), image(running));
    });
  }
});

describe("audit: a version change judged only on a pod that ran the applied release", () => {
  const options = { clusterDomain: "cluster.local", now: FIXED_NOW };
  it("accepts going back from a release whose pod never became Ready (27.0.0 -> 25.2.0)", () => {
    // The failed upgrade never opened the volume's database: it is still at 25.2.0's schema.
    const before = stellarNode("a", { spec: { version: "27.0.0" } });
    const applied = syncResponse(syncRequest(before, { related: [before] }), options);
    const back = stellarNode("a", { spec: { version: "25.2.0" }, status: { ...applied.status } });
    const response = syncResponse(
      syncRequest(back, {
        related: [back],
        children: observed(applied.children, NOT_READY_STATEFULSET),
      }),
      options,
    );
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
  it("accepts any change while the StatefulSet is scaled to 0 (suspended)", () => {
    const before = stellarNode("a", { spec: { version: "27.0.0", suspended: true } });
    const applied = syncResponse(syncRequest(before, { related: [before] }), options);
    const after = stellarNode("a", {
      spec: { version: "25.2.0", suspended: true },
      status: { ...applied.status },
    });
    const response = syncResponse(
      syncRequest(after, { related: [after], children: observed(applied.children) }),
      options,
    );
    assert.equal(valid(response)?.status, "True", valid(response)?.message);
  });
});

describe("releaseOfImage", () => {
  it("reads a release from the table, else from an SDF-style tag", () => {
    const table = new Map([["27.0.0", "stellar/stellar-core:27.0.0-3288.7696c069d.jammy"]]);
    assert.equal(
      releaseOfImage("stellar/stellar-core:27.0.0-3288.7696c069d.jammy", table),
      "27.0.0",
    );
    assert.equal(
      releaseOfImage("registry.example.org:5000/core:27.1.0-3365.3589a696b.noble", table),
      "27.1.0",
    );
    assert.equal(releaseOfImage("stellar/stellar-core:v25.2.0", table), "25.2.0");
    assert.equal(releaseOfImage("stellar/stellar-core:latest", table), undefined);
    assert.equal(releaseOfImage("stellar/stellar-core@sha256:" + "a".repeat(64), table), undefined);
  });
});
