import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import decoratorSyncResponseSchema from "../../schemas/decorator-sync-response.schema.json" with { type: "json" };
import type { KubeObject } from "../../hooks/kube/objects.js";
import { customizeNamespace } from "../../hooks/namespace/customize.js";
import type { DecoratorSyncRequest } from "../../hooks/metacontroller/decorator-hooks.js";
import {
  CONFLICT_ANNOTATION,
  syncNamespace,
  type NamespaceSyncResult,
} from "../../hooks/namespace/summary.js";
import { FIXED_NOW, stellarNode, type NodeOptions } from "../support/fixtures.js";

const NS = "stellar";
const NAMESPACE_UID = "uid-namespace-stellar";
const LATER = new Date("2026-11-24T08:30:00Z");
const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const validResponse = new Ajv({ strict: false }).compile(decoratorSyncResponseSchema);

const address = (name: string, port = 11625) => `${name}-0.${name}.${NS}.svc.cluster.local:${port}`;

/** A StellarNode of namespace NS, with its own sync's Ready condition if `ready`. */
function node(name: string, options: NodeOptions & { ready?: boolean } = {}): KubeObject {
  const { ready, ...rest } = options;
  return stellarNode(name, {
    namespace: NS,
    ...rest,
    ...(ready === undefined
      ? {}
      : {
          status: {
            conditions: [
              {
                type: "Ready",
                status: ready ? "True" : "False",
                reason: ready ? "PodReady" : "PodNotReady",
                message: "",
                lastTransitionTime: "2026-11-01T00:00:00Z",
              },
            ],
          },
        }),
  });
}

/** A ConfigMap as the API server returns it, owned by `owners` (none: an orphan). */
function configMap(owners: { kind: string; name: string; uid: string }[] = []): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "stellar-peers",
      namespace: NS,
      uid: "uid-foreign-configmap",
      resourceVersion: "7",
      ...(owners.length === 0
        ? {}
        : {
            ownerReferences: owners.map((owner) => ({
              apiVersion: owner.kind === "StellarNode" ? "stellar.org/v1alpha1" : "v1",
              controller: true,
              blockOwnerDeletion: true,
              ...owner,
            })),
          }),
    },
    data: { KNOWN_PEERS: "core-live-a.example.org:11625\n" },
  };
}

/**
 * An attachment the decorator created, as Metacontroller observes it: controllerRef to
 * the Namespace, its decorator-controller annotation, the last-applied configuration
 * (pkg/controller/decorator/controller.go, getChildren; common/manage_children.go).
 */
function attached(desired: KubeObject): KubeObject {
  return {
    ...structuredClone(desired),
    metadata: {
      ...structuredClone(desired.metadata),
      uid: "uid-summary-configmap",
      resourceVersion: "42",
      creationTimestamp: "2026-11-01T00:00:00Z",
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Namespace",
          name: NS,
          uid: NAMESPACE_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      annotations: {
        "metacontroller.k8s.io/decorator-controller": "stellar-peers-namespace",
        "metacontroller.k8s.io/last-applied-configuration": JSON.stringify(desired),
      },
    },
  };
}

function keyed(objects: readonly KubeObject[], version: "v1" | "v2") {
  return Object.fromEntries(
    objects.map((o) => [
      version === "v2" ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
      o,
    ]),
  );
}

interface RequestOptions {
  nodes?: readonly KubeObject[];
  attachments?: readonly KubeObject[];
  configMaps?: readonly KubeObject[];
  version?: "v1" | "v2";
  finalizing?: boolean;
}

/** A DecoratorController sync request for Namespace NS, as Metacontroller v4.17.2 sends it. */
function request(options: RequestOptions = {}): DecoratorSyncRequest {
  const version = options.version ?? "v2";
  const attachments = options.attachments ?? [];
  return {
    controller: {
      apiVersion: "metacontroller.k8s.io/v1alpha1",
      kind: "DecoratorController",
      metadata: { name: "stellar-peers-namespace" },
    },
    object: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, uid: NAMESPACE_UID, resourceVersion: "5" },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    },
    attachments: { "ConfigMap.v1": keyed(attachments, version) },
    related: {
      "StellarNode.stellar.org/v1alpha1": keyed(options.nodes ?? [], version),
      // Related ConfigMaps named stellar-peers: ours (an attachment) shows up here too.
      "ConfigMap.v1": keyed([...attachments, ...(options.configMaps ?? [])], version),
    },
    finalizing: options.finalizing ?? false,
  };
}

/**
 * The summary ConfigMaps among the attachments (the group budgets, the group view and the
 * turns have tests of their own).
 */
function configMapsOf(response: NamespaceSyncResult["response"]): KubeObject[] {
  return response.attachments.filter(
    (attachment) =>
      attachment.kind === "ConfigMap" &&
      attachment.metadata.labels?.["app.kubernetes.io/component"] !== "group-view" &&
      attachment.metadata.labels?.["app.kubernetes.io/component"] !== "rollout-turn",
  );
}

function summaryOf(result: NamespaceSyncResult): KubeObject {
  assert.equal(configMapsOf(result.response).length, 1, "one attachment");
  return configMapsOf(result.response)[0]!;
}

function dataOf(result: NamespaceSyncResult): Record<string, string> {
  return summaryOf(result)["data"] as Record<string, string>;
}

function metadataOf(result: NamespaceSyncResult): Record<string, unknown> {
  return JSON.parse(dataOf(result)["discovery_metadata"]!) as Record<string, unknown>;
}

/** The next sync after Metacontroller applied `result`: its attachment is observed. */
function next(
  result: NamespaceSyncResult,
  options: RequestOptions,
  now = LATER,
): NamespaceSyncResult {
  return syncNamespace(request({ ...options, attachments: [attached(summaryOf(result))] }), {
    ...OPTIONS,
    now,
  });
}

describe("namespace summary: ConfigMap stellar-peers", () => {
  it("answers with exactly the keys a strict v2 DecoratorController response allows, status null", () => {
    for (const result of [
      syncNamespace(request(), OPTIONS),
      syncNamespace(request({ nodes: [node("alpha")] }), OPTIONS),
      syncNamespace(request({ nodes: [node("alpha")], configMaps: [configMap()] }), OPTIONS),
    ]) {
      assert.ok(validResponse(result.response), JSON.stringify(validResponse.errors));
      assert.deepEqual(Object.keys(result.response), [
        "labels",
        "annotations",
        "status",
        "attachments",
        "resyncAfterSeconds",
      ]);
      assert.equal(result.response.status, null, "a Namespace's status is not ours");
      assert.deepEqual(result.response.labels, {});
    }
  });

  it("keeps no ConfigMap in a namespace without validators, and clears the annotation", () => {
    const empty = syncNamespace(request(), OPTIONS);
    assert.deepEqual(configMapsOf(empty.response), []);
    assert.deepEqual(empty.response.annotations, { [CONFLICT_ANNOTATION]: null });
    assert.equal(empty.conflict, undefined);
    const horizonOnly = syncNamespace(
      request({ nodes: [node("horizon", { spec: { nodeType: "Horizon" } })] }),
      OPTIONS,
    );
    assert.deepEqual(configMapsOf(horizonOnly.response), [], "only Validators count");
  });

  it("appears with the first validator, in the Namespace's namespace", () => {
    const result = syncNamespace(request({ nodes: [node("alpha", { ready: true })] }), OPTIONS);
    const summary = summaryOf(result);
    assert.deepEqual(
      [summary.apiVersion, summary.kind, summary.metadata.name, summary.metadata.namespace],
      ["v1", "ConfigMap", "stellar-peers", NS],
      "a cluster-scoped parent gives no default namespace (decorator/hooks.go, applyNamespaceDefaults)",
    );
    assert.deepEqual(dataOf(result), {
      KNOWN_PEERS: `${address("alpha")}\n`,
      "peers.txt": `alpha-0.alpha.${NS}.svc.cluster.local\n`,
      peer_count: "1",
      "peers.json": `${JSON.stringify([
        {
          name: "alpha",
          namespace: NS,
          network: "Testnet",
          address: `alpha-0.alpha.${NS}.svc.cluster.local`,
          port: 11625,
          suspended: false,
          ready: true,
        },
      ])}\n`,
      discovery_metadata: `${JSON.stringify({
        total: 1,
        peers: 1,
        suspended: 0,
        byNetwork: { Testnet: 1 },
        updatedAt: FIXED_NOW.toISOString(),
      })}\n`,
    });
  });

  it("lists every validator sorted, with its own peer port, and counts networks", () => {
    const result = syncNamespace(
      request({
        nodes: [
          node("gamma", { validatorConfig: { peerPort: 11725 } }),
          node("alpha", { spec: { network: "Mainnet" } }),
          node("beta"),
          node("rpc", { spec: { nodeType: "SorobanRpc" } }),
        ],
      }),
      OPTIONS,
    );
    const data = dataOf(result);
    assert.equal(
      data["KNOWN_PEERS"],
      `${address("alpha")}\n${address("beta")}\n${address("gamma", 11725)}\n`,
    );
    assert.equal(data["peer_count"], "3");
    assert.deepEqual(
      (JSON.parse(data["peers.json"]!) as { name: string }[]).map((v) => v.name),
      ["alpha", "beta", "gamma"],
    );
    assert.deepEqual(metadataOf(result)["byNetwork"], { Mainnet: 1, Testnet: 2 });
  });

  it("updates on add, suspend, resume and delete; disappears with the last validator", () => {
    const alpha = node("alpha");
    const first = syncNamespace(request({ nodes: [alpha] }), OPTIONS);

    const added = next(first, { nodes: [alpha, node("beta")] });
    assert.equal(dataOf(added)["KNOWN_PEERS"], `${address("alpha")}\n${address("beta")}\n`);
    assert.equal(dataOf(added)["peer_count"], "2");
    assert.equal(metadataOf(added)["updatedAt"], LATER.toISOString(), "the list changed");

    const suspendedBeta = node("beta", { spec: { suspended: true } });
    const suspended = next(added, { nodes: [alpha, suspendedBeta] });
    assert.equal(dataOf(suspended)["KNOWN_PEERS"], `${address("alpha")}\n`);
    assert.equal(dataOf(suspended)["peers.txt"], `alpha-0.alpha.${NS}.svc.cluster.local\n`);
    assert.equal(dataOf(suspended)["peer_count"], "1");
    const listed = JSON.parse(dataOf(suspended)["peers.json"]!) as {
      name: string;
      suspended: boolean;
    }[];
    assert.deepEqual(
      listed.map((v) => [v.name, v.suspended]),
      [
        ["alpha", false],
        ["beta", true],
      ],
      "peers.json still lists a suspended validator",
    );
    assert.deepEqual([metadataOf(suspended)["total"], metadataOf(suspended)["suspended"]], [2, 1]);

    const resumed = next(suspended, { nodes: [alpha, node("beta")] });
    assert.deepEqual(dataOf(resumed), {
      ...dataOf(added),
      discovery_metadata: dataOf(resumed)["discovery_metadata"]!,
    });

    const deleting = next(resumed, {
      nodes: [alpha, node("beta", { deletionTimestamp: "2026-11-24T09:00:00Z" })],
    });
    assert.equal(dataOf(deleting)["KNOWN_PEERS"], `${address("alpha")}\n`);
    assert.equal(
      (JSON.parse(dataOf(deleting)["peers.json"]!) as unknown[]).length,
      1,
      "a validator being deleted is gone from the summary",
    );
    const deleted = next(deleting, { nodes: [alpha] });
    assert.deepEqual(dataOf(deleted), dataOf(deleting));

    const last = syncNamespace(
      request({ attachments: [attached(summaryOf(deleted))], nodes: [] }),
      OPTIONS,
    );
    assert.deepEqual(
      configMapsOf(last.response),
      [],
      "no attachment: Metacontroller deletes its own ConfigMap",
    );
    const lastDeleting = next(deleted, {
      nodes: [node("alpha", { deletionTimestamp: "2026-11-24T09:00:00Z" })],
    });
    assert.deepEqual(configMapsOf(lastDeleting.response), []);
  });

  it("carries discovery_metadata.updatedAt over while the list is unchanged", () => {
    const nodes = [node("alpha"), node("beta", { validatorConfig: { peerPort: 11700 } })];
    const first = syncNamespace(request({ nodes }), OPTIONS);
    const again = next(first, { nodes }, LATER);
    assert.deepEqual(again.response, first.response, "the same bytes as the applied ConfigMap");
    assert.equal(metadataOf(again)["updatedAt"], FIXED_NOW.toISOString());

    const readyFlip = next(first, {
      nodes: [node("alpha", { ready: true }), nodes[1]!],
    });
    assert.equal(
      metadataOf(readyFlip)["updatedAt"],
      LATER.toISOString(),
      "peers.json changed (ready), so the time is new",
    );
  });

  it("takes the clock's time when the observed discovery_metadata is unreadable", () => {
    const nodes = [node("alpha")];
    const first = syncNamespace(request({ nodes }), OPTIONS);
    for (const broken of ["not json", "[]", '{"total":1}', JSON.stringify({ updatedAt: 5 })]) {
      const observed = attached(summaryOf(first));
      (observed["data"] as Record<string, string>)["discovery_metadata"] = broken;
      const result = syncNamespace(request({ nodes, attachments: [observed] }), {
        ...OPTIONS,
        now: LATER,
      });
      assert.equal(metadataOf(result)["updatedAt"], LATER.toISOString(), broken);
    }
  });

  it("is deterministic: the same request, reordered or keyed by name (v1), gives the same bytes", () => {
    const nodes = [
      node("gamma", { ready: true }),
      node("alpha", { spec: { network: "Futurenet" } }),
      node("beta", { spec: { suspended: true } }),
    ];
    const reference = JSON.stringify(syncNamespace(request({ nodes }), OPTIONS).response);
    assert.equal(JSON.stringify(syncNamespace(request({ nodes }), OPTIONS).response), reference);
    assert.equal(
      JSON.stringify(syncNamespace(request({ nodes: [...nodes].reverse() }), OPTIONS).response),
      reference,
    );
    assert.equal(
      JSON.stringify(syncNamespace(request({ nodes, version: "v1" }), OPTIONS).response),
      reference,
    );
  });

  it("ignores StellarNodes of other namespaces", () => {
    const result = syncNamespace(
      request({ nodes: [node("alpha"), stellarNode("other", { namespace: "elsewhere" })] }),
      OPTIONS,
    );
    assert.equal(dataOf(result)["peer_count"], "1");
  });

  it("answers a finalize call with no attachment and finalized", () => {
    const result = syncNamespace(request({ nodes: [node("alpha")], finalizing: true }), OPTIONS);
    assert.deepEqual(configMapsOf(result.response), []);
    assert.equal(result.response.finalized, true);
  });
});

describe("namespace summary: a ConfigMap stellar-peers someone else owns", () => {
  const conflictOf = (options: RequestOptions) => syncNamespace(request(options), OPTIONS);

  it("is left alone, with the annotation, when it has no owner (the earlier operator's)", () => {
    const result = conflictOf({ nodes: [node("alpha")], configMaps: [configMap()] });
    assert.deepEqual(configMapsOf(result.response), [], "returning it would be AlreadyExists");
    assert.deepEqual(result.response.annotations, {
      [CONFLICT_ANNOTATION]: "no owner; rename or delete it to let stellar-peers manage it",
    });
    assert.deepEqual(result.conflict, {
      namespace: NS,
      owner: "no owner",
      message: "no owner; rename or delete it to let stellar-peers manage it",
    });
  });

  it("names its owner: the peers ConfigMap of a StellarNode named stellar", () => {
    const result = conflictOf({
      nodes: [node("alpha"), node("stellar")],
      configMaps: [configMap([{ kind: "StellarNode", name: "stellar", uid: "uid-sn" }])],
    });
    assert.deepEqual(configMapsOf(result.response), []);
    assert.equal(
      result.response.annotations[CONFLICT_ANNOTATION],
      "StellarNode/stellar; rename or delete it to let stellar-peers manage it",
    );
  });

  it("names every owner when there is no controller reference", () => {
    const orphan = configMap();
    orphan.metadata["ownerReferences"] = [
      { apiVersion: "apps/v1", kind: "Deployment", name: "old-operator", uid: "u1" },
      { apiVersion: "v1", kind: "ConfigMap", name: "bundle", uid: "u2" },
    ];
    const result = conflictOf({ nodes: [node("alpha")], configMaps: [orphan] });
    assert.equal(result.conflict?.owner, "ConfigMap/bundle, Deployment/old-operator");
  });

  it("yields its own ConfigMap to a StellarNode Validator named stellar, which needs the name", () => {
    const nodes = [node("alpha")];
    const ours = attached(summaryOf(syncNamespace(request({ nodes }), OPTIONS)));
    const result = conflictOf({ nodes: [...nodes, node("stellar")], attachments: [ours] });
    assert.deepEqual(configMapsOf(result.response), [], "Metacontroller deletes ours");
    assert.equal(result.conflict?.owner, "StellarNode/stellar");
    const suspended = conflictOf({
      nodes: [...nodes, node("stellar", { spec: { suspended: true } })],
      attachments: [ours],
    });
    assert.equal(suspended.conflict?.owner, "StellarNode/stellar", "a suspended one keeps its");
  });

  it("is no conflict when the related ConfigMap is our own attachment", () => {
    const nodes = [node("alpha")];
    const first = syncNamespace(request({ nodes }), OPTIONS);
    const again = next(first, { nodes });
    assert.equal(again.conflict, undefined);
    assert.deepEqual(again.response.annotations, { [CONFLICT_ANNOTATION]: null });
    assert.equal(configMapsOf(again.response).length, 1);
  });

  it("is no conflict in a namespace without validators: there is nothing to manage", () => {
    const result = conflictOf({ nodes: [], configMaps: [configMap()] });
    assert.equal(result.conflict, undefined);
    assert.deepEqual(result.response.annotations, { [CONFLICT_ANNOTATION]: null });
  });

  it("clears the annotation (null deletes the key) once the foreign ConfigMap is gone", () => {
    const result = conflictOf({ nodes: [node("alpha")] });
    assert.equal(result.response.annotations[CONFLICT_ANNOTATION], null);
    assert.equal(configMapsOf(result.response).length, 1);
  });
});

describe("namespace customize", () => {
  it("asks for the namespace's StellarNodes and any ConfigMap stellar-peers there", () => {
    assert.deepEqual(customizeNamespace({ parent: request().object }), {
      relatedResources: [
        { apiVersion: "stellar.org/v1alpha1", resource: "stellarnodes", namespace: NS },
        { apiVersion: "v1", resource: "configmaps", namespace: NS, names: ["stellar-peers"] },
      ],
    });
  });
});

describe("manifests/controller/namespace-controller.yaml", () => {
  const root = new URL("../../", import.meta.url);
  const controller = parse(
    readFileSync(new URL("manifests/controller/namespace-controller.yaml", root), "utf8"),
  ) as KubeObject & { spec: Record<string, unknown> };

  it("validates against Metacontroller v4.17.2's DecoratorController CRD", () => {
    const crd = parseAllDocuments(
      readFileSync(new URL("test/e2e/cluster/metacontroller-crds-v1.yaml", root), "utf8"),
    )
      .map((doc) => doc.toJS() as Record<string, unknown>)
      .find(
        (doc) =>
          (doc["spec"] as { names?: { kind?: string } } | undefined)?.names?.kind ===
          "DecoratorController",
      ) as { spec: { versions: { schema: { openAPIV3Schema: object } }[] } } | undefined;
    assert.ok(crd, "the DecoratorController CRD");
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
      crd.spec.versions[0]!.schema.openAPIV3Schema,
    );
    assert.ok(validate(controller), JSON.stringify(validate.errors));
  });

  it("decorates Namespaces with ConfigMaps updated in place, through hook v2", () => {
    assert.equal(controller.kind, "DecoratorController");
    assert.deepEqual(controller.spec["attachments"], [
      { apiVersion: "v1", resource: "configmaps", updateStrategy: { method: "InPlace" } },
      {
        apiVersion: "policy/v1",
        resource: "poddisruptionbudgets",
        updateStrategy: { method: "InPlace" },
      },
    ]);
    const hooks = controller.spec["hooks"] as Record<
      string,
      { version: string; webhook: { path: string } }
    >;
    assert.deepEqual(
      Object.entries(hooks).map(([name, hook]) => [name, hook.version, hook.webhook.path]),
      [
        ["customize", "v2", "/namespace/customize"],
        ["sync", "v2", "/namespace/sync"],
      ],
    );
  });
});
