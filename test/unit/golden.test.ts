import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { syncNamespace } from "../../hooks/namespace/summary.js";
import { syncStellarNode } from "../../hooks/sync/sync.js";
import { FIXED_NOW } from "../support/fixtures.js";
import {
  assertGoldenDirectory,
  assertNoStrayGoldens,
  goldenCases,
  INPUT_SUFFIX,
  responseGoldens,
} from "../support/golden.js";

/*
 * Every test/testdata/<hook>/<case>_in.yaml is a whole Metacontroller sync request; what the
 * hook answers is compared with the golden files in test/testdata/<hook>/<case>/ (layout in
 * test/support/golden.ts). To add a case, add an _in.yaml and run UPDATE_GOLDEN=1.
 *
 * The options are fixed here: cluster domain cluster.local, now FIXED_NOW, no sidecar
 * image. A case may set the options listed in its hook's `options` below in a top-level
 * `options:` block, which is not part of the request.
 */

const TESTDATA = new URL("../testdata/", import.meta.url);
const BASE_OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };

interface Hook {
  /** Keys a request may have (besides `options`). */
  readonly requestKeys: readonly string[];
  /** Options a case may set, with a check of each value. */
  readonly options: Readonly<Record<string, (value: unknown) => boolean>>;
  /** The response's key listing the objects the hook wants to exist. */
  readonly objectsKey: string;
  run(request: Record<string, unknown>, options: Record<string, unknown>): object;
}

const HOOKS: Readonly<Record<string, Hook>> = {
  // The CompositeController of StellarNodes.
  sync: {
    requestKeys: ["parent", "children", "related", "finalizing"],
    options: { sidecarImage: (value) => typeof value === "string" && value !== "" },
    objectsKey: "children",
    run: (request, options) =>
      syncStellarNode(request as unknown as Parameters<typeof syncStellarNode>[0], {
        ...BASE_OPTIONS,
        ...options,
      }).response,
  },
  // The DecoratorController of Namespaces.
  namespace: {
    requestKeys: ["object", "attachments", "related", "finalizing"],
    options: {},
    objectsKey: "attachments",
    run: (request) =>
      syncNamespace(request as unknown as Parameters<typeof syncNamespace>[0], BASE_OPTIONS)
        .response,
  },
};

/** A case file: the request, and the options it sets. */
function readCase(
  hook: Hook,
  file: URL,
): { request: Record<string, unknown>; options: Record<string, unknown> } {
  const document = parse(readFileSync(file, "utf8")) as unknown;
  assert.ok(
    typeof document === "object" && document !== null && !Array.isArray(document),
    "a case file is a mapping",
  );
  const { options = {}, ...request } = document as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    assert.ok(hook.requestKeys.includes(key), `${key}: not a key of the request`);
  }
  assert.ok(typeof options === "object" && options !== null, "options: a mapping");
  for (const [key, value] of Object.entries(options)) {
    const valid = hook.options[key];
    assert.ok(valid !== undefined, `options.${key}: not an option a case may set`);
    assert.ok(valid(value), `options.${key}: ${JSON.stringify(value)} is not valid`);
  }
  return { request, options: options as Record<string, unknown> };
}

for (const [name, hook] of Object.entries(HOOKS)) {
  const dir = new URL(`${name}/`, TESTDATA);
  describe(`${name} hook: test/testdata/${name}/*${INPUT_SUFFIX} against their golden files`, () => {
    for (const testCase of goldenCases(dir)) {
      it(testCase, () => {
        const { request, options } = readCase(hook, new URL(`${testCase}${INPUT_SUFFIX}`, dir));
        const response = hook.run(request, options) as Record<string, unknown>;
        assertGoldenDirectory(dir, testCase, responseGoldens(response, hook.objectsKey));
      });
    }

    it("has no golden file that no case produces", () => {
      assertNoStrayGoldens(dir);
    });
  });
}

it("test/testdata holds one directory per hook and nothing else", () => {
  assert.deepEqual(readdirSync(TESTDATA).sort(), Object.keys(HOOKS).sort());
});
