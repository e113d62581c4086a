import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeSpecInput } from "../../hooks/spec/stellar-node-spec.js";

/** Public keys with valid StrKey checksums, made up for tests (no one holds their seeds). */
export const KEYS = [
  "GATC2NB3IJEVAV26MVWHG6UBRCHZNHNEVOZLTQGHZ3K5ZY7K6H4P6PSI",
  "GBCUYU22MFUG65T5QSFZFGNAU6XLLPGDZLI5RX7G5X2PWAQJCALR5DES",
  "GBSGW4TZQCDY5FM4UOVLDOF7Y3G5JW7C5HYPP7QFBQJRUIJIF43D3NYN",
  "GCBYVEMYT6TK3NF3YLE5BV664XWPH6QBBAHRMHJEFMZDSQCHJZKVZE66",
] as const;

/**
 * Four validators at 67%: threshold 3 (Config.cpp loadQset: 1 + (4*67-1)/100), default
 * FAILURE_SAFETY 4 - 3 = 1, which the closest v-blocking set of 2 allows: stellar-core
 * accepts it (Config::validateConfig). Three at 67% would give FAILURE_SAFETY 0: refused.
 */
export const QUORUM_SET = [
  `NODE_NAMES = ["${KEYS[0]} alpha", "${KEYS[1]} beta", "${KEYS[2]} gamma", "${KEYS[3]} delta"]`,
  "",
  "[QUORUM_SET]",
  "THRESHOLD_PERCENT = 67",
  'VALIDATORS = ["$alpha", "$beta", "$gamma", "$delta"]',
  "",
].join("\n");

export interface NodeOptions {
  namespace?: string;
  uid?: string;
  generation?: number;
  spec?: Partial<StellarNodeSpecInput> & Record<string, unknown>;
  validatorConfig?: Record<string, unknown>;
  deletionTimestamp?: string;
  status?: Record<string, unknown>;
}

/** A StellarNode as the API server returns it. */
export function stellarNode(name: string, options: NodeOptions = {}): KubeObject {
  const namespace = options.namespace ?? "stellar";
  return {
    apiVersion: "stellar.org/v1alpha1",
    kind: "StellarNode",
    metadata: {
      name,
      namespace,
      uid: options.uid ?? `uid-${namespace}-${name}`,
      generation: options.generation ?? 1,
      resourceVersion: "1000",
      creationTimestamp: "2026-11-01T00:00:00Z",
      ...(options.deletionTimestamp ? { deletionTimestamp: options.deletionTimestamp } : {}),
    },
    spec: {
      nodeType: "Validator",
      network: "Testnet",
      version: "27.0.0",
      storage: { storageClass: "standard", size: "10Gi" },
      ...options.spec,
      validatorConfig: {
        seedSecretRef: `${name}-seed`,
        quorumSet: QUORUM_SET,
        ...options.validatorConfig,
      },
    },
    ...(options.status ? { status: options.status } : {}),
  };
}

export type HookVersion = "v1" | "v2";

/** Metacontroller's object map for one group: name (v1) or ns/name (v2) -> object. */
export function objectMap(
  objects: readonly KubeObject[],
  version: HookVersion,
): Record<string, KubeObject> {
  const map: Record<string, KubeObject> = {};
  for (const object of objects) {
    const key =
      version === "v2"
        ? `${object.metadata.namespace}/${object.metadata.name}`
        : object.metadata.name;
    map[key] = object;
  }
  return map;
}

export interface SyncRequestOptions {
  related?: readonly KubeObject[];
  children?: Record<string, readonly KubeObject[]>;
  version?: HookVersion;
}

export function syncRequest(parent: KubeObject, options: SyncRequestOptions = {}) {
  const version = options.version ?? "v2";
  const children: Record<string, Record<string, KubeObject>> = {
    "ConfigMap.v1": {},
    "Service.v1": {},
    "StatefulSet.apps/v1": {},
  };
  for (const [group, objects] of Object.entries(options.children ?? {})) {
    children[group] = objectMap(objects, version);
  }
  return {
    controller: {
      apiVersion: "metacontroller.k8s.io/v1alpha1",
      kind: "CompositeController",
      metadata: { name: "stellarnode" },
    },
    parent,
    children,
    related: {
      "StellarNode.stellar.org/v1alpha1": objectMap(options.related ?? [parent], version),
    },
    finalizing: false,
  };
}

export const FIXED_NOW = new Date("2026-11-23T12:00:00Z");

/**
 * Desired children as Metacontroller and the API server hand them back: with the
 * last-applied annotation, server fields and, for the StatefulSet, a status.
 */
/** A StatefulSet's status whose pod runs the current revision but is not Ready. */
export const NOT_READY_STATEFULSET: Record<string, unknown> = {
  replicas: 1,
  readyReplicas: 0,
  updatedReplicas: 1,
  currentRevision: "rev-1",
  updateRevision: "rev-1",
  observedGeneration: 1,
};

export function observed(
  children: readonly KubeObject[],
  statefulSetStatus: Record<string, unknown> = {
    replicas: 1,
    readyReplicas: 1,
    updatedReplicas: 1,
    currentRevision: "rev-1",
    updateRevision: "rev-1",
    observedGeneration: 1,
  },
): Record<string, KubeObject[]> {
  const groups: Record<string, KubeObject[]> = {};
  for (const child of children) {
    const group =
      child.apiVersion === "v1" ? `${child.kind}.v1` : `${child.kind}.${child.apiVersion}`;
    const live: KubeObject = {
      ...structuredClone(child),
      metadata: {
        ...structuredClone(child.metadata),
        uid: `uid-${child.kind}-${child.metadata.name}`,
        resourceVersion: "42",
        generation: 1,
        creationTimestamp: "2026-11-01T00:00:00Z",
        managedFields: [{ manager: "metacontroller", operation: "Update" }],
        annotations: {
          ...(child.metadata.annotations ?? {}),
          "metacontroller.k8s.io/last-applied-configuration": JSON.stringify(child),
        },
      },
      ...(child.kind === "StatefulSet" ? { status: statefulSetStatus } : {}),
    };
    (groups[group] ??= []).push(live);
  }
  return groups;
}

/**
 * A namespace decorator's attachments as Metacontroller writes them: controlled by the
 * Namespace, with the decorator's annotation (decorator/controller.go).
 */
export function decoratorAttachments(
  objects: readonly KubeObject[],
  namespace: string,
): KubeObject[] {
  return objects.map((object) => ({
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...(object.metadata.annotations ?? {}),
        "metacontroller.k8s.io/decorator-controller": "stellar-peers-namespace",
      },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Namespace",
          name: namespace,
          uid: `uid-namespace-${namespace}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
  }));
}
