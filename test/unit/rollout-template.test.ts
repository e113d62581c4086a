import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256Hex } from "../../hooks/hash.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import { templateHash } from "../../hooks/rollout/template-hash.js";
import type { StellarNodeSyncResponse } from "../../hooks/sync/sync.js";
import { templateChanges } from "../../hooks/sync/template-changes.js";
import { FIXED_NOW, observed, QUORUM_SET, stellarNode, syncRequest } from "../support/fixtures.js";
import { syncResponse } from "../support/sync.js";

/*
 * The pacing of the whole pod template, one sync at a time: what the StatefulSet and the
 * config ConfigMap look like while a new template waits, for each cause.
 */

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const later = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000);

type Template = {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: { containers: { name: string; image: string }[] };
};
const statefulSetOf = (response: StellarNodeSyncResponse): KubeObject => {
  const sts = response.children.find((child) => child.kind === "StatefulSet");
  assert.ok(sts);
  return sts;
};
const templateOf = (response: StellarNodeSyncResponse) =>
  (statefulSetOf(response)["spec"] as { template: Template }).template;
const configDataOf = (response: StellarNodeSyncResponse) =>
  response.children.find((c) => c.kind === "ConfigMap" && c.metadata.name.endsWith("-config"))?.[
    "data"
  ] as Record<string, string>;
const condition = (response: StellarNodeSyncResponse, type: string) =>
  response.status.conditions.find((c) => c.type === type);

/**
 * validator-a runs (synced once, observed), with validator-b ahead of it in the group's
 * order still waiting to apply its own new template: a's change must wait.
 */
function running(
  spec: Record<string, unknown> = {},
  validatorConfig: Record<string, unknown> = {},
) {
  const a = stellarNode("validator-a", { spec, validatorConfig });
  const first = syncResponse(
    syncRequest(a, { related: [a, stellarNode("validator-0b")] }),
    OPTIONS,
  );
  const b = stellarNode("validator-0b", {
    status: {
      rollout: {
        groupFingerprint: first.status.rollout?.groupFingerprint,
        ready: true,
        templateHash: "new",
        appliedTemplateHash: "old",
      },
      conditions: [],
    },
  });
  b.metadata.labels = { org: "acme" };
  return { a, b, first, children: observed(first.children) };
}

function edited(
  base: ReturnType<typeof running>,
  edit: { spec?: Record<string, unknown>; validatorConfig?: Record<string, unknown> },
  transforms: DesiredStateTransform[] = [],
  seconds = 60,
) {
  const parent = stellarNode("validator-a", {
    generation: 2,
    spec: edit.spec ?? {},
    validatorConfig: edit.validatorConfig ?? {},
    status: base.first.status as Record<string, unknown>,
  });
  // Settled: the same change was already pending for `seconds`.
  const pending = syncResponse(
    syncRequest(parent, { related: [parent, base.b], children: base.children }),
    { ...OPTIONS, transforms },
  );
  const settledParent = { ...parent, status: pending.status };
  return syncResponse(
    syncRequest(settledParent, { related: [settledParent, base.b], children: base.children }),
    { ...OPTIONS, now: later(seconds), transforms },
  );
}

/**
 * validator-a alone, running 26.0.1, bumped to 27.0.0: the sync that starts settling, and
 * the one 60 s later that applies the new template (its turn: nobody else in the group).
 */
function versionBumpApplied() {
  const base = running({ version: "26.0.1" });
  const parent = stellarNode("validator-a", {
    generation: 2,
    spec: { version: "27.0.0" },
    status: base.first.status as Record<string, unknown>,
  });
  const pending = syncResponse(
    syncRequest(parent, { related: [parent], children: base.children }),
    OPTIONS,
  );
  const settled = { ...parent, status: pending.status };
  const turn = syncResponse(syncRequest(settled, { related: [settled], children: base.children }), {
    ...OPTIONS,
    now: later(60),
  });
  return { base, pending, settled, turn };
}

describe("every pod-template change waits its turn", () => {
  it("a version bump: the StatefulSet keeps the applied image and config; TemplateApplied=False, ImageChanged", () => {
    const base = running({ version: "26.0.1" });
    const response = edited(base, { spec: { version: "27.0.0" } });
    assert.deepEqual(templateOf(response), templateOf(base.first), "the applied template");
    assert.equal(condition(response, "TemplateApplied")?.reason, "ImageChanged");
    assert.match(condition(response, "TemplateApplied")?.message ?? "", /validator-0b, ahead/);
    assert.equal(response.status.pendingRestart, true);
    assert.equal(
      response.status.rollout?.appliedTemplateHash,
      base.first.status.rollout?.templateHash,
    );
    assert.notEqual(
      response.status.rollout?.templateHash,
      response.status.rollout?.appliedTemplateHash,
    );
  });

  it("a quorum edit: the config ConfigMap holds the applied and the desired config, each under its hash; the template names the applied one", () => {
    const base = running();
    const edit = {
      quorumSet: QUORUM_SET.replace("THRESHOLD_PERCENT = 67", "THRESHOLD_PERCENT = 70"),
    };
    const response = edited(base, { validatorConfig: edit });
    assert.equal(condition(response, "TemplateApplied")?.reason, "ConfigChanged");
    const appliedHash = templateOf(base.first).metadata.annotations["stellar.org/config-hash"];
    assert.equal(templateOf(response).metadata.annotations["stellar.org/config-hash"], appliedHash);
    const data = configDataOf(response);
    const keyed = Object.keys(data).filter((key) => /^stellar-core-[0-9a-f]{64}\.cfg$/.test(key));
    assert.equal(keyed.length, 2, Object.keys(data).join(", "));
    for (const key of keyed) assert.equal(`stellar-core-${sha256Hex(data[key]!)}.cfg`, key);
    // A waiting pod that crashes comes back on its applied template: its CONFIG_HASH names
    // the applied config, which is there, with the old threshold.
    assert.match(data[`stellar-core-${appliedHash}.cfg`] ?? "", /THRESHOLD_PERCENT = 67/);
    assert.equal(
      response.status.configHash &&
        data[`stellar-core-${response.status.configHash}.cfg`]?.includes("THRESHOLD_PERCENT = 70"),
      true,
    );
    assert.equal(data["stellar-core.cfg"], data[`stellar-core-${appliedHash}.cfg`]);
  });

  it("resources, and a transform's change: paced too (TemplateChanged), other StatefulSet fields as desired", () => {
    const base = running();
    const pool: DesiredStateTransform = (desired) => ({
      ...desired,
      children: desired.children.map((child) => {
        if (child.kind !== "StatefulSet") return child;
        const spec = child["spec"] as { template: { spec: object } };
        return {
          ...child,
          metadata: { ...child.metadata, labels: { ...child.metadata.labels, team: "payments" } },
          spec: {
            ...spec,
            template: {
              ...spec.template,
              spec: { ...spec.template.spec, nodeSelector: { pool: "v" } },
            },
          },
        };
      }),
    });
    for (const response of [
      edited(base, { spec: { resources: { requests: { cpu: "3" } } } }),
      edited(base, {}, [pool]),
    ]) {
      assert.equal(condition(response, "TemplateApplied")?.reason, "TemplateChanged");
      assert.deepEqual(templateOf(response), templateOf(base.first));
    }
    const transformed = edited(base, {}, [pool]);
    assert.equal(
      statefulSetOf(transformed).metadata.labels?.["team"],
      "payments",
      "other fields as desired",
    );
  });

  it("applies the desired template once it is its turn, and a suspension at once", () => {
    const { base, pending, turn } = versionBumpApplied();
    assert.equal(condition(pending, "TemplateApplied")?.status, "False", "settling first");
    assert.equal(condition(turn, "TemplateApplied")?.status, "True");
    assert.match(templateOf(turn).spec.containers[0]!.image, /:27\.0\.0-/);
    assert.equal(
      turn.status.rollout?.ready,
      false,
      "the old pod still looks Ready: not ready for the group",
    );
    const suspended = edited(base, { spec: { version: "27.0.0", suspended: true } });
    assert.match(
      templateOf(suspended).spec.containers[0]!.image,
      /:27\.0\.0-/,
      "no pod runs: at once",
    );
  });

  it("a restart of its own is one Ready state, Restarting, from the apply until the pod is Ready on the new template", () => {
    const { base, pending, settled, turn } = versionBumpApplied();
    assert.equal(condition(turn, "TemplateApplied")?.status, "True");
    assert.deepEqual(
      turn.status.conditions.map((c) => c.type),
      pending.status.conditions.map((c) => c.type),
      "Ready keeps its place",
    );
    assert.deepEqual(
      [condition(turn, "Ready")?.status, condition(turn, "Ready")?.reason],
      ["False", "Restarting"],
      "the apply already says it restarts (the old pod still looks Ready)",
    );
    // The StatefulSet then passes through its states; each sync sees the status the one
    // before wrote. Every one of them must leave the status as it is: no write.
    const revisions = (current: string, updated: number, ready: number, seen: number) => ({
      replicas: 1,
      readyReplicas: ready,
      updatedReplicas: updated,
      currentRevision: current,
      updateRevision: "rev-2",
      observedGeneration: seen,
    });
    const passing = [
      { label: "stale: the old StatefulSet", children: base.children },
      { label: "Progressing", children: observed(turn.children, revisions("rev-1", 0, 1, 0)) },
      { label: "RollingUpdate", children: observed(turn.children, revisions("rev-1", 0, 0, 1)) },
      { label: "PodNotReady", children: observed(turn.children, revisions("rev-2", 1, 0, 1)) },
    ];
    let status = turn.status;
    for (const [index, step] of passing.entries()) {
      const node = { ...settled, status: status as Record<string, unknown> };
      const next = syncResponse(syncRequest(node, { related: [node], children: step.children }), {
        ...OPTIONS,
        now: later(61 + index),
      });
      assert.deepEqual(next.status, turn.status, `${step.label}: the status is unchanged`);
      status = next.status;
    }
    assert.ok(
      turn.resyncAfterSeconds !== undefined && turn.resyncAfterSeconds <= 300,
      "a restart asks to be looked at again, in case it never ends",
    );
    // A restart that has not ended after stuckAfterSeconds (3600 by default) has failed:
    // Ready says the StatefulSet's reason again, with its advice.
    const failedNode = { ...settled, status: status as Record<string, unknown> };
    const failed = syncResponse(
      syncRequest(failedNode, {
        related: [failedNode],
        children: observed(turn.children, revisions("rev-2", 1, 0, 1)),
      }),
      { ...OPTIONS, now: later(60 + 3600) },
    );
    assert.equal(condition(failed, "Ready")?.reason, "PodNotReady");
    assert.match(condition(failed, "Ready")?.message ?? "", /kubectl describe pod/);
    assert.deepEqual(
      failed.status.conditions.map((c) => c.type),
      pending.status.conditions.map((c) => c.type),
      "every condition keeps its place",
    );
    const node = { ...settled, status: status as Record<string, unknown> };
    const back = syncResponse(
      syncRequest(node, {
        related: [node],
        children: observed(turn.children, revisions("rev-2", 1, 1, 1)),
      }),
      { ...OPTIONS, now: later(70) },
    );
    assert.deepEqual(
      [condition(back, "Ready")?.reason, back.status.rollout?.ready],
      ["PodReady", true],
    );
    // Unready again later, with no restart of its own under way: the StatefulSet's reason.
    const readyNode = { ...settled, status: back.status as Record<string, unknown> };
    const crashed = syncResponse(
      syncRequest(readyNode, {
        related: [readyNode],
        children: observed(turn.children, revisions("rev-2", 1, 0, 1)),
      }),
      { ...OPTIONS, now: later(80) },
    );
    assert.equal(condition(crashed, "Ready")?.reason, "PodNotReady");
  });

  it("the group label is on the pod template, so a new group is paced like any other change", () => {
    const base = running();
    const label = templateOf(base.first).metadata.labels["stellar.org/group"];
    assert.match(label ?? "", /^testnet-[0-9a-f]{16}$/);
    const response = edited(base, {
      spec: { peerDiscovery: { groupSelector: { matchLabels: { org: "acme" } } } },
    });
    assert.equal(
      templateOf(response).metadata.labels["stellar.org/group"],
      label,
      "the old label, until its turn",
    );
    assert.equal(condition(response, "TemplateApplied")?.status, "False");
  });
});

describe("a group's pods spread over nodes", () => {
  it("each pod template asks the scheduler to spread the group's pods over nodes, softly", () => {
    // One StatefulSet per validator: the scheduler's default spreading counts the pods of
    // one StatefulSet, so only a constraint on the group label keeps a group off one node.
    const group = ["a", "b", "c"].map((name) => stellarNode(name));
    const templates = group.map((node) =>
      templateOf(
        syncResponse(syncRequest(node, { related: group }), {
          clusterDomain: "cluster.local",
          now: FIXED_NOW,
        }),
      ),
    );
    const labels = templates.map((template) => template.metadata.labels["stellar.org/group"]);
    assert.equal(new Set(labels).size, 1, "one group");
    for (const template of templates) {
      assert.deepEqual((template.spec as Record<string, unknown>)["topologySpreadConstraints"], [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { "stellar.org/group": labels[0] } },
        },
      ]);
    }
  });
});

describe("templateChanges names what changed", () => {
  const template = (image: string, config: string, peers: string, extra: object = {}) => ({
    metadata: {
      annotations: { "stellar.org/config-hash": config, "stellar.org/peers-hash": peers },
    },
    spec: {
      initContainers: [
        {
          name: "init",
          image,
          env: [
            { name: "CONFIG_HASH", value: config },
            { name: "PEERS_HASH", value: peers },
          ],
        },
      ],
      containers: [{ name: "core", image }],
      ...extra,
    },
  });
  it("each cause alone, several together, none for equal templates", () => {
    const base = template("i1", "c1", "p1");
    assert.deepEqual(templateChanges(base, template("i1", "c1", "p1")), []);
    assert.deepEqual(templateChanges(base, template("i2", "c1", "p1")), ["Image"]);
    assert.deepEqual(templateChanges(base, template("i1", "c2", "p1")), ["Config"]);
    assert.deepEqual(templateChanges(base, template("i1", "c1", "p2")), ["Peers"]);
    assert.deepEqual(templateChanges(base, template("i1", "c1", "p1", { nodeSelector: {} })), [
      "Template",
    ]);
    assert.deepEqual(templateChanges(base, template("i2", "c2", "p2", { nodeSelector: {} })), [
      "Image",
      "Config",
      "Peers",
      "Template",
    ]);
    assert.equal(templateHash(base), templateHash(template("i1", "c1", "p1")));
    assert.notEqual(templateHash(base), templateHash(template("i1", "c1", "p2")));
  });
});
