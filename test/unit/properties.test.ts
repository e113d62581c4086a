import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isDns1123Subdomain, isLabelValue } from "../../hooks/kube/names.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { syncResponse } from "../support/sync.js";
import { FIXED_NOW, stellarNode, syncRequest } from "../support/fixtures.js";
import { assertProperty } from "../support/property.js";

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
type NodeShapeOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

const nameArb = fc
  .tuple(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), fc.stringMatching(/^[a-z0-9-]{0,50}$/))
  .map(([first, rest]) => (first + rest).replace(/-+$/, ""));

const nodeArb = fc.record({
  name: nameArb,
  namespace: fc.constantFrom("stellar", "other"),
  network: fc.constantFrom("Mainnet", "Testnet", "Futurenet"),
  nodeType: fc.constantFrom("Validator", "Validator", "Validator", "Horizon"),
  suspended: fc.boolean(),
  deleting: fc.boolean(),
  peerPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
});

type NodeShape = NodeShapeOf<typeof nodeArb>;

function toNode(shape: NodeShape): KubeObject {
  return stellarNode(shape.name, {
    namespace: shape.namespace,
    spec: {
      network: shape.network as "Testnet",
      nodeType: shape.nodeType as "Validator",
      suspended: shape.suspended,
    },
    validatorConfig: shape.peerPort === undefined ? {} : { peerPort: shape.peerPort },
    ...(shape.deleting ? { deletionTimestamp: "2026-11-23T00:00:00Z" } : {}),
  });
}

const scenarioArb = fc.record({
  self: nodeArb.map((shape) => ({
    ...shape,
    nodeType: "Validator",
    namespace: "stellar",
    deleting: false,
  })),
  others: fc.uniqueArray(nodeArb, { selector: (n) => `${n.namespace}/${n.name}`, maxLength: 25 }),
  staticPeers: fc.array(fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}[a-z0-9](:[1-9][0-9]{0,3})?$/), {
    maxLength: 4,
  }),
  version: fc.constantFrom("v1" as const, "v2" as const),
});

function run(
  scenario: NodeShapeOf<typeof scenarioArb>,
  order: (nodes: KubeObject[]) => KubeObject[],
) {
  const selfObject = stellarNode(scenario.self.name, {
    spec: { network: scenario.self.network as "Testnet", suspended: scenario.self.suspended },
    validatorConfig: { knownPeers: scenario.staticPeers },
  });
  const others = scenario.others
    .filter((o) => !(o.namespace === "stellar" && o.name === scenario.self.name))
    .map(toNode);
  // v1 keys by name only; Metacontroller only uses it for one namespace.
  const related =
    scenario.version === "v1" ? others.filter((o) => o.metadata.namespace === "stellar") : others;
  return syncResponse(
    syncRequest(selfObject, {
      related: order([selfObject, ...related]),
      version: scenario.version,
    }),
    OPTIONS,
  );
}

describe("properties over any set of related StellarNodes", () => {
  it("never lists self; the list is sorted and unique; it holds only same-namespace peers", () => {
    assertProperty(
      fc.property(scenarioArb, (scenario) => {
        const response = run(scenario, (nodes) => nodes);
        const peers = response.status.peers ?? [];
        const selfHost = `${scenario.self.name}-0.${scenario.self.name}.stellar.svc.cluster.local`;
        assert.ok(!peers.some((p) => p.startsWith(`${selfHost}:`)), "self listed");
        assert.deepEqual(peers, [...new Set(peers)].sort(), "not sorted and unique");
        for (const peer of peers.filter((p) => p.includes(".svc.cluster.local:"))) {
          assert.match(peer, /\.stellar\.svc\.cluster\.local:\d+$/, "peer from another namespace");
        }
      }),
      { numRuns: 200 },
    );
  });

  it("gives byte-identical output for any permutation of the request", () => {
    assertProperty(
      fc.property(scenarioArb, fc.integer(), (scenario, seed) => {
        const straight = JSON.stringify(run(scenario, (nodes) => nodes));
        const shuffled = JSON.stringify(
          run(scenario, (nodes) => {
            const copy = [...nodes];
            let state = seed;
            for (let i = copy.length - 1; i > 0; i--) {
              state = (state * 1103515245 + 12345) & 0x7fffffff;
              const j = state % (i + 1);
              [copy[i], copy[j]] = [copy[j]!, copy[i]!];
            }
            return copy;
          }),
        );
        assert.equal(shuffled, straight);
      }),
      { numRuns: 150 },
    );
  });

  it("renders only names and labels Kubernetes accepts", () => {
    assertProperty(
      fc.property(scenarioArb, (scenario) => {
        const response = run(scenario, (nodes) => nodes);
        for (const child of response.children) {
          assert.ok(isDns1123Subdomain(child.metadata.name), `name ${child.metadata.name}`);
          const labelSets = [child.metadata.labels ?? {}];
          const template = (
            child["spec"] as { template?: { metadata?: { labels?: Record<string, string> } } }
          )?.template;
          if (template?.metadata?.labels) labelSets.push(template.metadata.labels);
          for (const labels of labelSets) {
            for (const value of Object.values(labels))
              assert.ok(isLabelValue(value), `label value ${value}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
