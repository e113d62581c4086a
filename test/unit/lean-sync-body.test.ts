import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertProperty } from "../support/property.js";
import { projectRelatedNode, readPeerCandidates } from "../../hooks/discovery/related-nodes.js";
import { GROUP_KEYS } from "../../hooks/metacontroller/group-keys.js";
import { parseLean } from "../../hooks/http/lean-sync-body.js";
import { relatedNodeProblem } from "../../hooks/http/poisoned-keys.js";
import { isRecord } from "../../hooks/kube/objects.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";

/**
 * What the lean parser must give: JSON.parse, with each related StellarNode projected, and
 * those the hooks must not trust (relatedNodeProblem) left out.
 */
function expected(text: string): unknown {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const related = parsed["related"];
  const group = isRecord(related) ? related[GROUP_KEYS.StellarNode] : undefined;
  if (isRecord(group)) {
    for (const key of Object.keys(group)) {
      if (relatedNodeProblem(structuredClone(group[key])) === undefined) {
        group[key] = projectRelatedNode(group[key]);
      } else {
        Reflect.deleteProperty(group, key);
      }
    }
  }
  return parsed;
}

// Strings that stress a hand-written scanner: quotes, backslashes, braces, unicode.
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "{", "}", "[", "]", '\\"}', "é", "😀", "\u2028", ":", ","),
);
const nodeArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  network: fc.constantFrom("Testnet", "Mainnet", "Custom", 7, null),
  note: tricky,
  extra: fc.jsonValue({ maxDepth: 3 }),
  suspended: fc.oneof(fc.boolean(), fc.constant("yes")),
  peerPort: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant("11625")),
  // The rollout takes the group's smallest (rollout/decide.ts); values the schema refuses too.
  maxUnavailable: fc.oneof(
    fc.integer({ min: 1, max: 5 }),
    fc.constantFrom("3", 3.5, 0, -1, null, [2], {}),
  ),
});

type NodeShape = Omit<
  typeof nodeArb extends fc.Arbitrary<infer T> ? T : never,
  "maxUnavailable"
> & { maxUnavailable?: unknown };

function requestText(nodes: NodeShape[], indent: number): string {
  const objects = nodes.map((n) => {
    // Every level discovery reads (RELATED_NODE_PROJECTION), each with fields it skips.
    const node = stellarNode(n.name, {
      validatorConfig: {
        peerPort: n.peerPort,
        seedSecretRef: n.note,
        quorum: "Automatic",
        publicKey: "GATC2NB3IJEVAV26MVWHG6UBRCHZNHNEVOZLTQGHZ3K5ZY7K6H4P6PSI",
        homeDomain: "example.org",
        history: { publish: true, port: 8081, extra: n.extra },
      },
      spec: { externalPeering: { type: "NodePort", nodePort: 31000, hostname: n.note } },
    });
    (node["spec"] as Record<string, unknown>)["peerDiscovery"] = {
      maxUnavailable: n.maxUnavailable,
      settleSeconds: 5,
      note: n.note,
    };
    (node["spec"] as Record<string, unknown>)["network"] = n.network;
    (node["spec"] as Record<string, unknown>)["suspended"] = n.suspended;
    node.metadata.annotations = {
      note: n.note,
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(n.extra),
    };
    node["status"] = {
      peers: [n.note],
      conditions: [{ type: "Valid", status: "True" }],
      rollout: { ready: true, extra: n.extra },
      externalAddress: ":31000",
      quorum: { inQuorumSince: "2026-11-20T00:00:00Z", running: { hash: n.note } },
    };
    return node;
  });
  return JSON.stringify(
    syncRequest(objects[0] ?? stellarNode("x"), { related: objects }),
    null,
    indent,
  );
}

describe("the sync hook's lean body parser", () => {
  it("gives what JSON.parse and the projection give, for any request", () => {
    let lean = 0;
    assertProperty(
      fc.property(
        fc.array(nodeArb, { maxLength: 6 }),
        fc.constantFrom(0, 1, 2),
        (nodes, indent) => {
          const text = requestText(nodes, indent);
          const parsed = parseLean(Buffer.from(text));
          if (parsed !== undefined) {
            lean++;
            assert.equal(JSON.stringify(parsed.body), JSON.stringify(expected(text)));
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(lean > 150, `only ${lean} of 300 requests took the lean path`);
  });

  it("takes the lean path for an ordinary request", () => {
    const text = requestText(
      [
        {
          name: "a",
          network: "Testnet",
          note: "n",
          extra: { a: [1, "}"] },
          suspended: false,
          peerPort: 11625,
        },
      ],
      0,
    );
    const lean = parseLean(Buffer.from(text))?.body as {
      related: Record<string, Record<string, Record<string, unknown>>>;
    };
    const node = lean.related[GROUP_KEYS.StellarNode]?.["stellar/a"];
    assert.ok(node);
    assert.equal(
      (node["metadata"] as Record<string, unknown>)["annotations"],
      undefined,
      "projected",
    );
  });

  it("decides per related node: a poisoned node is left out, the others are kept, lean", () => {
    const text = requestText(
      [
        { name: "a", network: "Testnet", note: "n", extra: {}, suspended: false, peerPort: 11625 },
        { name: "b", network: "Testnet", note: "n", extra: {}, suspended: false, peerPort: 11625 },
      ],
      0,
    ).replace('"name":"b"', '"name":"b","labels":{"__proto__":"x"}');
    const lean = parseLean(Buffer.from(text));
    assert.ok(lean, "still the lean path");
    assert.deepEqual(lean.skipped, [{ key: "stellar/b", reason: "poisoned" }]);
    const group = (lean.body as { related: Record<string, Record<string, unknown>> }).related[
      GROUP_KEYS.StellarNode
    ];
    assert.deepEqual(Object.keys(group ?? {}), ["stellar/a"]);
  });

  it("leaves unusual bodies to the full parser: duplicate keys, prototype keys, escapes, malformed", () => {
    const base = requestText([], 0);
    for (const text of [
      base.replace('"related":', '"related":{},"related":'),
      base.replace('"finalizing":false', '"finalizing":false,"__proto__":{"x":1}'),
      base.replace('"finalizing":false', '"finalizing":false,"constructor":{}'),
      base.replace('"finalizing":false', '"finalizing":false,"\\u005f_proto__":{}'),
      base.slice(0, -1),
      `${base} x`,
      "[]",
      "",
    ]) {
      assert.equal(parseLean(Buffer.from(text)), undefined, text.slice(0, 80));
    }
  });
});

describe("the lean reader of a related StellarNode (lean-related-node.ts)", () => {
  const one = requestText(
    [{ name: "a", network: "Testnet", note: "n", extra: {}, suspended: false, peerPort: 11625 }],
    0,
  );
  /** The request with the related node's (the last) `from` replaced by `to`. */
  const inNode = (from: string, to: string): string => {
    const at = one.lastIndexOf(from);
    return `${one.slice(0, at)}${to}${one.slice(at + from.length)}`;
  };
  /** The request with `snippet` (raw JSON text) as a skipped annotation of the node. */
  const withSkipped = (snippet: string): string =>
    inNode('"annotations":{', `"annotations":{"x":${snippet},`);
  const deep = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;

  it("refuses what JSON.parse refuses, also in the parts it skips", () => {
    for (const snippet of [
      '{"a" 1}',
      '{"a":1,}',
      "[1,]",
      "[1 2]",
      '"\u0001 raw"',
      '"\\x"',
      '"\\u12g4"',
      "01",
      "1.",
      "-",
      "1e",
      "+1",
      "tru",
      "nul",
      '"unterminated',
      "{",
    ]) {
      const text = withSkipped(snippet);
      assert.throws(() => JSON.parse(text), SyntaxError, snippet);
      assert.equal(parseLean(Buffer.from(text)), undefined, snippet);
    }
  });

  it("reads the same as JSON.parse and the projection, key order included", () => {
    const cases = [
      withSkipped('{"k:{\\"type\\":\\"Valid\\"}":{".":{}}}'),
      withSkipped('[-0.5e+3, 1E9, 0, true, false, null, "\\u00e9\\n", {}, [], [{}]]'),
      withSkipped(`{"f": ${deep(60)}}`), // the deepest array at depth 63 of the node
      withSkipped('"constructor"'),
      inNode('"metadata":{', '"metadata":{"name":"zz","uid":"u1"},"metadata":{'),
      inNode('"name":"a"', '"name":"a","name":"b"'),
      inNode(
        '"conditions":[',
        '"conditions":[{"type":"Ready","status":"False"},{"type":"Valid","type":"Other","status":"False"},{"message":"m","type":"Valid","status":"False"},{"type":"Valid"},',
      ),
      inNode('"conditions":[', '"conditions":"no","x":['),
      inNode('"rollout":{', '"rollout":7,"r":{'),
      inNode('"spec":{', '"spec":{"validatorConfig":null,'),
      inNode('"status":{', '"status":[],"s":{'),
      inNode('"kind":"StellarNode"', '"kind":"StellarNode","kind":"Other"'),
    ];
    for (const text of cases) {
      const lean = parseLean(Buffer.from(text));
      assert.ok(lean, text);
      assert.equal(JSON.stringify(lean.body), JSON.stringify(expected(text)), text);
    }
  });

  it("leaves to the per-node judge a node with a poisoned or escaped key, or too deep", () => {
    for (const [snippet, reason] of [
      ['{"__proto__":{"x":1}}', "poisoned"],
      ['{"constructor":{"prototype":{}}}', "poisoned"],
      ['{"\\u005f_proto__":{}}', "poisoned"],
      [deep(62), "too-deep"], // the deepest array at depth 64 of the node
    ] as const) {
      const text = withSkipped(snippet);
      const lean = parseLean(Buffer.from(text));
      assert.ok(lean, snippet);
      assert.deepEqual(lean.skipped, [{ key: "stellar/a", reason }], snippet);
    }
    // Suspect but harmless: parsed whole, kept, projected as the others.
    for (const snippet of ['{"constructor":{}}', '{"\\u0061":1}']) {
      const text = withSkipped(snippet);
      const lean = parseLean(Buffer.from(text));
      assert.ok(lean, snippet);
      assert.deepEqual(lean.skipped, [], snippet);
      assert.equal(JSON.stringify(lean.body), JSON.stringify(expected(text)), snippet);
    }
  });
});

describe("projectRelatedNode", () => {
  it("keeps every field discovery reads: the candidates are the same", () => {
    assertProperty(
      fc.property(fc.array(nodeArb, { maxLength: 6 }), (nodes) => {
        const text = requestText(nodes, 0);
        const whole = (JSON.parse(text) as { related: unknown }).related;
        assert.deepEqual(
          readPeerCandidates((expected(text) as { related: unknown }).related, "stellar"),
          readPeerCandidates(whole, "stellar"),
        );
      }),
      { numRuns: 200 },
    );
  });
});
