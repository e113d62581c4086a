import { z } from "zod";
import { StellarNodeSpecSchema } from "../spec/stellar-node-spec.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The spec as a JSON Schema (draft 2020-12), for editors and validation outside Kubernetes. */
export function specJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(StellarNodeSpecSchema, { io: "input" }) as JsonObject;
  return {
    ...schema,
    $id: "https://stellar.org/stellar-peers/schemas/stellarnode-spec.schema.json",
    title: "StellarNode spec (stellar.org/v1alpha1)",
  };
}

/**
 * The spec as a Kubernetes structural schema: no $schema, no propertyNames, no
 * `additionalProperties: false`, and int-or-string in the one form the API server accepts
 * (apiextensions-apiserver pkg/apiserver/schema/validation.go).
 */
export function structuralSpecSchema(): JsonObject {
  const { $schema: _schema, $id: _id, title: _title, ...schema } = specJsonSchema();
  return toStructural(schema) as JsonObject;
}

function toStructural(node: Json): Json {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== "object") return node;
  if (node["x-kubernetes-int-or-string"] === true) {
    return {
      ...(node["description"] === undefined ? {} : { description: node["description"] }),
      anyOf: [{ type: "integer" }, { type: "string" }],
      "x-kubernetes-int-or-string": true,
    };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "propertyNames") continue;
    if (key === "additionalProperties" && value === false) continue;
    out[key] = toStructural(value);
  }
  return out;
}

const READY = '.status.conditions[?(@.type=="Ready")].status';

export function stellarNodeCrd(): JsonObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "stellarnodes.stellar.org",
      labels: { "app.kubernetes.io/name": "stellar-peers", "app.kubernetes.io/component": "crd" },
    },
    spec: {
      group: "stellar.org",
      names: {
        kind: "StellarNode",
        listKind: "StellarNodeList",
        plural: "stellarnodes",
        singular: "stellarnode",
        shortNames: ["sn"],
        categories: ["stellar"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          // Metacontroller ignores a parent without the status subresource.
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Type", type: "string", jsonPath: ".spec.nodeType" },
            { name: "Network", type: "string", jsonPath: ".spec.network" },
            { name: "Peers", type: "integer", jsonPath: ".status.peerCount" },
            { name: "Ready", type: "string", jsonPath: READY },
            { name: "Pending Restart", type: "boolean", jsonPath: ".status.pendingRestart" },
            { name: "Suspended", type: "boolean", jsonPath: ".spec.suspended", priority: 1 },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "A Stellar node (validator) whose peers stellar-peers discovers.",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: structuralSpecSchema(),
                status: statusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

/** Written by the sync hook only; kept open so newer hook versions can add fields. */
function statusSchema(): JsonObject {
  return {
    type: "object",
    description: "Observed state, written by the stellar-peers sync hook through Metacontroller.",
    "x-kubernetes-preserve-unknown-fields": true,
    properties: {
      observedGeneration: { type: "integer" },
      peerCount: { type: "integer", description: "Number of entries in KNOWN_PEERS." },
      peers: {
        type: "array",
        items: { type: "string" },
        description: "KNOWN_PEERS as host:port; the first 64 only (see peersTruncated).",
      },
      peersTruncated: {
        type: "boolean",
        description: "status.peers shows only the first 64 peers; the X-peers ConfigMap has all.",
      },
      peersHash: { type: "string", description: "SHA-256 of the peers ConfigMap's KNOWN_PEERS." },
      configHash: { type: "string", description: "SHA-256 of the rendered stellar-core.cfg." },
      appliedPeersHash: {
        type: "string",
        description:
          "The peers hash on the pod template: the list the pod runs (or is rolling to).",
      },
      pendingRestart: {
        type: "boolean",
        description:
          "A new peer list waits for its turn to restart the pod (see condition PeersApplied).",
      },
      rollout: {
        type: "object",
        description: "What the quorum-safe rollout needs the other members of the group to know.",
        "x-kubernetes-preserve-unknown-fields": true,
        properties: {
          strategy: { type: "string" },
          groupFingerprint: { type: "string" },
          groupSize: { type: "integer" },
          ready: { type: "boolean" },
          unreadySince: { type: "string", format: "date-time" },
          pendingSince: { type: "string", format: "date-time" },
          waitingFor: { type: "string" },
        },
      },
      conditions: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        items: {
          type: "object",
          required: ["type", "status"],
          properties: {
            type: { type: "string" },
            status: { type: "string", enum: ["True", "False", "Unknown"] },
            reason: { type: "string" },
            message: { type: "string" },
            lastTransitionTime: { type: "string", format: "date-time" },
            observedGeneration: { type: "integer" },
          },
        },
      },
    },
  };
}
