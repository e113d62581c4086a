import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { templateHash } from "../../hooks/rollout/template-hash.js";
import type { StellarNodeSyncResponse } from "../../hooks/sync/sync.js";
import {
  FIXED_NOW,
  NOT_READY_STATEFULSET,
  observed,
  stellarNode,
  syncRequest,
} from "../support/fixtures.js";
import { syncResponse } from "../support/sync.js";

/*
 * Audit (branch aB): ways a change takes two validators of one group down at once, or
 * leaves them unprotected, around the paced rollout (hooks/rollout/decide.ts). Each test
 * states the behaviour the rule promises; see the audit report for the sequences.
 */

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const at = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000);
const stamp = (seconds: number) =>
  at(seconds)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");

const statefulSetOf = (response: StellarNodeSyncResponse): KubeObject | undefined =>
  response.children.find((child) => child.kind === "StatefulSet");
const templateHashOf = (sts: KubeObject | undefined): string | undefined =>
  sts === undefined ? undefined : templateHash((sts["spec"] as { template: unknown }).template);

/**
 * validator-a runs version 26.0.1 (synced once with validator-0b, its StatefulSet
 * observed), then is bumped to 27.0.0; `b` is validator-0b as a's syncs read it (ahead of
 * a in the group's order). Returns a's sync 60 s after the bump (settled), with the
 * children `children(first)` observed.
 */
function bumpedA(
  bStatus: (fingerprint: string | undefined) => Record<string, unknown>,
  children: (first: StellarNodeSyncResponse) => Record<string, KubeObject[]> = (first) =>
    observed(first.children),
  seconds = 60,
) {
  const a = stellarNode("validator-a", { spec: { version: "26.0.1" } });
  const first = syncResponse(
    syncRequest(a, { related: [a, stellarNode("validator-0b")] }),
    OPTIONS,
  );
  const b = stellarNode("validator-0b", {
    status: bStatus(first.status.rollout?.groupFingerprint),
  });
  const bumped = stellarNode("validator-a", {
    generation: 2,
    spec: { version: "27.0.0" },
    status: first.status as Record<string, unknown>,
  });
  const observedChildren = children(first);
  const pending = syncResponse(
    syncRequest(bumped, { related: [bumped, b], children: observedChildren }),
    OPTIONS,
  );
  const settled = { ...bumped, status: pending.status };
  const response = syncResponse(
    syncRequest(settled, { related: [settled, b], children: observedChildren }),
    { ...OPTIONS, now: at(seconds) },
  );
  return { first, response };
}

describe("audit: the stuck clock of a member that restarts for the rollout", () => {
  it("a member that applies its new template while already unready (catching up after a crash) counts its restart from the apply: the next member waits for it", () => {
    // validator-0b runs 26.0.1 with validator-a; its pod has been catching up since 3500 s
    // before the test's start (under stuckAfterSeconds, 3600 s: it still blocks).
    const b0 = stellarNode("validator-0b", { spec: { version: "26.0.1" } });
    const a0 = stellarNode("validator-a");
    const firstB = syncResponse(syncRequest(b0, { related: [b0, a0] }), OPTIONS);
    const fingerprint = firstB.status.rollout?.groupFingerprint;
    const catchingUp = {
      ...firstB.status,
      rollout: { ...firstB.status.rollout, ready: false, unreadySince: stamp(-3500) },
    };
    const aSteady = stellarNode("validator-a", {
      status: {
        rollout: {
          groupFingerprint: fingerprint,
          templateHash: "x",
          appliedTemplateHash: "x",
          ready: true,
        },
        conditions: [],
      },
    });
    // One apply bumps validator-0b (and validator-a) to 27.0.0: b is first in the order.
    const b1 = stellarNode("validator-0b", {
      generation: 2,
      spec: { version: "27.0.0" },
      status: catchingUp as Record<string, unknown>,
    });
    const bChildren = observed(firstB.children, NOT_READY_STATEFULSET);
    const bPending = syncResponse(
      syncRequest(b1, { related: [b1, aSteady], children: bChildren }),
      { ...OPTIONS, now: at(-120) },
    );
    const b2 = { ...b1, status: bPending.status };
    const bApplies = syncResponse(
      syncRequest(b2, { related: [b2, aSteady], children: bChildren }),
      { ...OPTIONS, now: at(-60) },
    );
    assert.equal(bApplies.status.pendingRestart, false, "validator-0b restarts at -60 s");
    // validator-a's turn is looked at 180 s after b's restart began: b is still restarting.
    const { first, response } = bumpedA(
      () => bApplies.status as Record<string, unknown>,
      undefined,
      120,
    );
    assert.equal(
      templateHashOf(statefulSetOf(response)),
      templateHashOf(statefulSetOf(first)),
      `validator-a restarts 180 s into validator-0b's restart (b's published unreadySince: ${bApplies.status.rollout?.unreadySince})`,
    );
  });
});

describe("audit: one member's maxUnavailable decides for the group", () => {
  it("a member asking for maxUnavailable 3 does not restart while the two others of its group (asking for 1) are down", () => {
    // validator-0b and validator-0c are both down (a crash, a catch-up), each asking for 1.
    const down = (fingerprint: string | undefined) => ({
      rollout: {
        groupFingerprint: fingerprint,
        templateHash: "t",
        appliedTemplateHash: "t",
        ready: false,
        unreadySince: stamp(0),
      },
      conditions: [],
    });
    const a = stellarNode("validator-a", {
      spec: { version: "26.0.1", peerDiscovery: { maxUnavailable: 3 } },
    });
    const others = [stellarNode("validator-0b"), stellarNode("validator-0c")];
    const first = syncResponse(syncRequest(a, { related: [a, ...others] }), OPTIONS);
    const fingerprint = first.status.rollout?.groupFingerprint;
    const related = others.map((node) => ({ ...node, status: down(fingerprint) }));
    const bumped = stellarNode("validator-a", {
      generation: 2,
      spec: { version: "27.0.0", peerDiscovery: { maxUnavailable: 3 } },
      status: first.status as Record<string, unknown>,
    });
    const children = observed(first.children);
    const pending = syncResponse(
      syncRequest(bumped, { related: [bumped, ...related], children }),
      OPTIONS,
    );
    const settled = { ...bumped, status: pending.status };
    const response = syncResponse(
      syncRequest(settled, { related: [settled, ...related], children }),
      { ...OPTIONS, now: at(60) },
    );
    // The group's budget already takes the smallest maxUnavailable of its members
    // (namespace/group-budgets.ts); the rollout takes the deciding member's own.
    assert.equal(
      templateHashOf(statefulSetOf(response)),
      templateHashOf(statefulSetOf(first)),
      "validator-a restarts with both other members down: the whole group is down",
    );
  });
});
