import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parseAllDocuments } from "yaml";
import { generatedFiles } from "../../hooks/generate/generated-files.js";
import { stellarNodeCrd } from "../../hooks/generate/crd.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { syncResponse } from "../support/sync.js";
import { FIXED_NOW, syncRequest } from "../support/fixtures.js";

const root = new URL("../../", import.meta.url);

describe("generated files", () => {
  for (const [path, contents] of Object.entries(generatedFiles())) {
    it(`${path} is up to date with the zod spec (npm run generate)`, () => {
      assert.equal(
        readFileSync(new URL(path, root), "utf8"),
        contents,
        `${path} is stale: run npm run generate`,
      );
    });
  }
});

// apiextensions-apiserver pkg/apiserver/schema: a structural schema has no $ref, no
// definitions, no additionalProperties beside properties, and only the canonical anyOf of
// x-kubernetes-int-or-string.
function structuralProblems(node: unknown, path: string, problems: string[]): string[] {
  if (Array.isArray(node))
    node.forEach((item, i) => structuralProblems(item, `${path}[${i}]`, problems));
  if (typeof node !== "object" || node === null || Array.isArray(node)) return problems;
  const schema = node as Record<string, unknown>;
  for (const banned of [
    "$ref",
    "$schema",
    "$defs",
    "definitions",
    "propertyNames",
    "const",
    "oneOf",
    "not",
  ]) {
    if (banned in schema) problems.push(`${path}: ${banned}`);
  }
  if ("properties" in schema && "additionalProperties" in schema)
    problems.push(`${path}: properties with additionalProperties`);
  if ("anyOf" in schema && schema["x-kubernetes-int-or-string"] !== true)
    problems.push(`${path}: anyOf`);
  if (
    !("type" in schema) &&
    schema["x-kubernetes-int-or-string"] !== true &&
    path.endsWith("]") === false &&
    !path.endsWith("anyOf")
  ) {
    if ("properties" in schema || "items" in schema) problems.push(`${path}: no type`);
  }
  for (const [key, value] of Object.entries(schema))
    structuralProblems(value, `${path}.${key}`, problems);
  return problems;
}

const crdVersion = (stellarNodeCrd()["spec"] as { versions: Record<string, unknown>[] })
  .versions[0]!;
const openApiSchema = (crdVersion["schema"] as { openAPIV3Schema: Record<string, unknown> })
  .openAPIV3Schema;

describe("the CRD", () => {
  it("uses only regular expressions the API server's RE2 accepts (no lookaround, no backreferences)", () => {
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === "object" && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === "pattern" && typeof value === "string") patterns.push(value);
          else walk(value);
        }
      }
    };
    walk(stellarNodeCrd());
    assert.ok(patterns.length > 0);
    for (const pattern of patterns) {
      assert.doesNotMatch(pattern, /\(\?[=!<]|\\[1-9]/, pattern);
    }
  });

  it("has a structural schema", () => {
    assert.deepEqual(structuralProblems(openApiSchema, "openAPIV3Schema", []), []);
  });

  it("has the status subresource Metacontroller requires, and printer columns", () => {
    assert.deepEqual(crdVersion["subresources"], { status: {} });
    const columns = (crdVersion["additionalPrinterColumns"] as { name: string }[]).map(
      (c) => c.name,
    );
    for (const name of ["Type", "Network", "Peers", "Ready", "Age"])
      assert.ok(columns.includes(name), name);
  });

  it("puts the cross-field rules into x-kubernetes-validations", () => {
    const spec = (openApiSchema["properties"] as Record<string, Record<string, unknown>>)["spec"]!;
    const rules = (spec["x-kubernetes-validations"] as { rule: string }[]).map((r) => r.rule);
    assert.ok(rules.some((rule) => rule.includes("customNetworkPassphrase")));
    assert.ok(rules.some((rule) => rule.includes("seedSecretRef")));
  });
});

function exampleDocuments(): KubeObject[] {
  const dir = new URL("manifests/examples/", root);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml")
    .flatMap((file) =>
      parseAllDocuments(readFileSync(new URL(file, dir), "utf8")).map(
        (doc) => doc.toJS() as KubeObject,
      ),
    );
}

describe("examples in manifests/examples", () => {
  const nodes = exampleDocuments().filter((doc) => doc.kind === "StellarNode");

  it("hold at least three validators", () => {
    assert.ok(nodes.length >= 3);
  });

  it("validate against the generated CRD schema", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(openApiSchema);
    for (const node of nodes)
      assert.ok(validate(node), `${node.metadata.name}: ${JSON.stringify(validate.errors)}`);
  });

  it("are valid for the hook, with a quorum set stellar-core accepts, and find each other", () => {
    for (const node of nodes) {
      const response = syncResponse(syncRequest(node, { related: nodes }), {
        clusterDomain: "cluster.local",
        now: FIXED_NOW,
      });
      for (const type of ["Valid", "QuorumSetValid"]) {
        const condition = response.status.conditions.find((c) => c.type === type);
        assert.equal(
          condition?.status,
          "True",
          `${node.metadata.name} ${type}: ${condition?.message}`,
        );
      }
      assert.equal(
        response.status.peers?.filter((p) => p.includes(".svc.cluster.local")).length,
        nodes.length - 1,
      );
    }
  });
});

describe("the full install (kubectl kustomize manifests/)", () => {
  it("builds, and hands the hook server its own image for LiveConnect sidecars", () => {
    const built = execFileSync("kubectl", ["kustomize", "manifests/"], {
      cwd: root,
      encoding: "utf8",
    });
    const deployment = parseAllDocuments(built)
      .map((doc) => doc.toJS() as KubeObject)
      .find((doc) => doc.kind === "Deployment");
    const container = (
      deployment?.["spec"] as {
        template: {
          spec: { containers: { image: string; env: { name: string; value: string }[] }[] };
        };
      }
    ).template.spec.containers[0];
    assert.ok(container);
    assert.equal(container.env.find((e) => e.name === "SIDECAR_IMAGE")?.value, container.image);
  });
});
