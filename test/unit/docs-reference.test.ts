import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { specJsonSchema } from "../../hooks/generate/crd.js";
import {
  configurationReference,
  headingAnchor,
  referenceSections,
  type Schema,
} from "../../hooks/generate/reference.js";

// The staleness check of docs/configuration.md is test/unit/generated.test.ts's, which
// compares every generated file with what `npm run generate` would write.

/** A row of a section's table: `| \`name\` | type | required | default | description |`. */
function row(text: string, section: string, field: string): string[] {
  const page = `\n${text}`;
  const start = page.indexOf(`\n## ${section}\n`);
  assert.ok(start >= 0, `no section ${section}`);
  const end = page.indexOf("\n## ", start + 1);
  const body = page.slice(start, end < 0 ? undefined : end);
  const line = body.split("\n").find((l) => l.startsWith(`| \`${field}\` |`));
  assert.ok(line, `no row ${field} in ${section}`);
  return line
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** A field another branch might add, in every shape the generator must handle. */
const Added = z
  .object({
    nodeType: z.enum(["Validator"]).meta({ description: "What it runs." }),
    externalPeering: z
      .object({
        enabled: z.boolean().default(false).meta({ description: "Publish the peer port." }),
        serviceType: z.enum(["LoadBalancer", "NodePort"]).meta({ description: "How." }),
        annotations: z.record(z.string(), z.string()).optional(),
        ports: z
          .array(
            z.object({
              port: z.int().min(1).max(65535).meta({ description: "The port." }),
              name: z.string().max(15).optional(),
            }),
          )
          .min(1)
          .optional()
          .meta({ description: "Ports to publish." }),
      })
      .optional()
      .meta({
        description: "Peering from outside the cluster.",
        "x-kubernetes-validations": [
          { rule: "!self.enabled || has(self.serviceType)", message: "enabled needs serviceType" },
        ],
      }),
    weight: z.union([z.int(), z.string()]).optional().meta({ description: "Either." }),
  })
  .meta({ description: "A spec." });

describe("the configuration reference generator", () => {
  const page = referenceSections(z.toJSONSchema(Added, { io: "input" }) as Schema);

  it("walks nested objects, arrays of objects, maps, enums, defaults and required-ness", () => {
    assert.deepEqual(row(page, "spec", "externalPeering"), [
      "`externalPeering`",
      "object ([spec.externalPeering](#specexternalpeering))",
      "no",
      "",
      "Peering from outside the cluster.",
    ]);
    assert.deepEqual(row(page, "spec", "nodeType").slice(1, 3), ["string", "yes"]);
    assert.deepEqual(row(page, "spec.externalPeering", "enabled").slice(1, 5), [
      "boolean",
      "no",
      "`false`",
      "Publish the peer port.",
    ]);
    assert.equal(
      row(page, "spec.externalPeering", "serviceType")[4],
      'How. One of `"LoadBalancer"`, `"NodePort"`.',
    );
    assert.equal(row(page, "spec.externalPeering", "annotations")[1], "map of string to string");
    assert.equal(
      row(page, "spec.externalPeering", "ports")[1],
      "array of object ([spec.externalPeering.ports[]](#specexternalpeeringports))",
    );
    assert.equal(
      row(page, "spec.externalPeering", "ports")[4],
      "Ports to publish. Number of items at least 1.",
    );
    assert.deepEqual(row(page, "spec.externalPeering.ports[]", "port").slice(1, 5), [
      "integer",
      "yes",
      "",
      "The port. At least 1. At most 65535.",
    ]);
    assert.equal(row(page, "spec.externalPeering.ports[]", "name")[4], "Length at most 15.");
    assert.equal(row(page, "spec", "weight")[1], "integer or string");
  });

  it("lists the CEL rules' messages under their object", () => {
    const section = page.slice(page.indexOf("## spec.externalPeering\n"));
    assert.match(
      section,
      /- enabled needs serviceType \(CEL: `!self.enabled \|\| has\(self.serviceType\)`\)/,
    );
  });

  it("follows $ref to $defs (a schema registered with an id)", () => {
    const Shared = z.object({ size: z.string().meta({ description: "How big." }) }).meta({
      id: "SharedVolume",
      description: "A volume.",
    });
    const schema = z.toJSONSchema(z.object({ a: Shared, b: Shared.optional() }), {
      io: "input",
    }) as Schema;
    assert.match(JSON.stringify(schema), /\$ref/, "the case needs a $ref to mean anything");
    const text = referenceSections(schema);
    assert.equal(row(text, "spec.a", "size")[4], "How big.");
    assert.equal(row(text, "spec.b", "size")[4], "How big.");
    assert.match(text, /## spec.a\n\nA volume.\n\nRequired./);
    assert.match(text, /## spec.b\n\nA volume.\n\nOptional./);
  });

  it("escapes the pipes of patterns, so a table cell stays one cell", () => {
    const text = referenceSections(
      z.toJSONSchema(z.object({ q: z.string().regex(/^(a|b)$/) }), { io: "input" }) as Schema,
    );
    assert.deepEqual(row(text, "spec", "q").slice(1), [
      "string",
      "yes",
      "",
      "Matches `^(a\\|b)$`.",
    ]);
  });

  it("names GitHub's anchors", () => {
    assert.equal(
      headingAnchor("spec.peerDiscovery.groupSelector"),
      "specpeerdiscoverygroupselector",
    );
    assert.equal(headingAnchor("How it works, and why"), "how-it-works-and-why");
  });
});

describe("docs/configuration.md", () => {
  const page = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");

  it("is the generated page", () => {
    assert.equal(page, configurationReference());
  });

  it("has a row for every field of the spec and a section for every object", () => {
    const walk = (schema: Schema, path: string): void => {
      const properties = (schema["properties"] ?? {}) as Record<string, Schema>;
      for (const [name, field] of Object.entries(properties)) {
        row(page, path, name);
        if (field["type"] === "object" && field["properties"]) walk(field, `${path}.${name}`);
        const items = field["items"] as Schema | undefined;
        if (items?.["properties"]) walk(items, `${path}.${name}[]`);
      }
    };
    walk(specJsonSchema(), "spec");
  });

  it("links every object section it names", () => {
    for (const [, target] of page.matchAll(/\]\(#([^)]+)\)/g)) {
      const headings = [...page.matchAll(/^## (.+)$/gm)].map(([, h]) => headingAnchor(h ?? ""));
      assert.ok(headings.includes(target ?? ""), target);
    }
  });
});
