import { isAscii } from "node:buffer";
import { projectRelatedNode } from "../discovery/related-nodes.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { isRecord } from "../kube/objects.js";
import { NodeScanner } from "./lean-related-node.js";
import { relatedNodeProblem, type RelatedNodeProblem } from "./poisoned-keys.js";

/** A sync request parsed lean, and the related StellarNodes it left out. */
export interface LeanBody {
  body: unknown;
  skipped: { key: string; reason: RelatedNodeProblem }[];
}

/**
 * A `__proto__` or `constructor` key can only be spelt with one of these. Tested on the
 * decoded pieces, a quarter of the time of three searches of the whole body.
 */
const SUSPECT = /__proto__|constructor|\\u00/;

/**
 * A request carries the whole group: thousands of related StellarNodes with their
 * managedFields, annotations and status. Holding all of them while the sync runs made
 * garbage collection and memory the largest cost of a large request (BENCHMARKS.md). So
 * each related StellarNode is read from the bytes as what discovery reads of it
 * (lean-related-node.ts, the same as projectRelatedNode of the parsed object): the rest is
 * checked to be JSON and skipped without being built. One whose text could spell a poisoned
 * key, or that nests too deep, is parsed whole on its own and judged (relatedNodeProblem),
 * and left out if it must be (hook-body.ts). Undefined, to parse the
 * body whole, for anything that is not plainly a sync request (not an object, duplicate
 * keys outside the related nodes, a suspect key outside them, a piece JSON.parse refuses).
 */
export function parseLean(body: Buffer): LeanBody | undefined {
  // One pass over the body finds each related StellarNode: related -> group -> entries.
  const entries: Member[] = [];
  let related = 0;
  let groups = 0;
  try {
    // Pieces are decoded one by one, as small strings; an ASCII body as latin1 (a copy).
    const encoding = isAscii(body) ? "latin1" : "utf8";
    const text = (from: number, to?: number): string => body.toString(encoding, from, to);
    const scanner = new NodeScanner(body, encoding);
    const end = walkObject(body, skipSpace(body, 0), (key, at) => {
      if (key !== "related" || related++ > 0 || body[at] !== 0x7b) return endOfValue(body, at);
      return walkObject(body, at, (groupKey, groupAt) => {
        if (groupKey !== GROUP_KEYS.StellarNode || groups++ > 0 || body[groupAt] !== 0x7b) {
          return endOfValue(body, groupAt);
        }
        return walkObject(body, groupAt, (name, nodeAt) => {
          const scanned = scanner.scan(nodeAt);
          if ("tooDeep" in scanned) {
            const nodeEnd = endOfValue(body, nodeAt);
            entries.push({ key: name, start: nodeAt, end: nodeEnd, node: undefined });
            return nodeEnd;
          }
          entries.push({ key: name, start: nodeAt, end: scanned.end, node: scanned.node });
          return scanned.end;
        });
      });
    });
    if (skipSpace(body, end) !== body.length) return undefined;
    // JSON.parse takes the last of duplicate keys: leave those bodies to it.
    if (related !== 1 || groups !== 1) return undefined;
    // The body with every related StellarNode replaced by {}: it checks the whole structure.
    const parts: string[] = [];
    let position = 0;
    for (const entry of entries) {
      parts.push(text(position, entry.start), "{}");
      position = entry.end;
    }
    parts.push(text(position));
    const outside = parts.join("");
    if (SUSPECT.test(outside)) return undefined;
    const skeleton: unknown = JSON.parse(outside);
    if (!isRecord(skeleton) || !isRecord(skeleton["related"])) return undefined;
    const group = skeleton["related"][GROUP_KEYS.StellarNode];
    if (!isRecord(group)) return undefined;
    const skipped: LeanBody["skipped"] = [];
    // In order, so that of duplicate keys the last wins, as in JSON.parse.
    for (const entry of entries) {
      let node: unknown = entry.node;
      // The per-node fallback: parsed whole, every key and level judged.
      const whole = node === undefined;
      if (whole) node = JSON.parse(text(entry.start, entry.end));
      const problem = relatedNodeProblem(node);
      if (problem === undefined) {
        group[entry.key] = whole ? projectRelatedNode(node) : node;
      } else {
        Reflect.deleteProperty(group, entry.key);
        skipped.push({ key: entry.key, reason: problem });
      }
    }
    return { body: skeleton, skipped };
  } catch {
    return undefined;
  }
}

interface Member {
  key: string;
  /** The value's span in the text. */
  start: number;
  end: number;
  /** Its projection, read from the bytes (lean-related-node.ts); undefined to parse it whole. */
  node: Record<string, unknown> | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Walks the JSON object at `start`: for each member, `visit` gets the key and the start of
 * the value and returns the value's end. Returns the end of the object. Only finds spans;
 * the pieces are validated by the JSON parser. Throws on anything unexpected.
 */
function walkObject(
  body: Buffer,
  start: number,
  visit: (key: string, valueStart: number) => number,
): number {
  if (body[start] !== 0x7b) throw new SyntaxError("not an object");
  let i = skipSpace(body, start + 1);
  if (body[i] === 0x7d) return i + 1;
  for (;;) {
    if (body[i] !== QUOTE) throw new SyntaxError("expected a key");
    const keyEnd = endOfString(body, i);
    const key = JSON.parse(body.toString("utf8", i, keyEnd)) as unknown;
    if (typeof key !== "string") throw new SyntaxError("expected a key");
    i = skipSpace(body, keyEnd);
    if (body[i] !== 0x3a) throw new SyntaxError("expected :");
    i = skipSpace(body, visit(key, skipSpace(body, i + 1)));
    const next = body[i];
    if (next === 0x2c) i = skipSpace(body, i + 1);
    else if (next === 0x7d) return i + 1;
    else throw new SyntaxError("expected , or }");
  }
}

function skipSpace(body: Buffer, i: number): number {
  for (;;) {
    const c = body[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** The end (after the closing quote) of the string starting at `start`. */
function endOfString(body: Buffer, start: number): number {
  for (let i = start + 1; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  throw new SyntaxError("unterminated string");
}

/** The end of the JSON value starting at `start`. */
function endOfValue(body: Buffer, start: number): number {
  const first = body[start];
  if (first === QUOTE) return endOfString(body, start);
  let i = start;
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    while (i < body.length) {
      const c = body[i];
      if (c === QUOTE) {
        i = endOfString(body, i);
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
      i++;
    }
    throw new SyntaxError("unterminated value");
  }
  // A number, true, false or null: up to the next delimiter.
  while (i < body.length) {
    const c = body[i];
    if (
      c === 0x2c ||
      c === 0x7d ||
      c === 0x5d ||
      c === 0x20 ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x09
    ) {
      break;
    }
    i++;
  }
  if (i === start) throw new SyntaxError("expected a value");
  return i;
}
