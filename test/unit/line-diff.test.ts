import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unifiedDiff } from "../support/line-diff.js";

const lines = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `line ${i + from}`).join("\n") + "\n";

describe("unifiedDiff (golden file mismatches)", () => {
  it("is empty for equal texts", () => {
    assert.equal(unifiedDiff(lines(5), lines(5)), "");
  });

  it("shows a changed line with three lines of context and diff -u's header", () => {
    const actual = lines(20).replace("line 10\n", "line ten\n");
    assert.equal(
      unifiedDiff(lines(20), actual, { expectedName: "golden", actualName: "now" }),
      [
        "--- golden",
        "+++ now",
        "@@ -7,7 +7,7 @@",
        " line 7",
        " line 8",
        " line 9",
        "-line 10",
        "+line ten",
        " line 11",
        " line 12",
        " line 13",
        "",
      ].join("\n"),
    );
  });

  it("makes one hunk of changes close together and two of changes far apart", () => {
    const near = lines(30).replace("line 10\n", "").replace("line 15\n", "line 15\nextra\n");
    assert.deepEqual(
      unifiedDiff(lines(30), near)
        .split("\n")
        .filter((l) => l.startsWith("@@")),
      ["@@ -7,12 +7,12 @@"],
    );
    const far = lines(30).replace("line 3\n", "").replace("line 25\n", "line 25\nextra\n");
    assert.deepEqual(
      unifiedDiff(lines(30), far)
        .split("\n")
        .filter((l) => l.startsWith("@@")),
      ["@@ -1,6 +1,5 @@", "@@ -23,6 +22,7 @@"],
    );
  });

  it("shows added and removed lines at the ends, and a missing final newline", () => {
    assert.equal(
      unifiedDiff("a\n", "a\nb\n"),
      ["--- expected", "+++ actual", "@@ -1 +1,2 @@", " a", "+b", ""].join("\n"),
    );
    assert.equal(
      unifiedDiff("a\nb\n", "b\n"),
      ["--- expected", "+++ actual", "@@ -1,2 +1 @@", "-a", " b", ""].join("\n"),
    );
    assert.match(unifiedDiff("a\n", "a"), /^-a\n\+a\\ \(no newline at end\)$/m);
  });
});
