import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertProperty } from "../support/property.js";
import { RolloutWorld, type SimEvent } from "../support/rollout-sim.js";

const eventArb: fc.Arbitrary<SimEvent> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("sync" as const),
      node: fc.nat(7),
      staleness: fc.array(fc.nat(5000), { minLength: 8, maxLength: 8 }),
      staleSelf: fc.boolean(),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      ms: fc.integer({ min: 0, max: 4000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "add" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), node: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("suspend" as const), node: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), node: fc.nat(7) }) },
);

describe("quorum-safe rollout over generated event sequences", () => {
  it("never has more than maxUnavailable=1 validators restarting for peers at once, with reads up to 5 s stale", () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(eventArb, { maxLength: 120 }),
        (initial, events) => {
          const world = new RolloutWorld(initial);
          world.quiesce(6);
          assert.equal(world.maxRollingSeen, 0, "creating a group restarts nobody for peers");
          for (const event of events) world.run(event);
          world.quiesce(40);
          assert.ok(world.maxRollingSeen <= 1, `${world.maxRollingSeen} validators rolled at once`);
          assert.deepEqual(
            world.unconverged(),
            [],
            "every validator ends with its current peer list",
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("with maxUnavailable=2, never more than 2 at once", () => {
    assertProperty(
      fc.property(fc.array(eventArb, { maxLength: 80 }), (events) => {
        const world = new RolloutWorld(4, 2);
        world.quiesce(6);
        for (const event of events) world.run(event);
        world.quiesce(40);
        assert.ok(world.maxRollingSeen <= 2, `${world.maxRollingSeen} validators rolled at once`);
      }),
      { numRuns: 60 },
    );
  });

  it("a burst of 5 joins within 10 s next to 3 validators restarts each existing one exactly once", () => {
    // Pods Ready within 300 ms, as on kwok: only the settle time keeps restarts to one.
    const world = new RolloutWorld(3, 1, () => 300);
    world.quiesce(6);
    const existing = world.nodes.map((n) => n.name);
    for (let i = 0; i < 5; i++) {
      world.add();
      // Metacontroller syncs every node of the group on each change, and again as statuses move.
      for (let round = 0; round < 4; round++) {
        // Each node is synced twice in a row, the second time with the stale cache of its
        // own StatefulSet that Metacontroller has right after updating it.
        for (let n = 0; n < world.nodes.length; n++) {
          world.sync(n, []);
          world.sync(n, [], true);
        }
        world.wait(500);
      }
    }
    world.quiesce(40);
    for (const name of existing) assert.equal(world.restarts.get(name), 1, `${name} restarts`);
    assert.ok(world.maxRollingSeen <= 1);
    assert.deepEqual(world.unconverged(), []);
  });
});
