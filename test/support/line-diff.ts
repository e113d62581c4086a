/**
 * A unified diff of two texts, line by line, with `context` unchanged lines around each
 * change: what a failing golden comparison prints instead of two long strings.
 */
export function unifiedDiff(
  expected: string,
  actual: string,
  options: { context?: number; expectedName?: string; actualName?: string } = {},
): string {
  const context = options.context ?? 3;
  const a = splitLines(expected);
  const b = splitLines(actual);
  const edits = diffLines(a, b);
  if (edits.every((edit) => edit.op === " ")) return "";

  const out = [
    `--- ${options.expectedName ?? "expected"}`,
    `+++ ${options.actualName ?? "actual"}`,
  ];
  let i = 0;
  while (i < edits.length) {
    if (edits[i]!.op === " ") {
      i += 1;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last
    // change that is at most 2 * context unchanged lines away from the previous one.
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < edits.length; j++) {
      if (edits[j]!.op !== " ") end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + context + 1);
    const hunk = edits.slice(start, stop);
    const first = edits[start]!;
    const oldCount = hunk.filter((edit) => edit.op !== "+").length;
    const newCount = hunk.filter((edit) => edit.op !== "-").length;
    out.push(
      `@@ -${range(first.oldLine, oldCount)} +${range(first.newLine, newCount)} @@`,
      ...hunk.map((edit) => `${edit.op}${edit.text}`),
    );
    i = stop;
  }
  return `${out.join("\n")}\n`;
}

interface Edit {
  /** " " unchanged, "-" only in the expected text, "+" only in the actual one. */
  readonly op: " " | "-" | "+";
  readonly text: string;
  /** 1-based line numbers where this edit sits in each text. */
  readonly oldLine: number;
  readonly newLine: number;
}

/** Lines, keeping a missing final newline visible. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  else lines[lines.length - 1] += "\\ (no newline at end)";
  return lines;
}

function range(line: number, count: number): string {
  // As diff -u: an empty range names the line before it.
  return count === 1 ? `${line}` : `${count === 0 ? line - 1 : line},${count}`;
}

/** A shortest edit script by longest common subsequence, after trimming common ends. */
function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);

  // lcs[i][j]: length of the longest common subsequence of midA[i..] and midB[j..].
  const lcs = Array.from({ length: midA.length + 1 }, () =>
    new Array<number>(midB.length + 1).fill(0),
  );
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }

  const edits: Edit[] = [];
  let oldLine = 1;
  let newLine = 1;
  const push = (op: Edit["op"], text: string): void => {
    edits.push({ op, text, oldLine, newLine });
    if (op !== "+") oldLine += 1;
    if (op !== "-") newLine += 1;
  };
  for (const line of a.slice(0, prefix)) push(" ", line);
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      push(" ", midA[i]!);
      i += 1;
      j += 1;
    } else if (j >= midB.length || (i < midA.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      push("-", midA[i]!);
      i += 1;
    } else {
      push("+", midB[j]!);
      j += 1;
    }
  }
  for (const line of a.slice(a.length - suffix)) push(" ", line);
  return edits;
}
