import { z } from "zod";
import { StellarNodeSpecSchema } from "../spec/stellar-node-spec.js";
import { StellarNodeStatusSchema } from "../spec/stellar-node-status.js";

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
function structuralSpecSchema(): JsonObject {
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
            {
              name: "External",
              type: "string",
              jsonPath: ".status.externalAddress",
              priority: 1,
            },
            {
              name: "Public Key",
              type: "string",
              jsonPath: ".spec.validatorConfig.publicKey",
              priority: 1,
            },
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
                status: structuralStatusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * Written by the sync hook only, from hooks/spec/stellar-node-status.ts; kept open
 * (x-kubernetes-preserve-unknown-fields) so newer hook versions can add fields.
 * `conditions` is not required here: a status the hook has not written yet has none.
 */
function structuralStatusSchema(): JsonObject {
  const {
    $schema: _schema,
    required: _required,
    ...schema
  } = z.toJSONSchema(StellarNodeStatusSchema, { io: "output" }) as JsonObject;
  return toStructural(schema) as JsonObject;
}
