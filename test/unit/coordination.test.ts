import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCoordinated } from "../../hooks/coordination/coordinated.js";
import {
  readViewCandidates,
  renderGroupView,
  SHARD_BYTES,
} from "../../hooks/coordination/group-view.js";
import { readTurn, renderTurns, type Turn } from "../../hooks/coordination/turns.js";
import { readPeerCandidates } from "../../hooks/discovery/related-nodes.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { decideByTurn } from "../../hooks/rollout/decide.js";
import { customizeStellarNode } from "../../hooks/sync/customize.js";
import { syncStellarNode } from "../../hooks/sync/sync.js";
import {
  decoratorAttachments,
  FIXED_NOW,
  objectMap,
  observed,
  stellarNode,
  syncRequest,
} from "../support/fixtures.js";

const NS = "stellar";
const related = (nodes: readonly KubeObject[]) => ({
  "StellarNode.stellar.org/v1alpha1": objectMap(nodes, "v2"),
});
/** Related ConfigMaps as Metacontroller hands the decorator's attachments to a member. */
const configMaps = (objects: readonly KubeObject[]) => ({
  "ConfigMap.v1": objectMap(decoratorAttachments(objects, NS), "v2"),
});

/** A member's status mid-rollout: everything a restart rewrites, set. */
function rolloutStatus(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    configHash: "c".repeat(64),
    peersHash: "p".repeat(64),
    appliedPeersHash: "p".repeat(64),
    externalAddress: ":31234",
    quorum: { inQuorumSince: "2026-11-01T00:00:00Z" },
    conditions: [
      {
        type: "Valid",
        status: "True",
        reason: "SpecValid",
        message: "the spec is valid",
        lastTransitionTime: "2026-11-01T00:00:00Z",
      },
    ],
    rollout: {
      groupFingerprint: "f1",
      ready: true,
      templateHash: "t1",
      appliedTemplateHash: "t1",
      ...fields,
    },
  };
}

describe("coordination: which members the namespace decorator coordinates", () => {
  it("groups of one namespace addressed by DNS, and no others", () => {
    assert.equal(isCoordinated({ scope: "Namespace", addressing: "DNS" }), true);
    assert.equal(isCoordinated({ scope: "Cluster", addressing: "DNS" }), false);
    assert.equal(isCoordinated({ scope: "Namespace", addressing: "PodIP" }), false);
  });

  it("with COORDINATED_ROLLOUT=on, a coordinated member relates the view and its own turn, never a StellarNode", () => {
    const on = { coordinatedRollout: true };
    const rules = customizeStellarNode({ parent: stellarNode("alpha") }, on).relatedResources;
    assert.deepEqual(
      rules.map((rule) => [rule.resource, rule.namespace, rule.names ?? rule.labelSelector]),
      [
        [
          "configmaps",
          NS,
          {
            matchLabels: {
              "app.kubernetes.io/name": "stellar-peers",
              "app.kubernetes.io/component": "group-view",
              "app.kubernetes.io/managed-by": "stellar-peers",
            },
          },
        ],
        ["configmaps", NS, ["alpha-turn"]],
      ],
    );
    const cluster = customizeStellarNode(
      { parent: stellarNode("alpha", { spec: { peerDiscovery: { scope: "Cluster" } } }) },
      on,
    ).relatedResources;
    assert.deepEqual(
      cluster.map((rule) => rule.resource),
      ["stellarnodes"],
    );
    // COORDINATED_ROLLOUT=off (the default): every StellarNode of the group, as before.
    const off = customizeStellarNode({ parent: stellarNode("alpha") }).relatedResources;
    assert.deepEqual(
      off.map((rule) => rule.resource),
      ["stellarnodes"],
    );
  });
});

describe("coordination: the group view", () => {
  const nodes = [
    stellarNode("alpha", { status: rolloutStatus({}) }),
    stellarNode("beta", { status: rolloutStatus({}) }),
  ];

  it("holds what discovery reads of each node, and nothing a rollout rewrites", () => {
    const view = renderGroupView(related(nodes), NS);
    assert.equal(view.length, 1);
    const fromView = readViewCandidates(configMaps(view), NS);
    const fromNodes = readPeerCandidates(related(nodes), NS);
    assert.ok(fromView);
    assert.deepEqual(
      fromView.map(({ published: _published, ...rest }) => rest),
      fromNodes.map(({ published: _published, ...rest }) => rest),
    );
    // What the view keeps of a member's rollout: valid and rendered, nothing else.
    assert.deepEqual(
      fromView.map((candidate) => candidate.published),
      fromNodes.map(() => ({
        valid: true,
        rendered: true,
        templateHash: undefined,
        appliedTemplateHash: undefined,
        peersHash: undefined,
        appliedPeersHash: undefined,
        groupFingerprint: undefined,
        ready: false,
        unreadySince: undefined,
      })),
    );
  });

  it("does not change with a member's restart, and changes with a join", () => {
    const before = renderGroupView(related(nodes), NS);
    const restarting = [
      stellarNode("alpha", {
        status: {
          ...rolloutStatus({
            ready: false,
            unreadySince: "2026-11-23T11:59:00Z",
            templateHash: "t2",
            appliedTemplateHash: "t2",
          }),
          configHash: "d".repeat(64),
          peersHash: "q".repeat(64),
        },
      }),
      nodes[1] as KubeObject,
    ];
    assert.deepEqual(renderGroupView(related(restarting), NS), before);
    const joined = renderGroupView(related([...nodes, stellarNode("gamma")]), NS);
    assert.notDeepEqual(joined, before);
    assert.deepEqual(
      readViewCandidates(configMaps(joined), NS)?.map((c) => c.name),
      ["alpha", "beta", "gamma"],
    );
  });

  it("is written only while a coordinated validator would read it", () => {
    const cluster = nodes.map((node) => ({
      ...node,
      spec: { ...(node["spec"] as object), peerDiscovery: { scope: "Cluster" } },
    }));
    assert.deepEqual(renderGroupView(related(cluster), NS), []);
  });

  it("shards a large namespace under the shard size, each node in exactly one shard", () => {
    // 40 kB of labels each: 30 nodes are 1.2 MB, more than a ConfigMap holds.
    const big = Array.from({ length: 30 }, (_, i) => {
      const node = stellarNode(`v${String(i).padStart(2, "0")}`);
      const metadata = node.metadata as Record<string, unknown>;
      metadata["labels"] = { "example.org/blob": "x".repeat(63), note: "y".repeat(63) };
      for (let l = 0; l < 300; l++)
        (metadata["labels"] as Record<string, string>)[`k${l}`] = "z".repeat(63);
      return node;
    });
    const view = renderGroupView(related(big), NS);
    assert.ok(view.length > 1, `${view.length} shard(s)`);
    for (const shard of view) {
      const text = (shard["data"] as Record<string, string>)["nodes.json"] ?? "";
      assert.ok(Buffer.byteLength(text) <= SHARD_BYTES, `${shard.metadata.name} is too large`);
    }
    const names = readViewCandidates(configMaps(view), NS)?.map((c) => c.name);
    assert.deepEqual(
      names,
      big.map((node) => node.metadata.name),
    );
    // A shard missing, or shards of two counts: no partial group is read.
    assert.equal(readViewCandidates(configMaps(view.slice(1)), NS), undefined);
    const small = renderGroupView(related(big.slice(0, 1)), NS);
    assert.equal(readViewCandidates(configMaps([...small, ...view.slice(1)]), NS), undefined);
    assert.equal(readViewCandidates(configMaps([]), NS), undefined);
  });
});

/** A turn ConfigMap as the decorator wrote it (configMaps() adds its ownership). */
function turnConfigMap(member: string, turn: Turn): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${member}-turn`, namespace: NS },
    data: { "turn.json": JSON.stringify(turn) },
  };
}

describe("coordination: turns", () => {
  const now = FIXED_NOW;
  const settledSince = "2026-11-23T11:59:00Z";
  const member = (name: string, fields: Record<string, unknown>) =>
    stellarNode(name, { status: rolloutStatus(fields) });

  it("hands the first pending member its turn, and the next one a wait for it", () => {
    const nodes = [
      member("alpha", {}),
      member("beta", { templateHash: "t2", pendingSince: settledSince }),
      member("gamma", { templateHash: "t3", pendingSince: settledSince }),
    ];
    const turns = renderTurns(related(nodes), {}, NS, readPeerCandidates(related(nodes), NS), now);
    assert.deepEqual(
      turns.attachments.map((cm) => cm.metadata.name),
      ["beta-turn", "gamma-turn"],
    );
    const beta = readTurn(configMaps(turns.attachments), "beta", NS);
    const gamma = readTurn(configMaps(turns.attachments), "gamma", NS);
    assert.deepEqual(beta, {
      templateHash: "t2",
      pendingSince: settledSince,
      apply: true,
      grantedAt: "2026-11-23T12:00:00Z",
    });
    assert.equal(gamma?.apply, false);
    assert.equal(gamma?.waitingFor, "stellar/beta");
    // Looked at again when beta's turn is let go, in case it has not acted on it.
    assert.equal(turns.resyncAfterSeconds, 40);
  });

  it("keeps a live turn as granted and counts its member as restarting; decides again once it ran out", () => {
    const nodes = [
      member("alpha", { templateHash: "t2", pendingSince: settledSince }),
      member("beta", { templateHash: "t3", pendingSince: settledSince }),
    ];
    const candidates = readPeerCandidates(related(nodes), NS);
    // beta held a turn granted 2 s ago, when alpha's pending template was not yet read.
    const held: Turn = {
      templateHash: "t3",
      pendingSince: settledSince,
      apply: true,
      grantedAt: "2026-11-23T11:59:58Z",
    };
    const heldTurn = turnConfigMap("beta", held);
    const observedTurns = configMaps([heldTurn]);
    const now = new Date("2026-11-23T12:00:00Z");
    const turns = renderTurns(related(nodes), observedTurns, NS, candidates, now);
    assert.deepEqual(readTurn(configMaps(turns.attachments), "beta", NS), held);
    const alpha = readTurn(configMaps(turns.attachments), "alpha", NS);
    assert.equal(alpha?.apply, false, "alpha waits while beta may be restarting");
    // Held for 40 s after it was granted: 10 s longer than beta may act on it.
    assert.equal(turns.resyncAfterSeconds, 38);
    const stillHeld = renderTurns(
      related(nodes),
      observedTurns,
      NS,
      candidates,
      new Date("2026-11-23T12:00:37Z"),
    );
    assert.equal(readTurn(configMaps(stillHeld.attachments), "alpha", NS)?.apply, false);
    // Once the hold is over, the rule decides again: alpha, ahead in the order, goes first.
    const later = new Date("2026-11-23T12:00:38Z");
    const again = renderTurns(related(nodes), observedTurns, NS, candidates, later);
    assert.equal(readTurn(configMaps(again.attachments), "alpha", NS)?.apply, true);
    assert.equal(readTurn(configMaps(again.attachments), "beta", NS)?.apply, false);
  });

  it("keeps a settling template waiting, and asks to be synced when it has settled", () => {
    const nodes = [
      member("alpha", {}),
      member("beta", { templateHash: "t2", pendingSince: "2026-11-23T11:59:55Z" }),
    ];
    const turns = renderTurns(related(nodes), {}, NS, readPeerCandidates(related(nodes), NS), now);
    const beta = readTurn(configMaps(turns.attachments), "beta", NS);
    assert.equal(beta?.apply, false);
    assert.equal(beta?.wait?.reason, "Settling");
    assert.equal(turns.resyncAfterSeconds, 10);
  });

  it("gives no turn while another member is down, and none to refused or uncoordinated members", () => {
    const nodes = [
      member("alpha", { ready: false, unreadySince: "2026-11-23T11:59:30Z" }),
      member("beta", { templateHash: "t2", pendingSince: settledSince }),
    ];
    const turns = renderTurns(related(nodes), {}, NS, readPeerCandidates(related(nodes), NS), now);
    assert.equal(readTurn(configMaps(turns.attachments), "beta", NS)?.apply, false);
    const refused = stellarNode("beta", {
      status: {
        ...rolloutStatus({ templateHash: "t2", pendingSince: settledSince }),
        conditions: [{ type: "Valid", status: "False", reason: "InvalidSpec", message: "x" }],
      },
    });
    const cluster = stellarNode("gamma", {
      spec: { peerDiscovery: { scope: "Cluster" } },
      status: rolloutStatus({ templateHash: "t2", pendingSince: settledSince }),
    });
    const others = [member("alpha", {}), refused, cluster];
    assert.deepEqual(
      renderTurns(related(others), {}, NS, readPeerCandidates(related(others), NS), now)
        .attachments,
      [],
    );
  });

  it("trusts only the decorator's own ConfigMaps: a turn or a view anyone else wrote is none", () => {
    const turn: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "beta-turn", namespace: NS },
      data: { "turn.json": '{"apply":true,"pendingSince":"x","templateHash":"t2"}' },
    };
    assert.equal(readTurn(configMaps([turn]), "beta", NS)?.apply, true);
    const unowned = { "ConfigMap.v1": objectMap([turn], "v2") };
    assert.equal(readTurn(unowned, "beta", NS), undefined);
    const [owned] = decoratorAttachments([turn], "elsewhere");
    assert.equal(
      readTurn({ "ConfigMap.v1": objectMap([owned as KubeObject], "v2") }, "beta", NS),
      undefined,
    );
    const view = renderGroupView(related([stellarNode("alpha"), stellarNode("mallory")]), NS);
    assert.equal(readViewCandidates({ "ConfigMap.v1": objectMap(view, "v2") }, NS), undefined);
    // Under another shard's name, a shard is not read.
    const renamed = view.map((cm) => ({
      ...cm,
      metadata: { ...cm.metadata, name: "stellar-peers-view-9" },
    }));
    assert.equal(readViewCandidates(configMaps(renamed), NS), undefined);
  });

  it("keeps a held turn for its member after it applied, and lets it go after the hold", () => {
    const held: Turn = {
      templateHash: "t2",
      pendingSince: settledSince,
      apply: true,
      grantedAt: "2026-11-23T11:59:58Z",
    };
    const heldTurn = turnConfigMap("beta", held);
    // beta's status says it applied t2 and restarts: nothing pending.
    const nodes = [
      member("alpha", {}),
      member("beta", { templateHash: "t2", appliedTemplateHash: "t2", ready: false }),
    ];
    const candidates = readPeerCandidates(related(nodes), NS);
    const at = (time: string) =>
      renderTurns(related(nodes), configMaps([heldTurn]), NS, candidates, new Date(time));
    assert.deepEqual(
      readTurn(configMaps(at("2026-11-23T12:00:00Z").attachments), "beta", NS),
      held,
    );
    assert.deepEqual(at("2026-11-23T12:00:38Z").attachments, []);
  });

  it("reads no turn from a malformed ConfigMap", () => {
    const cm = (text: string): KubeObject => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "beta-turn", namespace: NS },
      data: { "turn.json": text },
    });
    for (const text of [
      "{",
      "[]",
      '{"templateHash":"t2","pendingSince":"x"}',
      '{"templateHash":"t2","pendingSince":"x","apply":false}',
    ]) {
      assert.equal(readTurn(configMaps([cm(text)]), "beta", NS), undefined, text);
    }
    assert.equal(
      readTurn(
        configMaps([cm('{"templateHash":"t2","pendingSince":"x","apply":true}')]),
        "alpha",
        NS,
      ),
      undefined,
    );
  });
});

describe("coordination: a member acts on its turn only", () => {
  const base = {
    now: FIXED_NOW,
    desiredTemplateHash: "t2",
    appliedTemplateHash: "t1",
    appliedBefore: "t1",
    pendingSince: "2026-11-23T11:59:00Z",
    settleSeconds: 15,
    turnConfigMap: "beta-turn",
  };
  const turn = (fields: Partial<Turn>): Turn => ({
    templateHash: "t2",
    pendingSince: "2026-11-23T11:59:00Z",
    apply: true,
    grantedAt: "2026-11-23T11:59:58Z",
    ...fields,
  });

  it("applies with a turn for its template and its wait", () => {
    assert.equal(decideByTurn({ ...base, turn: turn({}) }).applyDesired, true);
  });

  it("waits without a turn, with a turn for another template, of another wait, or run out", () => {
    for (const given of [
      undefined,
      turn({ templateHash: "t3" }),
      turn({ pendingSince: "2026-11-23T11:00:00Z" }),
      turn({ grantedAt: "2026-11-23T11:59:29Z" }),
      turn({ grantedAt: "2026-11-23T12:00:02Z" }),
      turn({ grantedAt: undefined }),
    ]) {
      const decision = decideByTurn({ ...base, turn: given });
      assert.equal(decision.applyDesired, false, JSON.stringify(given));
      assert.equal(decision.appliedTemplateHash, "t1");
      assert.match(decision.wait?.message ?? "", /beta-turn/);
    }
    const waiting = decideByTurn({
      ...base,
      turn: turn({
        apply: false,
        wait: { reason: "WaitingForGroup", message: "waiting for stellar/alpha" },
        waitingFor: "stellar/alpha",
      }),
    });
    assert.equal(waiting.applyDesired, false);
    assert.equal(waiting.waitingFor, "stellar/alpha");
    assert.equal(waiting.wait?.message, "waiting for stellar/alpha");
  });

  it("while settling and before its turn comes, says what the decorator's turn will say", () => {
    const pendingSince = "2026-11-23T11:59:55Z";
    const nodes = [
      stellarNode("alpha", { status: rolloutStatus({}) }),
      stellarNode("beta", { status: rolloutStatus({ templateHash: "t2", pendingSince }) }),
    ];
    const turns = renderTurns(
      related(nodes),
      {},
      NS,
      readPeerCandidates(related(nodes), NS),
      FIXED_NOW,
    );
    const handed = readTurn(configMaps(turns.attachments), "beta", NS);
    const before = decideByTurn({ ...base, pendingSince, turn: undefined });
    const after = decideByTurn({ ...base, pendingSince, turn: handed });
    assert.equal(before.wait?.reason, "Settling");
    assert.deepEqual(before, after);
  });

  it("needs no turn when no pod runs, and never reverts what it applied", () => {
    assert.equal(
      decideByTurn({ ...base, appliedTemplateHash: undefined, turn: undefined }).applyDesired,
      true,
    );
    assert.equal(
      decideByTurn({ ...base, appliedBefore: "t2", turn: undefined }).applyDesired,
      true,
    );
  });
});

describe("coordination: the sync of a coordinated member", () => {
  const alpha = stellarNode("alpha");
  const others = [stellarNode("beta"), stellarNode("gamma")];
  const legacy = syncStellarNode(syncRequest(alpha, { related: [alpha, ...others] }), {
    clusterDomain: "cluster.local",
    now: FIXED_NOW,
  }).response;

  it("renders from the view what it renders from the StellarNodes", () => {
    const view = renderGroupView(related([alpha, ...others]), NS);
    const coordinated = syncStellarNode(
      { ...syncRequest(alpha), related: configMaps(view) },
      { clusterDomain: "cluster.local", now: FIXED_NOW },
    ).response;
    assert.deepEqual(coordinated.children, legacy.children);
    assert.deepEqual(coordinated.status?.peers, legacy.status?.peers);
  });

  it("judges its seed against its own group only, as when it related the StellarNodes", () => {
    const selector = { peerDiscovery: { groupSelector: { matchLabels: { org: "a" } } } };
    const labelled = (node: KubeObject, org: string): KubeObject => ({
      ...node,
      metadata: { ...node.metadata, labels: { org } },
    });
    const mine = labelled(stellarNode("alpha", { spec: selector }), "a");
    const peer = labelled(stellarNode("beta", { spec: selector }), "a");
    // Another organisation's validator, older by name, naming a Secret of the same name.
    const other = labelled(
      stellarNode("aardvark", { validatorConfig: { seedSecretRef: "alpha-seed" } }),
      "b",
    );
    const view = renderGroupView(related([mine, peer, other]), NS);
    const result = syncStellarNode(
      { ...syncRequest(mine), related: configMaps(view) },
      { clusterDomain: "cluster.local", now: FIXED_NOW },
    );
    const valid = result.response.status?.conditions?.find((c) => c.type === "Valid");
    assert.equal(valid?.status, "True", valid?.message);
  });

  it("keeps its conditions, and a refused spec stays refused, while the view is not whole", () => {
    const previous = syncStellarNode(syncRequest(alpha, { related: [alpha, ...others] }), {
      clusterDomain: "cluster.local",
      now: FIXED_NOW,
    }).response;
    const withStatus = { ...alpha, status: previous.status };
    const waiting = syncStellarNode(
      {
        ...syncRequest(withStatus, { children: observed(previous.children) }),
        related: configMaps([]),
      },
      { clusterDomain: "cluster.local", now: FIXED_NOW },
    ).response;
    const types = (waiting.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
    assert.ok(types.includes("Valid=True"), types.join(", "));
    assert.ok(types.includes("GroupView=False"), types.join(", "));
    const refused = stellarNode("alpha", { spec: { nodeType: "Horizon" } });
    const result = syncStellarNode(
      { ...syncRequest(refused), related: configMaps([]) },
      { clusterDomain: "cluster.local", now: FIXED_NOW },
    );
    assert.equal(result.report.valid, false);
  });

  it("keeps its children as they run, and says why, until the view is whole", () => {
    const children = observed(legacy.children);
    const result = syncStellarNode(
      { ...syncRequest(alpha, { children }), related: configMaps([]) },
      { clusterDomain: "cluster.local", now: FIXED_NOW },
    );
    assert.deepEqual(result.report, { valid: true, awaitingGroupView: true });
    assert.deepEqual(
      result.response.children.map((c) => `${c.kind}/${c.metadata.name}`),
      legacy.children.map((c) => `${c.kind}/${c.metadata.name}`),
    );
    const condition = result.response.status?.conditions?.find((c) => c.type === "GroupView");
    assert.equal(condition?.status, "False");
    assert.equal(condition?.reason, "WaitingForNamespaceDecorator");
  });
});

describe("coordination: a node too large for a shard", () => {
  it("does not multiply the shards: it stays in its own", () => {
    const huge = stellarNode("huge");
    const labels: Record<string, string> = {};
    for (let l = 0; l < 9000; l++) labels[`example.org/k${l}`] = "z".repeat(63);
    (huge.metadata as Record<string, unknown>)["labels"] = labels;
    const view = renderGroupView(related([huge, stellarNode("alpha"), stellarNode("beta")]), NS);
    assert.ok(view.length <= 4, `${view.length} shards`);
    assert.deepEqual(
      readViewCandidates(configMaps(view), NS)?.map((c) => c.name),
      ["alpha", "beta", "huge"],
    );
  });
});
