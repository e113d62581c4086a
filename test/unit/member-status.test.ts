import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertProperty } from "../support/property.js";
import {
  parseObservedStatus,
  readMemberStatus,
  type MemberStatusFields,
} from "../../hooks/spec/stellar-node-status.js";

/**
 * readMemberStatus is the narrow reader discovery runs on every member's status; it must read
 * each field exactly as parseObservedStatus (the zod schema, field by field) does.
 */
function viaSchema(raw: Record<string, unknown>): MemberStatusFields {
  const status = parseObservedStatus(raw);
  const rollout = status.rollout;
  const quorum = status.quorum;
  return {
    configHash: status.configHash,
    peersHash: status.peersHash,
    appliedPeersHash: status.appliedPeersHash,
    rollout:
      rollout === undefined
        ? undefined
        : {
            groupFingerprint: rollout.groupFingerprint,
            ready: rollout.ready,
            unreadySince: rollout.unreadySince,
            templateHash: rollout.templateHash,
            appliedTemplateHash: rollout.appliedTemplateHash,
          },
    quorum:
      quorum === undefined
        ? undefined
        : { inQuorumSince: quorum.inQuorumSince, inConsensusSince: quorum.inConsensusSince },
    validStatus: status.conditions.find((condition) => condition.type === "Valid")?.status,
  };
}

// Times the schema accepts, and near misses: its regex without a valid date, offsets,
// fractions, a space for the T, a trailing newline.
const timeArb = fc.oneof(
  fc
    .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z") })
    .filter((d) => !Number.isNaN(d.getTime()))
    .map((d) => d.toISOString()),
  fc.constantFrom(
    "2026-12-02T09:00:00Z",
    "2026-12-02T09:00:00+01:00",
    "2026-12-02T09:00:00.123456Z",
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-12-02T25:00:00Z",
    "2026-12-02T09:60:00Z",
    "2026-12-02 09:00:00Z",
    "2026-12-02T09:00:00Z\n",
    "2026-12-02T09:00:00",
    "2026-12-02",
    "",
  ),
);
const hexArb = fc.stringMatching(/^[0-9a-f]{0,12}$/);
/** Any JSON value, and the types a field is mistaken for. */
const junkArb = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
);
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.option(fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: junkArb }), {
    nil: undefined,
  });
const conditionArb = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constantFrom("Valid", "Ready", "PeerConnections"), junkArb),
      status: field(fc.constantFrom("True", "False", "Unknown")),
      reason: field(fc.string()),
      message: field(fc.string()),
      lastTransitionTime: field(timeArb),
    },
    { requiredKeys: [] },
  ),
  junkArb,
);
const statusArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    configHash: field(hexArb),
    peersHash: field(hexArb),
    appliedPeersHash: field(hexArb),
    peerCount: field(fc.nat()),
    peers: field(fc.array(fc.string(), { maxLength: 3 })),
    externalAddress: field(fc.string()),
    rollout: field(
      fc.record(
        {
          groupFingerprint: field(hexArb),
          ready: field(fc.boolean()),
          unreadySince: field(timeArb),
          templateHash: field(hexArb),
          appliedTemplateHash: field(hexArb),
          pendingSince: field(timeArb),
          groupSize: field(fc.nat()),
        },
        { requiredKeys: [] },
      ),
    ),
    quorum: field(
      fc.record(
        {
          inQuorumSince: field(timeArb),
          inConsensusSince: field(timeArb),
          joiningSince: field(timeArb),
        },
        { requiredKeys: [] },
      ),
    ),
    conditions: field(fc.array(conditionArb, { maxLength: 5 })),
  },
  { requiredKeys: [] },
);

describe("readMemberStatus (discovery's reader of a member's status)", () => {
  it("reads every field as parseObservedStatus does, for generated and malformed statuses", () => {
    assertProperty(
      fc.property(statusArb, (raw) => {
        assert.deepStrictEqual(readMemberStatus(raw), viaSchema(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("reads any JSON object as parseObservedStatus does", () => {
    assertProperty(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (raw) => {
        assert.deepStrictEqual(readMemberStatus(raw), viaSchema(raw));
      }),
      { numRuns: 500 },
    );
  });

  it("takes the first Valid condition, and only a time the schema accepts", () => {
    const raw = {
      configHash: "c",
      rollout: { ready: "yes", unreadySince: "2026-02-30T00:00:00Z", templateHash: 7 },
      quorum: { inQuorumSince: "2026-12-02T09:00:00Z", inConsensusSince: "yesterday" },
      conditions: [
        { type: "Ready", status: "False" },
        { type: "Valid", status: "False" },
        { type: "Valid", status: "True" },
      ],
    };
    const read = readMemberStatus(raw);
    assert.deepStrictEqual(read, viaSchema(raw));
    assert.equal(read.validStatus, "False");
    assert.equal(read.rollout?.ready, undefined);
    assert.equal(read.rollout?.templateHash, undefined);
    assert.equal(read.quorum?.inQuorumSince, "2026-12-02T09:00:00Z");
    assert.equal(read.quorum?.inConsensusSince, undefined);
  });
});
