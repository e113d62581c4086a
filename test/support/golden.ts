import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { unifiedDiff } from "./line-diff.js";

/*
 * Golden files in the layout of the CockroachDB operator's pkg/resource/testdata: an input
 * `<case>_in.yaml` and, next to it, a directory `<case>/` of what the hook answers to it,
 * one file per object, so a change shows up in review as the diff of that object alone:
 *
 *   <case>/<kind>-<name>.golden.yaml   each child (attachment) of the response
 *   <case>/status.golden.yaml          the response's status
 *   <case>/response.golden.yaml        the rest of the response (resyncAfterSeconds, ...)
 *
 * A missing, different or stale golden file fails; `UPDATE_GOLDEN=1` writes and removes
 * them instead.
 */

export const GOLDEN_SUFFIX = ".golden.yaml";
export const INPUT_SUFFIX = "_in.yaml";
const UPDATE_HINT = "if intended, run UPDATE_GOLDEN=1 npm run test:unit and review the diff";

export function updatingGoldens(): boolean {
  return process.env["UPDATE_GOLDEN"] === "1";
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

interface Named {
  kind?: unknown;
  metadata?: { name?: unknown };
}

/**
 * A Metacontroller response as golden files, by file name: one per object in
 * `response[objectsKey]`, `status`, and what is left. Two objects of one kind and name fail.
 */
export function responseGoldens(
  response: Record<string, unknown>,
  objectsKey: string,
): Map<string, string> {
  const { [objectsKey]: objects, status, ...rest } = response;
  assert.ok(Array.isArray(objects), `response.${objectsKey} is a list`);
  const files = new Map<string, string>();
  for (const object of objects as Named[]) {
    const kind = String(object.kind).toLowerCase();
    const file = `${kind}-${String(object.metadata?.name)}${GOLDEN_SUFFIX}`;
    assert.ok(!files.has(file), `two objects in response.${objectsKey} map to ${file}`);
    files.set(file, toYaml(object));
  }
  files.set(`status${GOLDEN_SUFFIX}`, toYaml(status));
  files.set(`response${GOLDEN_SUFFIX}`, toYaml(rest));
  return files;
}

/** Case names of a testdata directory: its `<case>_in.yaml` files, sorted. */
export function goldenCases(dir: URL): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(INPUT_SUFFIX))
    .map((file) => file.slice(0, -INPUT_SUFFIX.length))
    .sort();
}

function show(path: string): string {
  return relative(process.cwd(), path) || path;
}

/**
 * Compares the golden files of one case, `<dir>/<case>/`, with `actual` (file name -> text):
 * every file must exist with that text, and no other golden file may be there.
 */
export function assertGoldenDirectory(dir: URL, name: string, actual: Map<string, string>): void {
  const caseDir = join(fileURLToPath(dir), name);
  const present = existsSync(caseDir) ? readdirSync(caseDir) : [];
  if (updatingGoldens()) {
    mkdirSync(caseDir, { recursive: true });
    for (const [file, text] of actual) {
      const path = join(caseDir, file);
      if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text);
    }
    for (const file of present) {
      if (!actual.has(file)) rmSync(join(caseDir, file), { recursive: true });
    }
    return;
  }
  const problems: string[] = [];
  for (const [file, text] of actual) {
    const path = join(caseDir, file);
    if (!existsSync(path)) {
      problems.push(`missing golden file ${show(path)}`);
      continue;
    }
    const diff = unifiedDiff(readFileSync(path, "utf8"), text, {
      expectedName: `${show(path)} (golden)`,
      actualName: `${file} (rendered now)`,
    });
    if (diff !== "") problems.push(`${show(path)} differs:\n${diff}`);
  }
  for (const file of present.filter((file) => !actual.has(file)).sort()) {
    problems.push(`stale golden file ${show(join(caseDir, file))}: the case no longer renders it`);
  }
  if (problems.length > 0) assert.fail(`${problems.join("\n")}\n${UPDATE_HINT}`);
}

/**
 * Fails on anything in `dir` that no case accounts for: a directory without its
 * `<case>_in.yaml`, or a stray file. `UPDATE_GOLDEN=1` removes them.
 */
export function assertNoStrayGoldens(dir: URL): void {
  const root = fileURLToPath(dir);
  const cases = new Set(goldenCases(dir));
  const stray = readdirSync(root, { withFileTypes: true })
    .filter((entry) =>
      entry.isDirectory() ? !cases.has(entry.name) : !entry.name.endsWith(INPUT_SUFFIX),
    )
    .map((entry) => join(root, entry.name))
    .sort();
  if (updatingGoldens()) {
    for (const path of stray) rmSync(path, { recursive: true });
    return;
  }
  if (stray.length > 0) {
    assert.fail(
      `no <case>${INPUT_SUFFIX} produces these golden files:\n${stray.map((path) => `  ${show(path)}\n`).join("")}${UPDATE_HINT}`,
    );
  }
}
