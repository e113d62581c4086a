import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import {
  applyObjects,
  getOptional,
  kubectl,
  kubectlOutput,
  type KubeList,
  type KubeObject,
} from "../support/kube.js";
import { scenario } from "../support/scenario.js";

/**
 * `kubectl apply -k DIR --dry-run=server`: the API server validates every object (schema,
 * CEL rules, admission) without storing it. A server dry-run cannot create an object inside
 * a Namespace that is itself only dry-run (NotFound), so the Namespaces of DIR are created
 * for real first, as rendered (and deleted afterwards if this test created them); then
 * everything, the Namespaces included, is applied with --dry-run=server.
 */
async function dryRunApply(dir: string): Promise<KubeObject[]> {
  const rendered = parseAllDocuments(await kubectl(["kustomize", dir])).map(
    (document) => document.toJS() as KubeObject,
  );
  const namespaces = rendered.filter((o) => o.kind === "Namespace");
  const created: string[] = [];
  try {
    for (const namespace of namespaces) {
      const name = namespace.metadata.name;
      const existing = await getOptional(["get", "namespace", name]);
      if (existing?.metadata.deletionTimestamp !== undefined) {
        // Left terminating by an earlier run: new content would be Forbidden.
        await kubectl(["wait", "--for=delete", `namespace/${name}`, "--timeout=90s"]);
      }
      if (existing === undefined || existing.metadata.deletionTimestamp !== undefined) {
        // As rendered, labels included (the install's Pod Security level).
        await applyObjects([namespace]);
        created.push(name);
      }
    }
    const { stdout, stderr } = await kubectlOutput([
      "apply",
      "-k",
      dir,
      "--dry-run=server",
      "-o",
      "json",
    ]);
    // The API server's warnings (e.g. "would violate PodSecurity", deprecated APIs) are
    // failures too; kubectl's own note on objects created without apply is not.
    const warnings = stderr
      .split("\n")
      .filter((line) => /^warning:/i.test(line) && !/last-applied-configuration/.test(line));
    assert.deepEqual(warnings, [], `warnings from the server dry-run of ${dir}`);
    const result = JSON.parse(stdout) as KubeObject | KubeList<KubeObject>;
    const applied = "items" in result ? result.items : [result];
    // Every rendered object went through the API server.
    assert.deepEqual(
      applied.map(objectKey).sort(),
      rendered.map(objectKey).sort(),
      `the objects of ${dir} accepted by the server dry-run`,
    );
    return applied;
  } finally {
    // Not waited for (empty, they go in seconds); a later run waits for a terminating one.
    if (created.length > 0) await kubectl(["delete", "namespace", ...created, "--wait=false"]);
  }
}

const objectKey = (o: KubeObject): string =>
  `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

const kinds = (objects: readonly KubeObject[]): string[] =>
  [...new Set(objects.map((o) => o.kind))].sort();

scenario(
  "9. kubectl apply -k manifests/ and manifests/examples/ --dry-run=server are accepted by the API server",
  { namespaces: [] },
  async ({ step }) => {
    const install = await dryRunApply("manifests/");
    for (const kind of [
      "CompositeController",
      "CustomResourceDefinition",
      "Deployment",
      "Namespace",
      "Service",
    ]) {
      assert.ok(
        kinds(install).includes(kind),
        `the full install has a ${kind}: ${kinds(install).join(", ")}`,
      );
    }
    assert.ok(
      install.some((o) => o.kind === "Deployment" && o.metadata.namespace === "stellar-system"),
      "the hook server's Deployment in stellar-system",
    );
    step(`manifests/: ${install.length} objects accepted`);

    const examples = await dryRunApply("manifests/examples/");
    assert.deepEqual(kinds(examples), ["Namespace", "Secret", "StellarNode"]);
    assert.equal(
      examples.filter((o) => o.kind === "StellarNode").length,
      3,
      "three example validators",
    );
    step(`manifests/examples/: ${examples.length} objects accepted`);
  },
);
