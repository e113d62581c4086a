import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import {
  DEFAULT_EXPORTER_IMAGE,
  DEFAULT_EXPORTER_PORT,
} from "../../hooks/spec/metrics-exporter.js";
import { StellarNodeSpecSchema } from "../../hooks/spec/stellar-node-spec.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { FIXED_NOW, observed, stellarNode, syncRequest } from "../support/fixtures.js";
import { syncResponse } from "../support/sync.js";

/**
 * spec.metrics.exporter: SDF's stellar-core-prometheus-exporter as a sidecar (the golden
 * case test/testdata/sync/core-exporter shows the whole container), and the ports it must
 * not share with the pod's other containers.
 */

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const sync = (request: SyncRequest): SyncResponse => syncResponse(request, OPTIONS);

interface Container {
  name: string;
  image: string;
  env?: { name: string; value: string }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: unknown;
}

function statefulSet(response: SyncResponse, name = "a"): KubeObject {
  const found = response.children.find((c) => c.kind === "StatefulSet" && c.metadata.name === name);
  assert.ok(found, `StatefulSet ${name}`);
  return found;
}
const containers = (response: SyncResponse): Container[] =>
  (statefulSet(response)["spec"] as { template: { spec: { containers: Container[] } } }).template
    .spec.containers;
const valid = (response: SyncResponse) =>
  response.status.conditions.find((condition) => condition.type === "Valid");

const withExporter = (exporter: Record<string, unknown>, validatorConfig = {}, spec = {}) =>
  stellarNode("a", { spec: { ...spec, metrics: { exporter } }, validatorConfig });

describe("spec.metrics.exporter", () => {
  it("adds no container unless enabled", () => {
    for (const node of [stellarNode("a"), withExporter({ enabled: false, port: 11626 })]) {
      const response = sync(syncRequest(node));
      assert.equal(valid(response)?.status, "True");
      assert.deepEqual(
        containers(response).map((c) => c.name),
        ["stellar-core"],
      );
    }
  });

  it("runs the pinned exporter image against the admin port, on port 9473 by default", () => {
    const [core, exporter] = containers(sync(syncRequest(withExporter({ enabled: true }))));
    assert.equal(core?.name, "stellar-core");
    assert.equal(exporter?.name, "stellar-core-prometheus-exporter");
    assert.equal(exporter?.image, DEFAULT_EXPORTER_IMAGE);
    assert.match(DEFAULT_EXPORTER_IMAGE, /:\d+\.\d+\.\d+$/, "pinned by version, never :latest");
    // exporter.py reads STELLAR_CORE_ADDRESS and PORT.
    assert.deepEqual(
      exporter?.env?.filter((e) => e.name !== "PYTHONDONTWRITEBYTECODE"),
      [
        { name: "STELLAR_CORE_ADDRESS", value: "http://127.0.0.1:11626" },
        { name: "PORT", value: String(DEFAULT_EXPORTER_PORT) },
      ],
    );
    assert.deepEqual(exporter?.ports, [
      { name: "core-metrics", containerPort: 9473, protocol: "TCP" },
    ]);
    assert.equal(exporter?.readinessProbe, undefined, "Ready stays stellar-core's consensus");
  });

  it("takes another image and port, next to the LiveConnect sidecar", () => {
    const node = withExporter(
      {
        enabled: true,
        image: "registry.example.org/exporter@sha256:" + "a".repeat(64),
        port: 9500,
      },
      {},
      { peerDiscovery: { updateStrategy: "LiveConnect" } },
    );
    const response = syncResponse(syncRequest(node), { ...OPTIONS, sidecarImage: "img:1" });
    const names = containers(response).map((c) => c.name);
    assert.deepEqual(names, ["stellar-core", "peer-connector", "stellar-core-prometheus-exporter"]);
    const exporter = containers(response)[2];
    assert.equal(exporter?.image, `registry.example.org/exporter@sha256:${"a".repeat(64)}`);
    assert.deepEqual(exporter?.env?.find((e) => e.name === "PORT")?.value, "9500");
    assert.equal(exporter?.ports?.[0]?.containerPort, 9500);
  });

  it("changes the pod template when switched on (a paced restart, like any template change)", () => {
    const before = JSON.stringify(
      (statefulSet(sync(syncRequest(stellarNode("a"))))["spec"] as { template: unknown }).template,
    );
    const after = JSON.stringify(
      (
        statefulSet(sync(syncRequest(withExporter({ enabled: true }))))["spec"] as {
          template: unknown;
        }
      ).template,
    );
    assert.notEqual(before, after);
  });
});

describe("the exporter's port must not clash with the pod's other ports", () => {
  const cases: [string, NonNullable<Parameters<typeof withExporter>>, RegExp][] = [
    [
      "the peer port",
      [{ enabled: true, port: 11700 }, { peerPort: 11700 }, {}],
      /spec\.metrics\.exporter\.port: 11700 is already stellar-core's peer port \(spec\.validatorConfig\.peerPort\)/,
    ],
    [
      "the default peer port",
      [{ enabled: true, port: 11625 }, {}, {}],
      /11625 is already stellar-core's peer port/,
    ],
    [
      "stellar-core's admin port",
      [{ enabled: true, port: 11626 }, {}, {}],
      /11626 is already stellar-core's admin HTTP_PORT/,
    ],
    [
      "the LiveConnect sidecar's metrics port",
      [{ enabled: true, port: 9102 }, {}, {}],
      /9102 is already the LiveConnect sidecar's metrics port/,
    ],
    [
      "the published history's port",
      [{ enabled: true, port: 8080 }, { history: { publish: true } }, {}],
      /8080 is already the published history's HTTP server \(spec\.validatorConfig\.history\.port\)/,
    ],
    [
      "a custom published history port",
      [{ enabled: true, port: 9000 }, { history: { publish: true, port: 9000 } }, {}],
      /9000 is already the published history's HTTP server/,
    ],
  ];
  for (const [what, [exporter, validatorConfig, spec], message] of cases) {
    it(`${what}: Valid=False (InvalidSpec) saying why, and the running children stay as they are`, () => {
      const running = sync(syncRequest(stellarNode("a")));
      assert.equal(valid(running)?.status, "True");
      const response = sync(
        syncRequest(withExporter(exporter, validatorConfig, spec), {
          children: observed(running.children),
        }),
      );
      assert.equal(valid(response)?.status, "False");
      assert.equal(valid(response)?.reason, "InvalidSpec");
      assert.match(valid(response)?.message ?? "", message);
      assert.match(valid(response)?.message ?? "", /give the exporter another port/);
      assert.deepEqual(
        response.children.map((c) => JSON.stringify(c)),
        running.children.map((c) => JSON.stringify(c)),
        "every child as last applied",
      );
    });
  }

  it("a history port the exporter also uses is no clash while history is not published", () => {
    const response = sync(
      syncRequest(withExporter({ enabled: true, port: 8080 }, { history: { publish: false } })),
    );
    assert.equal(valid(response)?.status, "True");
    assert.equal(containers(response)[1]?.ports?.[0]?.containerPort, 8080);
  });

  it("the CRD's CEL rule names the same ports", () => {
    const rules = (
      StellarNodeSpecSchema.meta()?.["x-kubernetes-validations"] as { rule: string }[]
    ).map((r) => r.rule);
    const rule = rules.find((r) => r.includes("self.metrics.exporter"));
    assert.ok(rule, "a rule on metrics.exporter");
    for (const needle of [
      "self.metrics.exporter.enabled",
      ": 9473)",
      "self.validatorConfig.peerPort : 11625",
      "!= 11626",
      "!= 9102",
      "self.validatorConfig.history.publish",
      "self.validatorConfig.history.port : 8080",
    ]) {
      assert.ok(rule.includes(needle), needle);
    }
  });
});
