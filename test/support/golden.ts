import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";

/**
 * Compares `value`, as YAML, with test/golden/<name>.golden.yaml; `UPDATE_GOLDEN=1` rewrites
 * the file, so a change to rendered output shows up in review as a diff of that file.
 */
export function assertGolden(name: string, value: unknown): void {
  const url = new URL(`../golden/${name}.golden.yaml`, import.meta.url);
  const actual = stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(url)) {
    if (process.env["CI"] === "true" && !existsSync(url)) {
      assert.fail(`golden file ${url.pathname} is missing: run UPDATE_GOLDEN=1 npm run test:unit`);
    }
    writeFileSync(url, actual);
    return;
  }
  assert.equal(
    actual,
    readFileSync(url, "utf8"),
    `${name} differs from its golden file; if intended, run UPDATE_GOLDEN=1 npm run test:unit`,
  );
}
