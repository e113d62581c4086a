import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { matchesLabelSelector, type LabelSelector } from "../../hooks/kube/label-selector.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { DecoratorSyncRequest } from "../../hooks/metacontroller/decorator-hooks.js";
import { syncNamespace } from "../../hooks/namespace/summary.js";
import { FIXED_NOW, stellarNode, syncRequest } from "../support/fixtures.js";
import { assertProperty } from "../support/property.js";
import { syncResponse } from "../support/sync.js";

/*
 * The group budgets: one PodDisruptionBudget per group of validators, owned by the
 * namespace decorator, selecting on the group label the sync hook puts on each pod.
 */

const NS = "stellar";
const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };

function namespaceRequest(nodes: readonly KubeObject[], finalizing = false): DecoratorSyncRequest {
  return {
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, uid: "uid-ns" } },
    attachments: { "ConfigMap.v1": {}, "PodDisruptionBudget.policy/v1": {} },
    related: {
      "StellarNode.stellar.org/v1alpha1": Object.fromEntries(
        nodes.map((node) => [`${NS}/${node.metadata.name}`, node]),
      ),
      "ConfigMap.v1": {},
    },
    finalizing,
  };
}

function budgetsOf(nodes: readonly KubeObject[], finalizing = false): KubeObject[] {
  return syncNamespace(namespaceRequest(nodes, finalizing), OPTIONS).response.attachments.filter(
    (attachment) => attachment.kind === "PodDisruptionBudget",
  );
}

/** The labels of the pod the sync hook renders for `node` (its group's members related). */
function podLabels(node: KubeObject, group: readonly KubeObject[]): Record<string, string> {
  const response = syncResponse(syncRequest(node, { related: group }), OPTIONS);
  const statefulSet = response.children.find((child) => child.kind === "StatefulSet");
  assert.ok(statefulSet, `${node.metadata.name} has a StatefulSet`);
  return (statefulSet["spec"] as { template: { metadata: { labels: Record<string, string> } } })
    .template.metadata.labels;
}

const selectorOf = (budget: KubeObject) => (budget["spec"] as { selector: LabelSelector }).selector;
const maxUnavailableOf = (budget: KubeObject) =>
  (budget["spec"] as { maxUnavailable: number }).maxUnavailable;

describe("group budgets (PodDisruptionBudgets of the namespace decorator)", () => {
  it("one budget per group, maxUnavailable the smallest a running member asks for, unhealthy pods always evictable", () => {
    const nodes = [
      stellarNode("a", { spec: { peerDiscovery: { maxUnavailable: 2 } } }),
      stellarNode("b", { spec: { peerDiscovery: { maxUnavailable: 1 } } }),
      stellarNode("c", { spec: { peerDiscovery: { maxUnavailable: 3 } } }),
      // Asks for nothing: no pod, or leaving.
      stellarNode("s", { spec: { suspended: true } }),
      stellarNode("d", { deletionTimestamp: "2026-11-23T11:00:00Z" }),
    ];
    const [budget, ...others] = budgetsOf(nodes);
    assert.ok(budget);
    assert.deepEqual(others, []);
    assert.equal(maxUnavailableOf(budget), 1);
    assert.equal(
      (budget["spec"] as Record<string, unknown>)["unhealthyPodEvictionPolicy"],
      "AlwaysAllow",
    );
    assert.equal(budget.metadata.namespace, NS);
    const withoutB = budgetsOf(nodes.filter((node) => node.metadata.name !== "b"));
    assert.equal(maxUnavailableOf(withoutB[0] as KubeObject), 2);
  });

  it("no budget without running validators, and none while the namespace is finalized", () => {
    assert.deepEqual(budgetsOf([]), []);
    assert.deepEqual(budgetsOf([stellarNode("s", { spec: { suspended: true } })]), []);
    assert.deepEqual(budgetsOf([stellarNode("h", { spec: { nodeType: "Horizon" } })]), []);
    assert.deepEqual(budgetsOf([stellarNode("a")], true), []);
  });

  it("exactly one budget selects each validator's pod, whatever networks, scopes and selectors its members use", () => {
    const memberArb = fc.record({
      network: fc.constantFrom("Testnet", "Mainnet"),
      scope: fc.constantFrom("Namespace", "Cluster"),
      selector: fc.constantFrom(
        undefined,
        { matchLabels: { org: "acme" } },
        { matchLabels: { org: "globex" } },
      ),
      maxUnavailable: fc.integer({ min: 1, max: 3 }),
      org: fc.constantFrom("acme", "globex"),
    });
    assertProperty(
      fc.property(fc.array(memberArb, { minLength: 1, maxLength: 6 }), (members) => {
        const nodes = members.map((member, i) =>
          stellarNode(`v${i}`, {
            spec: {
              network: member.network,
              peerDiscovery: {
                scope: member.scope,
                maxUnavailable: member.maxUnavailable,
                ...(member.selector === undefined ? {} : { groupSelector: member.selector }),
              },
            } as Record<string, unknown>,
          }),
        );
        for (const [i, node] of nodes.entries()) {
          node.metadata.labels = { org: members[i]!.org };
        }
        const budgets = budgetsOf(nodes);
        const names = budgets.map((budget) => budget.metadata.name);
        assert.equal(new Set(names).size, names.length, "budget names are unique");
        for (const node of nodes) {
          const labels = podLabels(node, nodes);
          const selecting = budgets.filter((budget) =>
            matchesLabelSelector(selectorOf(budget), labels),
          );
          assert.equal(selecting.length, 1, `${node.metadata.name}: ${selecting.length} budgets`);
          // No budget allows more down than any member of its group asks for.
          const group = nodes.filter((other) =>
            matchesLabelSelector(selectorOf(selecting[0]!), podLabels(other, nodes)),
          );
          const asked = group.map(
            (other) =>
              (other["spec"] as { peerDiscovery: { maxUnavailable: number } }).peerDiscovery
                .maxUnavailable,
          );
          assert.equal(maxUnavailableOf(selecting[0]!), Math.min(...asked));
        }
      }),
      { numRuns: 40 },
    );
  });
});
