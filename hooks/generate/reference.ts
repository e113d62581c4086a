import { specJsonSchema } from "./crd.js";

/**
 * docs/configuration.md: the StellarNode spec reference, written from the JSON Schema that
 * zod derives from hooks/spec/stellar-node-spec.ts. It walks the schema generically (objects,
 * arrays, maps, enums, unions, $ref, defaults, required-ness, bounds, patterns and the CEL
 * rules' messages), so a field added to the zod spec appears here after `npm run generate`
 * with no change to this file.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = { [key: string]: Json };

/** zod's z.int() bounds: the safe-integer range says nothing to a reader. */
const SAFE_INTEGER = 9007199254740991;

function isSchema(node: Json | undefined): node is Schema {
  return typeof node === "object" && node !== null && !Array.isArray(node);
}

function schemaList(node: Json | undefined): Schema[] {
  return Array.isArray(node) ? node.filter(isSchema) : [];
}

/** A section of the page: one object of the spec (the spec itself, nested objects, array items). */
interface Section {
  path: string;
  schema: Schema;
  required: boolean;
}

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

const code = (text: string): string => `\`${text}\``;

/** Text in a table cell: one line, pipes escaped (GitHub honours `\|` inside code spans too). */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

const json = (value: Json): string => code(JSON.stringify(value));

class ReferenceWriter {
  private readonly sections: Section[] = [];

  constructor(private readonly root: Schema) {}

  /** `$ref: "#/$defs/X"` (zod emits them for schemas registered with an id) to its target. */
  private resolve(schema: Schema): Schema {
    const ref = schema["$ref"];
    if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
    let target: Json | undefined = this.root;
    for (const part of ref.slice(2).split("/")) {
      target = isSchema(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    if (!isSchema(target)) return schema;
    const { $ref: _ref, ...rest } = schema;
    return { ...this.resolve(target), ...rest };
  }

  private isObject(schema: Schema): boolean {
    return schema["type"] === "object" && isSchema(schema["properties"]);
  }

  /** The type column: links to the section of a nested object. */
  private typeOf(raw: Schema, path: string, required = false): string {
    const schema = this.resolve(raw);
    if (schema["x-kubernetes-int-or-string"] === true) return "integer or string";
    if (this.isObject(schema)) {
      this.sections.push({ path, schema, required });
      return `object ([${path}](#${headingAnchor(path)}))`;
    }
    const variants = schemaList(schema["anyOf"] ?? schema["oneOf"]);
    if (variants.length > 0) {
      return variants.map((variant, i) => this.typeOf(variant, `${path}<${i}>`)).join(" or ");
    }
    if ("const" in schema) return `the value ${json(schema["const"] ?? null)}`;
    const type = schema["type"];
    if (type === "array") {
      const items = isSchema(schema["items"]) ? schema["items"] : {};
      return `array of ${this.typeOf(items, `${path}[]`)}`;
    }
    if (type === "object") {
      const values = schema["additionalProperties"];
      if (isSchema(values)) return `map of string to ${this.typeOf(values, `${path}.*`)}`;
      return "object";
    }
    if (Array.isArray(type)) return type.map(String).join(" or ");
    return typeof type === "string" ? type : "any";
  }

  /** Enums, bounds, patterns: what the API server checks besides the type. */
  private constraintsOf(raw: Schema): string[] {
    const schema = this.resolve(raw);
    const out: string[] = [];
    const values = schema["enum"];
    if (Array.isArray(values)) out.push(`one of ${values.map((v) => json(v)).join(", ")}`);
    const bound = (key: string, text: string): void => {
      const value = schema[key];
      if (typeof value === "number" && Math.abs(value) !== SAFE_INTEGER)
        out.push(`${text} ${value}`);
    };
    bound("minimum", "at least");
    bound("exclusiveMinimum", "more than");
    bound("maximum", "at most");
    bound("exclusiveMaximum", "less than");
    bound("minLength", "length at least");
    bound("maxLength", "length at most");
    bound("minItems", "number of items at least");
    bound("maxItems", "number of items at most");
    if (typeof schema["pattern"] === "string") out.push(`matches ${code(schema["pattern"])}`);
    if (schema["type"] === "array" && isSchema(schema["items"])) {
      const items = this.resolve(schema["items"]);
      if (!this.isObject(items)) {
        const inner = this.constraintsOf(items);
        if (inner.length > 0) out.push(`each item: ${inner.join("; ")}`);
      }
    }
    for (const variant of schemaList(schema["anyOf"] ?? schema["oneOf"])) {
      const inner = this.constraintsOf(variant);
      if (inner.length > 0) out.push(`as ${this.plainType(variant)}: ${inner.join("; ")}`);
    }
    if (schema["type"] === "object" && isSchema(schema["additionalProperties"])) {
      const inner = this.constraintsOf(schema["additionalProperties"]);
      if (inner.length > 0) out.push(`each value: ${inner.join("; ")}`);
    }
    return out;
  }

  private plainType(raw: Schema): string {
    const type = this.resolve(raw)["type"];
    return typeof type === "string" ? type : "the other form";
  }

  private rules(schema: Schema): string[] {
    return schemaList(schema["x-kubernetes-validations"]).map((rule) => {
      const message = typeof rule["message"] === "string" ? rule["message"] : "";
      const expression = typeof rule["rule"] === "string" ? rule["rule"] : "";
      return `- ${message || "(no message)"} (CEL: ${code(expression)})`;
    });
  }

  private section({ path, schema: raw, required }: Section): string {
    const schema = this.resolve(raw);
    const lines = [`## ${path}`, ""];
    if (typeof schema["description"] === "string") lines.push(schema["description"], "");
    if (path !== "spec" && path.endsWith("[]"))
      lines.push("Each item of the array is an object:", "");
    else if (path !== "spec") lines.push(required ? "Required." : "Optional.", "");
    const properties = isSchema(schema["properties"]) ? schema["properties"] : {};
    const requiredNames = Array.isArray(schema["required"]) ? schema["required"].map(String) : [];
    lines.push("| field | type | required | default | description |", "|---|---|---|---|---|");
    for (const [name, value] of Object.entries(properties)) {
      if (!isSchema(value)) continue;
      const field = this.resolve(value);
      const childPath = `${path}.${name}`;
      const type = this.typeOf(field, childPath, requiredNames.includes(name));
      const description = [
        typeof field["description"] === "string" ? field["description"] : "",
        ...this.constraintsOf(field).map((c) => `${c.charAt(0).toUpperCase()}${c.slice(1)}.`),
      ]
        .filter((text) => text !== "")
        .join(" ");
      lines.push(
        `| ${[
          code(name),
          type,
          requiredNames.includes(name) ? "yes" : "no",
          "default" in field ? json(field["default"] ?? null) : "",
          description,
        ]
          .map(cell)
          .join(" | ")} |`,
      );
    }
    const rules = this.rules(schema);
    if (rules.length > 0) {
      lines.push(
        "",
        "The API server refuses an object that breaks one of these rules, with this message:",
        "",
        ...rules,
      );
    }
    return lines.join("\n");
  }

  write(): string {
    const written: string[] = [];
    this.sections.push({ path: "spec", schema: this.root, required: true });
    // Writing a section queues the sections of the objects it names.
    for (let next = this.sections.shift(); next; next = this.sections.shift()) {
      written.push(this.section(next));
    }
    return written.join("\n\n");
  }
}

const INTRO = `<!-- Generated by \`npm run generate\` from hooks/spec/stellar-node-spec.ts (the zod schema's descriptions). Do not edit: change the descriptions there and run npm run generate. -->

# Configuration reference: the StellarNode spec

Every field of a \`StellarNode\`'s \`spec\` (\`stellar.org/v1alpha1\`), generated from the
schema the hook and the CRD share. A field with a default may be left out; the API server
checks the types, bounds and rules below at admission, and the hook checks them again
(an invalid spec gives \`Valid=False\` and changes nothing that runs, see
[status and conditions](status.md)). The same schema, as JSON Schema for editors, is
\`schemas/stellarnode-spec.schema.json\`.

The hook server's own settings (environment variables) are in
[the hook server](hook-server.md); how to write one, the images and the quorum checks are in
[writing a StellarNode](writing-a-stellarnode.md).
`;

/** The sections of a reference for an object's JSON Schema, the root named `spec`. */
export function referenceSections(schema: Schema): string {
  return new ReferenceWriter(schema).write();
}

/** The whole page, as docs/configuration.md holds it. */
export function configurationReference(): string {
  return `${INTRO}\n${referenceSections(specJsonSchema())}\n`;
}
