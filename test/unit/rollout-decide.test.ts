import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideRollout, type MemberState, type RolloutInput } from "../../hooks/rollout/decide.js";

const NOW = new Date("2026-11-23T12:00:00Z");
const secondsAgo = (s: number) =>
  new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const member = (key: string, overrides: Partial<MemberState> = {}): MemberState => ({
  key,
  earlier: false,
  valid: true,
  published: true,
  groupFingerprint: "F",
  pending: false,
  ready: true,
  unreadySince: undefined,
  ...overrides,
});

const input = (overrides: Partial<RolloutInput> = {}): RolloutInput => ({
  now: NOW,
  strategy: "QuorumSafe",
  maxUnavailable: 1,
  settleSeconds: 15,
  stuckAfterSeconds: 600,
  groupFingerprint: "F",
  desiredPeersHash: "new",
  appliedPeersHash: "old",
  appliedBefore: "old",
  pendingSince: secondsAgo(20),
  others: [],
  ...overrides,
});

describe("quorum-safe rollout rule", () => {
  it("a new validator (no StatefulSet yet) starts with the current list at once", () => {
    const decision = decideRollout(input({ appliedPeersHash: undefined, pendingSince: undefined }));
    assert.equal(decision.podPeersHash, "new");
    assert.equal(decision.condition.status, "True");
  });

  it("an unchanged list is applied and nothing waits", () => {
    const decision = decideRollout(input({ appliedPeersHash: "new" }));
    assert.deepEqual(
      [decision.podPeersHash, decision.pendingSince, decision.resyncAfterSeconds],
      ["new", undefined, undefined],
    );
  });

  it("settles: a new list waits settleSeconds, and asks to be synced again when they are over", () => {
    const fresh = decideRollout(input({ pendingSince: undefined }));
    assert.equal(fresh.podPeersHash, "old");
    assert.equal(fresh.pendingSince, "2026-11-23T12:00:00Z");
    assert.equal(fresh.resyncAfterSeconds, 15);
    assert.equal(fresh.condition.reason, "Settling");
    const later = decideRollout(input({ pendingSince: secondsAgo(10) }));
    assert.equal(later.resyncAfterSeconds, 5);
    assert.equal(decideRollout(input({ pendingSince: secondsAgo(15) })).podPeersHash, "new");
  });

  it("waits for every member to publish the same group fingerprint", () => {
    const decision = decideRollout(
      input({ others: [member("ns/b", { groupFingerprint: "OLD" })] }),
    );
    assert.equal(decision.podPeersHash, "old");
    assert.equal(decision.waitingFor, "ns/b");
    assert.match(decision.condition.message, /waiting for ns\/b to see the same group/);
    assert.equal(
      decideRollout(
        input({ others: [member("ns/b", { published: false, groupFingerprint: undefined })] }),
      ).podPeersHash,
      "old",
    );
  });

  it("waits for an earlier member that still has to apply its own list, not for a later one", () => {
    assert.equal(
      decideRollout(input({ others: [member("ns/a", { earlier: true, pending: true })] }))
        .podPeersHash,
      "old",
    );
    assert.equal(
      decideRollout(input({ others: [member("ns/z", { pending: true })] })).podPeersHash,
      "new",
    );
  });

  it("keeps at most maxUnavailable members of the group down", () => {
    const oneDown = [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(5) })];
    assert.equal(decideRollout(input({ others: oneDown })).podPeersHash, "old");
    assert.equal(decideRollout(input({ others: oneDown, maxUnavailable: 2 })).podPeersHash, "new");
  });

  it("a member unready for longer than stuckAfterSeconds stops blocking, and the wait asks to look again then", () => {
    const stuck = [
      member("ns/a", {
        earlier: true,
        ready: false,
        pending: true,
        groupFingerprint: "OLD",
        unreadySince: secondsAgo(601),
      }),
    ];
    assert.equal(decideRollout(input({ others: stuck })).podPeersHash, "new");
    const soon = [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(590) })];
    assert.equal(decideRollout(input({ others: soon })).resyncAfterSeconds, 10);
  });

  it("invalid members do not block: their children are frozen", () => {
    assert.equal(
      decideRollout(
        input({ others: [member("ns/a", { valid: false, earlier: true, pending: true })] }),
      ).podPeersHash,
      "new",
    );
  });

  it("keeps a list it already applied when the observed template is stale, instead of reverting it", () => {
    const stale = decideRollout(
      input({
        appliedBefore: "new",
        pendingSince: undefined,
        others: [member("ns/a", { earlier: true, ready: false })],
      }),
    );
    assert.equal(stale.podPeersHash, "new");
    assert.equal(stale.condition.status, "True");
  });

  it("LiveConnect never restarts for peers and keeps the hash off the pod template", () => {
    const decision = decideRollout(input({ strategy: "LiveConnect" }));
    assert.equal(decision.podPeersHash, undefined);
    assert.equal(decision.appliedPeersHash, "new");
    assert.equal(decision.condition.reason, "LiveConnect");
  });
});
