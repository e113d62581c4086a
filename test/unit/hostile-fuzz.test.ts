import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { KEYS, stellarNode } from "../support/fixtures.js";
import { FC_SEED } from "../support/property.js";
import { rawSyncRequest } from "../support/raw-request.js";
import { testServer } from "../support/server.js";

/*
 * Issue 12's fuzz test: generated sync requests that mix valid group members with hostile
 * and broken related objects (one explicit arbitrary per item of the issue) and a hostile
 * parent now and then. For every request: never a 5xx; the valid member's peer list is the
 * one it would have without the garbage; the same request gives the same bytes.
 * Item 6 (timeouts) cannot be generated through fastify.inject: hostile-input.test.ts
 * checks the server's timeouts directly.
 */

type Hostile = { item: string; text: (name: string) => string };

const json = (node: KubeObject): string => JSON.stringify(node);
const replaceOnce = (text: string, from: string, to: string): string => {
  assert.ok(text.includes(from), `fixture lacks ${from}`);
  return text.replace(from, to);
};

/** One arbitrary per item: each yields a related object no member may list. */
const hostileArbitraries: fc.Arbitrary<Hostile>[] = [
  // 1. A __proto__ key in a free-form field (resources.limits, labels).
  fc.constantFrom("limits", "labels").map((where) => ({
    item: "1-proto",
    text: (name) =>
      where === "limits"
        ? replaceOnce(
            json(stellarNode(name, { spec: { resources: { limits: { cpu: "1" } } } })),
            '"limits":{"cpu":"1"}',
            '"limits":{"__proto__":"1"}',
          )
        : replaceOnce(
            json(stellarNode(name)),
            '"metadata":{',
            '"metadata":{"labels":{"__proto__":"x"},',
          ),
  })),
  // 2. Nesting: a deep object in the status, or a 999-level dotted quorum key.
  fc.integer({ min: 70, max: 3000 }).map((depth) => ({
    item: "2-depth",
    text: (name) => {
      const deep = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
      return replaceOnce(json(stellarNode(name)), '"metadata":{', `"junk":${deep},"metadata":{`);
    },
  })),
  // 3. Names Kubernetes allows and stellar-peers refuses: never rendered, never listed.
  fc.constantFrom("new.node", "x".repeat(60), "9starts-with-digit").map((bad) => ({
    item: "3-refused-name",
    text: () => json(stellarNode(bad)),
  })),
  // 4. Size: a large annotation (kubectl's last-applied copy, managedFields).
  fc.integer({ min: 10_000, max: 200_000 }).map((size) => ({
    item: "4-size",
    text: (name) => {
      const node = stellarNode(name, { deletionTimestamp: "2026-11-23T00:00:00Z" });
      node.metadata.annotations = { big: "x".repeat(size) };
      return json(node);
    },
  })),
  // 5. A namespace label value from a request: long, not a DNS-1123 label.
  fc.integer({ min: 64, max: 5000 }).map((length) => ({
    item: "5-namespace",
    text: (name) => json(stellarNode(name, { namespace: "n".repeat(length) })),
  })),
  // 7. Names, namespaces and kinds the API server never gives.
  fc.constantFrom("newline", "surrogate", "kind").map((how) => ({
    item: "7-name-kind",
    text: (name) =>
      how === "kind"
        ? json({ ...stellarNode(name), apiVersion: "v1", kind: "ConfigMap" })
        : replaceOnce(
            json(stellarNode(name)),
            `"name":"${name}"`,
            how === "newline" ? `"name":"${name}\\nKNOWN_PEERS"` : `"name":"${name}\\ud800"`,
          ),
  })),
  // 8. [[VALIDATORS]] HISTORY or ADDRESS that are no command or address: refused by its
  //    own sync before it ever ran (published Valid=False, no configHash).
  fc.constantFrom("history", "address").map((what) => ({
    item: "8-validators",
    text: (name) =>
      json(
        stellarNode(name, {
          status: {
            conditions: [
              {
                type: "Valid",
                status: "False",
                reason: "InvalidQuorumSet",
                message: `${what} refused`,
                lastTransitionTime: "2026-11-01T00:00:00Z",
              },
            ],
          },
        }),
      ),
  })),
  // 9. Garbage status on a node that never ran (refused) and so is nobody's peer.
  fc.constantFrom("garbage", 7, null, "2026-13-45T99:99:99Z").map((value) => ({
    item: "9-garbage-status",
    text: (name) =>
      json(
        stellarNode(name, {
          status: {
            rollout: { unreadySince: value, pendingSince: value, ready: "yes" },
            conditions: [{ type: "Valid", status: "False", reason: "InvalidSpec" }],
          },
        }),
      ),
  })),
  // 10. knownPeers with impossible ports: the API server's CRD would refuse, the hook too;
  //     as a related node it is another network, never listed.
  fc.constantFrom("host:0", "host:99999").map((peer) => ({
    item: "10-ports",
    text: (name) =>
      json(
        stellarNode(name, {
          spec: { network: "Mainnet" },
          validatorConfig: { knownPeers: [peer] },
        }),
      ),
  })),
];

const HOSTILE = fc.oneof(...hostileArbitraries);

/** Garbage in the published status of a member that is listed (valid, running). */
const garbageStatusOfListedMember = fc.record({
  configHash: fc.constantFrom("f".repeat(64), 7, null),
  rollout: fc.record({
    groupFingerprint: fc.oneof(fc.string(), fc.constant(7)),
    ready: fc.oneof(fc.boolean(), fc.constant("yes")),
    unreadySince: fc.constantFrom("garbage", 7, "2026-13-45T99:99:99Z", "2026-11-01T00:00:00Z"),
    pendingSince: fc.constantFrom("garbage", null),
    templateHash: fc.oneof(fc.string(), fc.constant(1)),
  }),
  conditions: fc.constantFrom([], "garbage", [{ type: "Valid", status: 7 }]),
});

/** A parent that is itself hostile: its own sync must answer 200 with Valid=False. */
const hostileParent = fc.constantFrom(
  replaceOnce(
    json(stellarNode("a", { spec: { resources: { limits: { cpu: "1" } } } })),
    '"limits":{"cpu":"1"}',
    '"limits":{"__proto__":"1"}',
  ),
  json(
    stellarNode("a", {
      validatorConfig: {
        quorumSet: `[QUORUM_SET.${Array.from({ length: 200 }, (_, i) => `k${i}`).join(".")}]\n`,
      },
    }),
  ),
  json(stellarNode("a", { validatorConfig: { knownPeers: ["a-0.a.stellar.svc.cluster.local"] } })),
  json(
    stellarNode("a", {
      validatorConfig: {
        quorumSet: `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ${JSON.stringify(KEYS.slice(0, 3))}\n`,
      },
    }),
  ),
);

describe("hostile requests, generated (issue 12)", () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer({ LOG_LEVEL: "silent" });
  });
  after(async () => server.app.close());

  const post = async (payload: string) =>
    server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload,
      headers: { "content-type": "application/json" },
    });

  it("never a 5xx; a valid member's peers never depend on another's garbage; deterministic", async () => {
    const generated = new Map<string, number>();
    const a = json(stellarNode("a"));
    const b = json(stellarNode("b"));
    const clean = await post(rawSyncRequest(a, { "stellar/a": a, "stellar/b": b }));
    assert.equal(clean.statusCode, 200);
    const peersOf = (body: string): string => {
      const response = JSON.parse(body) as SyncResponse;
      const peers = response.children.find((c) => c.metadata.name === "a-peers");
      return (peers?.["data"] as Record<string, string>)["KNOWN_PEERS"] ?? "";
    };
    const cleanPeers = peersOf(clean.body);
    assert.equal(cleanPeers, "b-0.b.stellar.svc.cluster.local:11625\n");

    await fc.assert(
      fc.asyncProperty(
        fc.array(HOSTILE, { minLength: 1, maxLength: 4 }),
        fc.option(hostileParent, { freq: 4 }),
        fc.option(garbageStatusOfListedMember, { freq: 3 }),
        async (hostiles, badParent, garbage) => {
          // 9, on a member that IS listed: its status is garbage, it stays a peer.
          const listed = garbage === null ? b : json(stellarNode("b", { status: garbage }));
          if (garbage !== null) generated.set("9-listed", (generated.get("9-listed") ?? 0) + 1);
          const related: Record<string, string> = { "stellar/a": a, "stellar/b": listed };
          hostiles.forEach((hostile, index) => {
            generated.set(hostile.item, (generated.get(hostile.item) ?? 0) + 1);
            related[`stellar/h${index}`] = hostile.text(`h${index}`);
          });
          const parent = badParent ?? a;
          if (badParent !== null) generated.set("parent", (generated.get("parent") ?? 0) + 1);
          const payload = rawSyncRequest(parent, related);
          const first = await post(payload);
          assert.ok(first.statusCode < 500, `${first.statusCode}: ${first.body.slice(0, 300)}`);
          assert.equal(first.statusCode, 200, first.body.slice(0, 300));
          const again = await post(payload);
          assert.equal(again.body, first.body, "the same request gives the same bytes");
          const response = JSON.parse(first.body) as SyncResponse;
          const validity = response.status.conditions.find((c) => c.type === "Valid");
          if (response.resyncAfterSeconds !== undefined) {
            assert.ok(Number.isFinite(response.resyncAfterSeconds), "resyncAfterSeconds");
          }
          assert.doesNotMatch(first.body, /"resyncAfterSeconds":null/);
          if (badParent === null) {
            assert.equal(validity?.status, "True");
            assert.equal(peersOf(first.body), cleanPeers, "garbage changed a valid member's list");
          } else {
            assert.equal(validity?.status, "False");
          }
        },
      ),
      { seed: FC_SEED, numRuns: 150 },
    );
    const items = [
      "1-proto",
      "2-depth",
      "3-refused-name",
      "4-size",
      "5-namespace",
      "7-name-kind",
      "8-validators",
      "9-garbage-status",
      "9-listed",
      "10-ports",
      "parent",
    ];
    for (const item of items) {
      assert.ok((generated.get(item) ?? 0) > 0, `item ${item} was never generated`);
    }
  });
});
