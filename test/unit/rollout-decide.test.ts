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
  maxUnavailable: 1,
  settleSeconds: 15,
  stuckAfterSeconds: 600,
  groupFingerprint: "F",
  desiredTemplateHash: "new",
  appliedTemplateHash: "old",
  appliedBefore: "old",
  pendingSince: secondsAgo(20),
  others: [],
  ...overrides,
});

describe("quorum-safe rollout rule", () => {
  it("a new validator (no StatefulSet yet) starts with its desired template at once", () => {
    const decision = decideRollout(
      input({ appliedTemplateHash: undefined, pendingSince: undefined }),
    );
    assert.equal(decision.appliedTemplateHash, "new");
    assert.equal(decision.applyDesired, true);
  });

  it("an unchanged template is applied and nothing waits", () => {
    const decision = decideRollout(input({ appliedTemplateHash: "new" }));
    assert.deepEqual(
      [decision.appliedTemplateHash, decision.pendingSince, decision.resyncAfterSeconds],
      ["new", undefined, undefined],
    );
  });

  it("settles: a new template waits settleSeconds, and asks to be synced again when they are over", () => {
    const fresh = decideRollout(input({ pendingSince: undefined }));
    assert.equal(fresh.appliedTemplateHash, "old");
    assert.equal(fresh.pendingSince, "2026-11-23T12:00:00Z");
    assert.equal(fresh.resyncAfterSeconds, 15);
    assert.equal(fresh.wait?.reason, "Settling");
    const later = decideRollout(input({ pendingSince: secondsAgo(10) }));
    assert.equal(later.resyncAfterSeconds, 5);
    assert.equal(decideRollout(input({ pendingSince: secondsAgo(15) })).appliedTemplateHash, "new");
  });

  it("waits for every member to publish the same group fingerprint", () => {
    const decision = decideRollout(
      input({ others: [member("ns/b", { groupFingerprint: "OLD" })] }),
    );
    assert.equal(decision.appliedTemplateHash, "old");
    assert.equal(decision.waitingFor, "ns/b");
    assert.match(decision.wait?.message ?? "", /waiting for ns\/b to see the same group/);
    assert.equal(
      decideRollout(
        input({ others: [member("ns/b", { published: false, groupFingerprint: undefined })] }),
      ).appliedTemplateHash,
      "old",
    );
  });

  it("waits for an earlier member that still has to apply its own template, not for a later one", () => {
    assert.equal(
      decideRollout(input({ others: [member("ns/a", { earlier: true, pending: true })] }))
        .appliedTemplateHash,
      "old",
    );
    assert.equal(
      decideRollout(input({ others: [member("ns/z", { pending: true })] })).appliedTemplateHash,
      "new",
    );
  });

  it("says the same while a member waits its turn, so that its status is not rewritten at every sync", () => {
    // Settling: no countdown (every status write makes Metacontroller sync every member).
    const settling = [0, 5, 14].map(
      (s) =>
        decideRollout(
          input({ now: new Date(NOW.getTime() + s * 1000), pendingSince: secondsAgo(0) }),
        ).wait?.message,
    );
    assert.equal(new Set(settling).size, 1, settling.join(" | "));
    // One at a time in the group's order: it names the nearest earlier pending member,
    // which stays the same while the members before that one restart.
    const pending = { earlier: true, pending: true };
    const names = [
      [member("ns/a", pending), member("ns/b", pending), member("ns/c", pending)],
      [member("ns/a"), member("ns/b", pending), member("ns/c", pending)],
      [member("ns/a"), member("ns/b", { ...pending, ready: false }), member("ns/c", pending)],
      [member("ns/a"), member("ns/b"), member("ns/c", pending)],
      // ns/c has applied its template and restarts: the same name, the same message.
      [
        member("ns/a"),
        member("ns/b"),
        member("ns/c", { earlier: true, ready: false, unreadySince: secondsAgo(1) }),
      ],
    ].map((others) => decideRollout(input({ others })));
    assert.deepEqual(
      names.map((d) => [d.waitingFor, d.wait?.message]),
      names.map(() => [names[0]!.waitingFor, names[0]!.wait?.message]),
    );
    assert.equal(names[0]!.waitingFor, "ns/c");
    // The same decisions as naming the first: it waits whichever blocker it names.
    assert.ok(names.every((d) => !d.applyDesired));
  });

  it("a wait that only an event can end sets no timer; one that time ends (a member becoming stuck) does", () => {
    const waiting = decideRollout(
      input({ others: [member("ns/a", { earlier: true, pending: true })] }),
    );
    assert.equal(waiting.applyDesired, false);
    assert.equal(waiting.resyncAfterSeconds, undefined, "no polling while a member waits its turn");
    const down = decideRollout(
      input({
        others: [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(100) })],
      }),
    );
    assert.equal(
      down.resyncAfterSeconds,
      300,
      "looks again when ns/a counts as stuck, at most after the controller's resync period",
    );
    const soon = decideRollout(
      input({
        others: [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(590) })],
      }),
    );
    assert.equal(soon.resyncAfterSeconds, 10);
    // A huge stuckAfterSeconds would overflow Metacontroller's Go time.Duration (a hot loop).
    const huge = decideRollout(
      input({
        stuckAfterSeconds: Number.MAX_SAFE_INTEGER,
        others: [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(60) })],
      }),
    );
    assert.equal(huge.resyncAfterSeconds, 300);
  });

  it("keeps at most maxUnavailable members of the group down", () => {
    const oneDown = [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(5) })];
    assert.equal(decideRollout(input({ others: oneDown })).appliedTemplateHash, "old");
    assert.equal(
      decideRollout(input({ others: oneDown, maxUnavailable: 2 })).appliedTemplateHash,
      "new",
    );
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
    assert.equal(decideRollout(input({ others: stuck })).appliedTemplateHash, "new");
    const soon = [member("ns/a", { earlier: true, ready: false, unreadySince: secondsAgo(590) })];
    assert.equal(decideRollout(input({ others: soon })).resyncAfterSeconds, 10);
  });

  it("invalid members do not block: their children are frozen", () => {
    assert.equal(
      decideRollout(
        input({ others: [member("ns/a", { valid: false, earlier: true, pending: true })] }),
      ).appliedTemplateHash,
      "new",
    );
  });

  it("takes the smallest maxUnavailable any member asks for, as the group's budget does", () => {
    const down = [
      member("ns/a", { ready: false, unreadySince: secondsAgo(30), maxUnavailable: 1 }),
      member("ns/b", { ready: true, maxUnavailable: 1 }),
    ];
    const decision = decideRollout(input({ maxUnavailable: 3, others: down }));
    assert.equal(decision.applyDesired, false);
    assert.match(decision.wait?.message ?? "", /at most 1 validator\(s\) of the group/);
    const generous = down.map((m) => ({ ...m, maxUnavailable: 3 }));
    assert.equal(decideRollout(input({ maxUnavailable: 3, others: generous })).applyDesired, true);
  });

  it("keeps a template it already applied when the observed template is stale, instead of reverting it", () => {
    const stale = decideRollout(
      input({
        appliedBefore: "new",
        pendingSince: undefined,
        others: [member("ns/a", { earlier: true, ready: false })],
      }),
    );
    assert.equal(stale.appliedTemplateHash, "new");
    assert.equal(stale.applyDesired, true);
  });

  it("a wait keeps the applied template and says why, naming no cause (the sync names it)", () => {
    const decision = decideRollout(
      input({ others: [member("ns/a", { earlier: true, pending: true })] }),
    );
    assert.equal(decision.applyDesired, false);
    assert.equal(decision.appliedTemplateHash, "old");
    assert.equal(decision.wait?.reason, "WaitingForGroup");
    assert.match(decision.wait?.message ?? "", /ns\/a, ahead in the group's order/);
  });
});
