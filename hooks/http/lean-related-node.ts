import {
  FIRST_VALID_CONDITION,
  RELATED_NODE_PROJECTION,
  type NodeProjection,
} from "../discovery/related-nodes.js";
import { MAX_OBJECT_DEPTH } from "../kube/json-depth.js";

/**
 * What `scan` found at a related StellarNode's value: its end and its projection, or its
 * end alone (the caller parses that piece whole: not an object), or that it nests too deep
 * to be scanned (the caller finds its end and parses it whole).
 */
export type ScannedNode =
  | { end: number; node: Record<string, unknown> }
  | { end: number; node?: undefined }
  | { tooDeep: true };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** A container of the node at this depth (the node itself 0) is more than nestsDeeperThan allows. */
class TooDeep extends Error {}

/**
 * Reads related StellarNodes straight from a request body, as projectRelatedNode cuts down
 * the parsed object: only the fields discovery reads are decoded and parsed; the rest
 * (managedFields, annotations with kubectl's last-applied copy of the spec, status.peers,
 * the conditions other than Valid) is checked to be JSON, byte by byte, and skipped without
 * building a string or an object: most of the bytes of today's requests (BENCHMARKS.md).
 *
 * For an object whose text holds no poisoned key (the caller checks the bytes) the result is
 * `projectRelatedNode(JSON.parse(piece))`: duplicate keys end as in JSON.parse (the last
 * wins, whole), and every byte is checked to be JSON, so a piece JSON.parse refuses throws
 * SyntaxError here too.
 */
export class NodeScanner {
  /** Open containers of the value being skipped. */
  private readonly stack = new Uint8Array(MAX_OBJECT_DEPTH + 1);
  /** Whether the last string scanned held an escape, and a \u escape. */
  private escaped = false;
  private unicodeEscaped = false;
  /** Whether a key of the node being scanned is, or could spell, a poisoned key. */
  private suspect = false;

  constructor(
    private readonly body: Buffer,
    private readonly encoding: "latin1" | "utf8",
  ) {}

  /** The related StellarNode whose value starts at `start`. */
  scan(start: number): ScannedNode {
    this.suspect = false;
    try {
      if (this.body[start] !== OPEN_OBJECT) return { end: this.skip(start, 0) };
      // A node with a suspect key (this.suspect) is parsed whole by the caller.
      // Cut down as projectRelatedNode cuts it (discovery/related-nodes.ts), key order included.
      const holder: Record<string, unknown> = {};
      const end = this.project(start, 0, RELATED_NODE_PROJECTION, holder, "node");
      if (this.suspect) return { end };
      return { end, node: holder["node"] as Record<string, unknown> };
    } catch (error) {
      if (error instanceof TooDeep) return { tooDeep: true };
      throw error;
    }
  }

  private text(from: number, to: number): string {
    return this.body.toString(this.encoding, from, to);
  }

  /** The value at `at` (at depth `depth`), parsed, stored under `key`. */
  private parsed(at: number, depth: number, into: Record<string, unknown>, key: string): number {
    this.escaped = false;
    const end = this.skip(at, depth);
    // The value checked as JSON (skip): a string without escapes is its bytes, a literal its
    // value; anything else as JSON.parse reads it.
    const first = this.body[at];
    if (first === QUOTE && !this.escaped) into[key] = this.text(at + 1, end - 1);
    else if (first === 0x74) into[key] = true;
    else if (first === 0x66) into[key] = false;
    else if (first === 0x6e) into[key] = null;
    else into[key] = JSON.parse(this.text(at, end));
    return end;
  }

  /**
   * The value at `at` (at depth `depth`) stored under `key`: an object cut down to what
   * `projection` keeps, anything else as it is. A fresh object per occurrence, so of a
   * duplicate key the last wins whole.
   */
  private project(
    at: number,
    depth: number,
    projection: NodeProjection,
    into: Record<string, unknown>,
    key: string,
  ): number {
    if (this.body[at] !== OPEN_OBJECT) return this.parsed(at, depth, into, key);
    const values: Record<string, unknown> = {};
    const level = levelOf(projection);
    const end = this.object(at, depth, level.keys, (index, memberAt) => {
      if (index < 0) return this.skip(memberAt, depth + 1);
      const member = level.keys.names[index] ?? "";
      if (index < level.keep) return this.parsed(memberAt, depth + 1, values, member);
      const nested = level.nested[index - level.keep];
      if (nested === FIRST_VALID_CONDITION) return this.conditions(memberAt, depth + 1, values);
      if (nested === undefined) return this.skip(memberAt, depth + 1);
      return this.project(memberAt, depth + 1, nested, values, member);
    });
    into[key] = ordered(values, level.keys.names);
    return end;
  }

  /** status.conditions: only the first condition of type Valid (readPublished reads it). */
  private conditions(at: number, depth: number, into: Record<string, unknown>): number {
    if (this.body[at] !== OPEN_ARRAY) return this.parsed(at, depth, into, "conditions");
    let valid: unknown;
    const end = this.array(at, depth, (item) => {
      if (valid !== undefined || this.body[item] !== OPEN_OBJECT) return this.skip(item, depth + 1);
      let type: unknown;
      const itemEnd = this.object(item, depth + 1, TYPE_KEY, (index, memberAt) => {
        if (index < 0) return this.skip(memberAt, depth + 2);
        const holder: Record<string, unknown> = {};
        const memberEnd = this.parsed(memberAt, depth + 2, holder, "type");
        type = holder["type"];
        return memberEnd;
      });
      if (type === "Valid") valid = JSON.parse(this.text(item, itemEnd));
      return itemEnd;
    });
    into["conditions"] = valid === undefined ? [] : [valid];
    return end;
  }

  /**
   * Walks the object at `start`: `visit` gets the index of each key in `keys` (-1 for any
   * other key) and its value's start, and returns its end. Keys are matched on their bytes;
   * only a key with an escape is decoded.
   */
  private object(
    start: number,
    depth: number,
    keys: KeyTable,
    visit: (index: number, valueStart: number) => number,
  ): number {
    if (depth >= MAX_OBJECT_DEPTH) throw new TooDeep();
    const body = this.body;
    let i = this.space(start + 1);
    if (body[i] === CLOSE_OBJECT) return i + 1;
    for (;;) {
      if (body[i] !== QUOTE) throw new SyntaxError("expected a key");
      this.escaped = false;
      this.unicodeEscaped = false;
      const keyEnd = this.stringEnd(i);
      this.checkKey(i, keyEnd);
      const index = this.escaped
        ? keys.names.indexOf(JSON.parse(this.text(i, keyEnd)) as string)
        : this.keyIndex(i + 1, keyEnd - 1, keys);
      i = this.space(keyEnd);
      if (body[i] !== COLON) throw new SyntaxError("expected :");
      i = this.space(visit(index, this.space(i + 1)));
      const next = body[i];
      if (next === COMMA) i = this.space(i + 1);
      else if (next === CLOSE_OBJECT) return i + 1;
      else throw new SyntaxError("expected , or }");
    }
  }

  /** The index in `keys` of the key whose bytes (no escapes) are [from, to), or -1. */
  private keyIndex(from: number, to: number, keys: KeyTable): number {
    const body = this.body;
    const length = to - from;
    for (let k = 0; k < keys.bytes.length; k++) {
      const word = keys.bytes[k];
      if (word === undefined || word.length !== length) continue;
      let j = 0;
      while (j < length && body[from + j] === word[j]) j++;
      if (j === length) return k;
    }
    return -1;
  }

  /** Walks the array at `start`: `visit` gets each item's start and returns its end. */
  private array(start: number, depth: number, visit: (itemStart: number) => number): number {
    if (depth >= MAX_OBJECT_DEPTH) throw new TooDeep();
    const body = this.body;
    let i = this.space(start + 1);
    if (body[i] === CLOSE_ARRAY) return i + 1;
    for (;;) {
      i = this.space(visit(i));
      const next = body[i];
      if (next === COMMA) i = this.space(i + 1);
      else if (next === CLOSE_ARRAY) return i + 1;
      else throw new SyntaxError("expected , or ]");
    }
  }

  /**
   * The end of the JSON value at `start`, which sits at depth `depth` of the node, every
   * byte checked as JSON.parse would (strings, escapes, numbers, literals, commas and colons).
   * Iterative: the depth it may reach is bounded by MAX_OBJECT_DEPTH (TooDeep beyond).
   */
  private skip(start: number, depth: number): number {
    const body = this.body;
    const stack = this.stack;
    let open = 0;
    let i = this.space(start);
    for (;;) {
      // A value starts at i.
      let c = body[i];
      if (c === QUOTE) {
        i = this.stringEnd(i);
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth + open >= MAX_OBJECT_DEPTH) throw new TooDeep();
        stack[open++] = c;
        i = this.space(i + 1);
        if (body[i] === c + 2) {
          // `{}` or `[]`: CLOSE_OBJECT and CLOSE_ARRAY are two past their openers.
          open--;
          i++;
        } else {
          if (c === OPEN_OBJECT) i = this.memberKey(i);
          continue;
        }
      } else {
        i = this.literalEnd(i);
      }
      // After a value: close what ends here, then the next member or item.
      for (;;) {
        if (open === 0) return i;
        i = this.space(i);
        c = body[i];
        const top = stack[open - 1] ?? 0;
        if (c === COMMA) {
          i = this.space(i + 1);
          if (top === OPEN_OBJECT) i = this.memberKey(i);
          break;
        }
        if (c !== top + 2) throw new SyntaxError("expected , or a closing bracket");
        open--;
        i++;
      }
    }
  }

  /** A member's key and colon at `i`; returns the start of its value. */
  private memberKey(i: number): number {
    if (this.body[i] !== QUOTE) throw new SyntaxError("expected a key");
    this.escaped = false;
    this.unicodeEscaped = false;
    const keyEnd = this.stringEnd(i);
    this.checkKey(i, keyEnd);
    const end = this.space(keyEnd);
    if (this.body[end] !== COLON) throw new SyntaxError("expected :");
    return this.space(end + 1);
  }

  /**
   * Marks the node suspect if the key string at [start, end) is `__proto__` or
   * `constructor` (isPoisonedKey), or holds a \u escape, which could spell one (the other
   * escapes spell no letter; managedFields' keys hold `\"`). Only keys can poison
   * (removePoisonedKeys), so a node whose keys are all plain is judged on its projection.
   */
  private checkKey(start: number, end: number): void {
    if (this.unicodeEscaped) {
      this.suspect = true;
      return;
    }
    if (this.escaped) return;
    const length = end - start - 2;
    if (length !== 9 && length !== 11) return;
    const word = length === 9 ? PROTO : CONSTRUCTOR;
    const body = this.body;
    let j = 0;
    while (j < length && body[start + 1 + j] === word[j]) j++;
    if (j === length) this.suspect = true;
  }

  /** The end (after the closing quote) of the string at `start`, checked as JSON. */
  private stringEnd(start: number): number {
    const body = this.body;
    const length = body.length;
    let i = start + 1;
    for (;;) {
      while (i < length && PLAIN[body[i] ?? 0] === 1) i++;
      const c = body[i];
      if (c === QUOTE) return i + 1;
      if (c === undefined || c < 0x20) throw new SyntaxError("bad string");
      if (c === BACKSLASH) {
        this.escaped = true;
        const e = body[i + 1];
        if (e === 0x75) {
          this.unicodeEscaped = true;
          for (let k = i + 2; k < i + 6; k++) if (!isHex(body[k])) throw new SyntaxError("\\u");
          i += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i += 2;
        } else {
          throw new SyntaxError("bad escape");
        }
      } else {
        i++;
      }
    }
  }

  /** The end of the number, true, false or null at `start`, checked as JSON. */
  private literalEnd(start: number): number {
    const body = this.body;
    for (const word of WORDS) {
      if (body[start] === word[0]) {
        for (let k = 1; k < word.length; k++) {
          if (body[start + k] !== word[k]) throw new SyntaxError("bad literal");
        }
        return start + word.length;
      }
    }
    let i = start;
    if (body[i] === 0x2d) i++;
    if (body[i] === 0x30) i++;
    else if (isDigit(body[i])) while (isDigit(body[i])) i++;
    else throw new SyntaxError("expected a value");
    if (body[i] === 0x2e) {
      i++;
      if (!isDigit(body[i])) throw new SyntaxError("bad number");
      while (isDigit(body[i])) i++;
    }
    if (body[i] === 0x65 || body[i] === 0x45) {
      i++;
      if (body[i] === 0x2b || body[i] === 0x2d) i++;
      if (!isDigit(body[i])) throw new SyntaxError("bad number");
      while (isDigit(body[i])) i++;
    }
    return i;
  }

  private space(i: number): number {
    const body = this.body;
    for (;;) {
      const c = body[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return i;
    }
  }
}

/** Bytes that may stand in a JSON string as they are: all but controls, `"` and `\\`. */
const PLAIN = new Uint8Array(256).fill(1);
PLAIN.fill(0, 0, 0x20);
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;

/** The keys one level of a projection looks for, as strings and as bytes. */
interface KeyTable {
  readonly names: readonly string[];
  readonly bytes: readonly Buffer[];
}

function keyTable(names: readonly string[]): KeyTable {
  return { names, bytes: names.map((name) => Buffer.from(name, "latin1")) };
}

const TYPE_KEY = keyTable(["type"]);

/** A projection level as the scanner walks it: `keep` keys first, then the nested ones. */
interface Level {
  readonly keys: KeyTable;
  readonly keep: number;
  readonly nested: readonly (NodeProjection | typeof FIRST_VALID_CONDITION | undefined)[];
}

const levels = new WeakMap<NodeProjection, Level>();

function levelOf(projection: NodeProjection): Level {
  let level = levels.get(projection);
  if (level === undefined) {
    const nested = projection.nested ?? {};
    const nestedKeys = Object.keys(nested);
    level = {
      keys: keyTable([...projection.keep, ...nestedKeys]),
      keep: projection.keep.length,
      nested: nestedKeys.map((key) => nested[key]),
    };
    levels.set(projection, level);
  }
  return level;
}

const PROTO = Buffer.from("__proto__");
const CONSTRUCTOR = Buffer.from("constructor");
const WORDS = [Buffer.from("true"), Buffer.from("false"), Buffer.from("null")];

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return (
    c !== undefined &&
    ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
  );
}

/** The values in the order of `keys`, as projectRelatedNode's pick builds them. */
function ordered(
  values: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(values, key)) out[key] = values[key];
  return out;
}
