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
});

type NodeShape = typeof nodeArb extends fc.Arbitrary<infer T> ? T : never;

function requestText(nodes: NodeShape[], indent: number): string {
  const objects = nodes.map((n) => {
    const node = stellarNode(n.name, { validatorConfig: { peerPort: n.peerPort } });
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
            assert.deepEqual(parsed.body, expected(text));
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
