import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

/**
 * The worked example from the README: a platform team pins validators to a dedicated node
 * pool and labels every child with the owning team, taken from the StellarNode's labels.
 */
const pinToValidatorPool: DesiredStateTransform = (desired, { parent }) => ({
  ...desired,
  children: desired.children.map((child): KubeObject => {
    const team = parent.metadata.labels?.["example.org/team"] ?? "unowned";
    const labelled = {
      ...child,
      metadata: {
        ...child.metadata,
        labels: { ...child.metadata.labels, "example.org/team": team },
      },
    };
    if (child.kind !== "StatefulSet") return labelled;
    const spec = child["spec"] as { template: { spec: Record<string, unknown> } };
    return {
      ...labelled,
      spec: {
        ...spec,
        template: {
          ...spec.template,
          spec: {
            ...spec.template.spec,
            nodeSelector: { "example.org/pool": "validators" },
            tolerations: [
              { key: "example.org/validators", operator: "Exists", effect: "NoSchedule" },
            ],
          },
        },
      },
    };
  }),
});

describe("extension point", () => {
  it("applies a registered transform to every valid sync", async () => {
    const server = await testServer({}, [pinToValidatorPool]);
    const parent = stellarNode("a");
    parent.metadata.labels = { "example.org/team": "payments" };
    const reply = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(parent),
    });
    const body = reply.json<SyncResponse>();
    assert.ok(
      body.children.every((child) => child.metadata.labels?.["example.org/team"] === "payments"),
    );
    const sts = body.children.find((child) => child.kind === "StatefulSet");
    const podSpec = (sts?.["spec"] as { template: { spec: Record<string, unknown> } }).template
      .spec;
    assert.deepEqual(podSpec["nodeSelector"], { "example.org/pool": "validators" });
    assert.equal(
      (podSpec["containers"] as unknown[]).length,
      1,
      "the rest of the pod is untouched",
    );
    await server.app.close();
  });

  it("is not run for invalid specs, whose observed children stay as they are", async () => {
    let calls = 0;
    const counting: DesiredStateTransform = (desired) => {
      calls++;
      return desired;
    };
    const server = await testServer({}, [counting]);
    const parent = stellarNode("a", { validatorConfig: { quorumSet: "[[[" } });
    await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(parent),
    });
    assert.equal(calls, 0);
    await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(stellarNode("a")),
    });
    assert.equal(calls, 1);
    await server.app.close();
  });
});
