import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import {
  parseDomainsQuality,
  parseValidators,
} from "../../hooks/stellar/core-checks/automatic-quorum.js";
import {
  checkCoreConfig,
  type CoreConfigSummary,
} from "../../hooks/stellar/core-checks/check-core-config.js";
import { findClosestVBlocking } from "../../hooks/stellar/core-checks/closest-v-blocking.js";
import { generateQuorumSet } from "../../hooks/stellar/core-checks/generate-quorum-set.js";
import { NodeNames } from "../../hooks/stellar/core-checks/node-names.js";
import { normalizeQSet } from "../../hooks/stellar/core-checks/normalize-qset.js";
import { isQuorumSetSane } from "../../hooks/stellar/core-checks/quorum-set-sane.js";
import { quorumSetText } from "../../hooks/stellar/core-checks/quorum-set-text.js";
import { loadQset, type QuorumSet } from "../../hooks/stellar/core-checks/quorum-set-tree.js";
import { addSelfToValidators } from "../../hooks/stellar/core-checks/self-validator.js";

interface Row {
  name: string;
  source: string;
  own: boolean;
  base: boolean;
  template?: string;
  params: Record<string, string>;
  toml?: string;
  extraToml?: string;
  nesting?: number;
  integersAsBigInt: boolean;
  selfPublicKey?: string;
  verdict: "accept" | "refuse";
  family?: string;
  message?: string;
  summary: Partial<CoreConfigSummary>;
}

interface Table {
  base: string;
  keys: Record<string, string>;
  templates: Record<string, string>;
  rows: Row[];
}

function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), what);
  return value as Record<string, unknown>;
}

function strings(value: unknown, what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(record(value ?? {}, what))) {
    assert.equal(typeof item, "string", `${what}.${key}`);
    result[key] = String(item);
  }
  return result;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  assert.equal(typeof value, "string", what);
  return String(value);
}

function readTable(): Table {
  const text = readFileSync(
    new URL("../fixtures/quorum-conformance.yaml", import.meta.url),
    "utf8",
  );
  const table = record(parseYaml(text), "table");
  const rows = table["rows"];
  assert.ok(Array.isArray(rows), "rows");
  return {
    base: String(table["base"]),
    keys: strings(table["keys"], "keys"),
    templates: strings(table["templates"], "templates"),
    rows: rows.map((raw: unknown, index): Row => {
      const row = record(raw, `row ${index}`);
      const where = `row ${index} (${String(row["name"])})`;
      assert.ok(row["verdict"] === "accept" || row["verdict"] === "refuse", `${where}: verdict`);
      const nesting = row["nesting"];
      assert.ok(nesting === undefined || typeof nesting === "number", `${where}: nesting`);
      const summary: Partial<CoreConfigSummary> = {};
      for (const [key, value] of Object.entries(record(row["summary"] ?? {}, where))) {
        assert.equal(typeof value, "number", `${where}: summary.${key}`);
        Object.assign(summary, { [key]: value });
      }
      return {
        name: String(row["name"]),
        source: String(row["source"]),
        own: row["own"] === true,
        base: row["base"] !== false,
        template: optionalString(row["template"], `${where}: template`),
        params: strings(row["params"], `${where}: params`),
        toml: optionalString(row["toml"], `${where}: toml`),
        extraToml: optionalString(row["extraToml"], `${where}: extraToml`),
        nesting,
        integersAsBigInt: row["integersAsBigInt"] === true,
        selfPublicKey: optionalString(row["selfPublicKey"], `${where}: selfPublicKey`),
        verdict: row["verdict"],
        family: optionalString(row["family"], `${where}: family`),
        message: optionalString(row["message"], `${where}: message`),
        summary,
      };
    }),
  };
}

const TABLE = readTable();

/** `{NAME}` from the row's params, a `template:<name>` param, or the key list. */
function substitute(text: string, params: Record<string, string>): string {
  return text.replace(/\{([A-Z][A-Z0-9_]*)\}/g, (_match, name: string) => {
    const param = params[name];
    if (param !== undefined) {
      if (!param.startsWith("template:")) return param;
      const template = TABLE.templates[param.slice("template:".length)];
      assert.ok(template !== undefined, `unknown template in ${param}`);
      return substitute(template, params);
    }
    const key = TABLE.keys[name];
    assert.ok(key !== undefined, `unknown placeholder {${name}}`);
    return key;
  });
}

/** ConfigTests.cpp:481-512: UNSAFE_QUORUM=true, then one template per level down to `depth`. */
function nestingConfig(depth: number): string {
  const template = TABLE.templates["nestingLevel"];
  assert.ok(template !== undefined);
  let config = "UNSAFE_QUORUM=true\n";
  for (let level = 0; level <= depth; level++) {
    config += substitute(template, {
      PATH: ".1".repeat(level),
      KEY_A: `{N${level * 2}}`,
      NAME_A: String.fromCharCode(65 + level * 2),
      KEY_B: `{N${level * 2 + 1}}`,
      NAME_B: String.fromCharCode(65 + level * 2 + 1),
    });
  }
  return substitute(config, {});
}

/** The row's TOML pieces, each parsed alone, their top-level keys laid over the base's. */
function documentOf(row: Row): Record<string, unknown> {
  const pieces: string[] = [];
  if (row.base) pieces.push(TABLE.base);
  if (row.template !== undefined) {
    const template = TABLE.templates[row.template];
    assert.ok(template !== undefined, `unknown template ${row.template}`);
    pieces.push(template);
  }
  if (row.toml !== undefined) pieces.push(row.toml);
  if (row.extraToml !== undefined) pieces.push(row.extraToml);
  if (row.nesting !== undefined) pieces.push(nestingConfig(row.nesting));
  const document: Record<string, unknown> = {};
  for (const piece of pieces) {
    const text = substitute(piece, row.params);
    Object.assign(
      document,
      row.integersAsBigInt ? parseToml(text, { integersAsBigInt: true }) : parseToml(text),
    );
  }
  return document;
}

describe("stellar-core config conformance table (test/fixtures/quorum-conformance.yaml)", () => {
  it("has at least 25 rows, 15 of them stellar-core's own, each naming its source", () => {
    assert.ok(TABLE.rows.length >= 25, `${TABLE.rows.length} rows`);
    const own = TABLE.rows.filter((row) => row.own);
    assert.ok(own.length >= 15, `${own.length} own rows`);
    for (const row of own) assert.match(row.source, /(\.cpp|\.cfg):\d+/, row.name);
    for (const row of TABLE.rows) assert.match(row.source, /\w/, row.name);
  });

  for (const row of TABLE.rows) {
    it(`${row.verdict}s: ${row.name} [${row.source}]`, () => {
      const selfPublicKey =
        row.selfPublicKey === undefined ? undefined : substitute(row.selfPublicKey, {});
      const verdict = checkCoreConfig(documentOf(row), { selfPublicKey });
      if (row.verdict === "accept") {
        assert.ok(verdict.accepted, JSON.stringify(verdict, undefined, 2));
        for (const [key, value] of Object.entries(row.summary)) {
          assert.equal(verdict.summary[key as keyof CoreConfigSummary], value, `summary.${key}`);
        }
        return;
      }
      assert.ok(!verdict.accepted, `expected a refusal, got ${JSON.stringify(verdict)}`);
      const fragment = substitute(row.message ?? "", {});
      assert.ok(
        verdict.refusals.some(
          (refusal) => refusal.family === row.family && refusal.message.includes(fragment),
        ),
        `expected ${row.family} "${fragment}", got ${JSON.stringify(verdict.refusals, undefined, 2)}`,
      );
      for (const refusal of verdict.refusals) {
        assert.match(refusal.message, / \([A-Za-z:, ]+\)$/, "a message ends with its origin");
      }
    });
  }
});

/** Stand-ins for NodeIDs, in base32-digit order of i: enough for the quorum-set algorithms. */
const node = (i: number) => {
  const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return `G${digits.charAt(Math.floor(i / 1024) % 32)}${digits.charAt(Math.floor(i / 32) % 32)}${digits.charAt(i % 32)}`;
};
const set = (threshold: number, validators: number[], innerSets: QuorumSet[] = []): QuorumSet => ({
  threshold,
  validators: validators.map(node),
  innerSets,
});

describe("LocalNode::findClosestVBlocking", () => {
  // src/scp/test/SCPTests.cpp:671-759, "v blocking distance".
  it("gives stellar-core's distances", () => {
    const check = (qset: QuorumSet, good: number[], expected: number) =>
      assert.equal(findClosestVBlocking(qset, new Set(good.map(node))).length, expected);
    let qset = set(2, [0, 1, 2]);
    check(qset, [0], 0);
    check(qset, [0, 1], 1);
    check(qset, [0, 1, 2], 2);
    const sub1 = set(1, [3, 4, 5]);
    qset = { ...qset, innerSets: [sub1] };
    check(qset, [0, 1, 2, 3], 3);
    check(qset, [0, 1, 2, 3, 4], 3);
    qset = { ...qset, threshold: 1 };
    check(qset, [0, 1, 2, 3, 4], 5);
    check(qset, [0, 1, 2, 3, 4, 5], 6);
    qset = { ...qset, innerSets: [sub1, set(2, [6, 7])] };
    check(qset, [0, 1, 2, 3, 4, 5], 6);
    check(qset, [0, 1, 2, 3, 4, 5, 6], 6);
    check(qset, [0, 1, 2, 3, 4, 5, 6, 7], 7);
    check({ ...qset, threshold: 4 }, [0, 1, 2, 3, 4, 5, 6, 7], 2);
    check({ ...qset, threshold: 3 }, [0, 1, 2, 3, 4, 5, 6, 7], 3);
    check({ ...qset, threshold: 2 }, [0, 1, 2, 3, 4, 5, 6, 7], 4);
  });
});

describe("Config::loadQset threshold", () => {
  const keys = Object.values(TABLE.keys);
  const thresholdOf = (entries: number, percent?: number) => {
    const table: Record<string, unknown> = { VALIDATORS: keys.slice(0, entries) };
    if (percent !== undefined) table["THRESHOLD_PERCENT"] = percent;
    return loadQset(table, new NodeNames()).threshold;
  };

  it("rounds n * percent / 100 up, as 1 + (n * percent - 1) / 100", () => {
    const cases: [entries: number, percent: number | undefined, threshold: number][] = [
      [2, 50, 1], // ConfigTests.cpp:486, nesting level 0
      [3, 50, 2], // ConfigTests.cpp:486, two validators and an inner set
      [1, 100, 1], // ConfigTests.cpp:545
      [3, 67, 3],
      [4, 67, 3],
      [4, undefined, 3], // THRESHOLD_PERCENT defaults to 67
      [3, 66, 2],
      [5, 66, 4],
      [7, 60, 5],
      [7, 66, 5],
      [10, 67, 7],
      [6, 51, 4],
      [30, 1, 1],
      [30, 100, 30],
    ];
    for (const [entries, percent, threshold] of cases) {
      assert.equal(thresholdOf(entries, percent), threshold, `${entries} at ${percent}%`);
    }
  });

  it("takes an integral float for an integer unless integers arrive as bigint", () => {
    const table = (percent: unknown) => ({
      THRESHOLD_PERCENT: percent,
      VALIDATORS: keys.slice(0, 4),
    });
    // smol-toml's default parse: `67.0` and `67` are both 67.
    assert.equal(loadQset(table(67), new NodeNames(), false).threshold, 3);
    // integersAsBigInt: `67` is 67n and `67.0` is 67, a float cpptoml refuses.
    assert.equal(loadQset(table(67n), new NodeNames(), true).threshold, 3);
    assert.throws(() => loadQset(table(67), new NodeNames(), true), /invalid THRESHOLD_PERCENT/);
  });

  it("counts inner sets as entries", () => {
    const qset = loadQset(
      {
        THRESHOLD_PERCENT: 50,
        VALIDATORS: keys.slice(0, 2),
        inner: { VALIDATORS: keys.slice(2, 3) },
      },
      new NodeNames(),
    );
    assert.equal(qset.threshold, 2);
    assert.equal(qset.innerSets[0]?.threshold, 1);
  });
});

describe("isQuorumSetSane and normalizeQSet", () => {
  // src/scp/test/QuorumSetTests.cpp:17-249, "sane quorum set" (extra checks off).
  const check = (qset: QuorumSet, sane: boolean, normalized: QuorumSet) => {
    assert.equal(isQuorumSetSane(qset, false).sane, sane);
    assert.deepEqual(normalizeQSet(qset), normalized);
  };
  const singleton = (i: number) => set(1, [i]);
  /** { t: 1, v0, { t: 1, v1, { ... { t: 1, v_depth } } } } */
  const nest = (depth: number, first = 0): QuorumSet =>
    depth === 0
      ? singleton(first)
      : { ...singleton(first), innerSets: [nest(depth - 1, first + 1)] };

  it("gives stellar-core's verdicts and normal forms", () => {
    check(set(0, []), false, set(0, []));
    check(set(0, [0]), false, set(0, [0]));
    check(set(2, [0]), false, set(2, [0]));
    check(singleton(0), true, singleton(0));
    check(set(1, [0], [singleton(1)]), true, set(1, [0, 1]));
    check(set(1, [0], [set(2, [1]), singleton(2)]), false, set(1, [0, 2], [set(2, [1])]));
    const multiple = set(1, [0], [singleton(1), set(1, [2, 3])]);
    const multipleNormalized = set(1, [0, 1], [set(1, [2, 3])]);
    check(multiple, true, multipleNormalized);
    check(set(1, [], [multiple]), true, multipleNormalized);
    check(
      set(1, [0], [set(1, [1], [set(1, [2], [singleton(3)])])]),
      true,
      set(1, [0], [set(1, [1], [set(1, [2, 3])])]),
    );
    const all = Array.from({ length: 1001 }, (_, i) => i);
    check(set(1, all.slice(0, 1000)), true, set(1, all.slice(0, 1000)));
    check(set(1, all), false, set(1, all));
    const tenGroups = set(
      1,
      [0],
      Array.from({ length: 10 }, (_, g) => set(1, all.slice(g * 100 + 1, (g + 1) * 100 + 1))),
    );
    assert.equal(isQuorumSetSane(tenGroups, false).sane, false);
  });

  it("allows MAXIMUM_QUORUM_NESTING_LEVEL (4) levels below the top, not 5", () => {
    assert.equal(isQuorumSetSane(nest(4), false).sane, true);
    assert.deepEqual(isQuorumSetSane(nest(5), false), {
      sane: false,
      error: "Maximum quorum nesting level exceeded",
    });
  });

  it("asks for more than half at every level with the extra checks", () => {
    assert.equal(isQuorumSetSane(set(2, [0, 1, 2, 3]), true).sane, false);
    assert.equal(isQuorumSetSane(set(3, [0, 1, 2, 3]), true).sane, true);
    assert.equal(isQuorumSetSane(set(2, [0, 1, 2, 3]), false).sane, true);
  });
});

describe("Config::generateQuorumSet", () => {
  // src/main/test/ConfigTests.cpp:151-220: the set generated for
  // docs/stellar-core_example_validators.cfg, in Config::toString's short names.
  it("generates ConfigTests.cpp's set for stellar-core_example_validators.cfg", () => {
    const row = TABLE.rows.find((candidate) => candidate.name.startsWith("load validators config"));
    assert.ok(row !== undefined);
    const document = documentOf(row);
    const names = new NodeNames();
    const selfKey = substitute("{SELF_A3}", {});
    names.addValidatorName(selfKey, "a3", { family: "InvalidValidators", origin: "test" });
    const domains = parseDomainsQuality(document["HOME_DOMAINS"]);
    const validators = addSelfToValidators(
      parseValidators(document["VALIDATORS"], domains, names, new Map()),
      domains,
      "domainA",
      selfKey,
    );
    const expected = {
      t: 4,
      v: [
        {
          t: 3,
          v: [
            {
              t: 4,
              v: [
                "i1",
                "j1",
                { t: 3, v: ["h1", "f1", "g1", { t: 2, v: ["e1", "e2", "e3"] }] },
                { t: 2, v: ["d2", "d1"] },
                { t: 2, v: ["c2", "c1"] },
              ],
            },
            { t: 2, v: ["K1", "K2", "K3"] },
            { t: 2, v: ["a2", "a3", "a1"] },
            { t: 2, v: ["b1", "b2", "b3"] },
          ],
        },
        { t: 2, v: ["N3", "N1", "N2"] },
        { t: 2, v: ["L3", "L1", "L2"] },
        { t: 2, v: ["M1", "M2", "M3"] },
      ],
    };
    assert.equal(
      quorumSetText(generateQuorumSet(validators), (key) => names.shortName(key), false),
      JSON.stringify(expected),
    );
  });
});

describe("the stand-in for this node's key", () => {
  // Four MEDIUM organizations of one validator, this node one of them, and a [QUORUM_SET]
  // written as exactly the set they generate: { t 3: the four keys in byte order }.
  const config = substitute(
    [
      'NODE_IS_VALIDATOR = true\nNODE_HOME_DOMAIN = "self.example"',
      '[[HOME_DOMAINS]]\nHOME_DOMAIN = "self.example"\nQUALITY = "MEDIUM"',
      ...[
        ["two", "two.example", "T2"],
        ["three", "three.example", "T3"],
        ["a1", "a.example", "A1"],
      ].map(
        ([name, domain, key]) =>
          `[[VALIDATORS]]\nNAME = "${name}"\nHOME_DOMAIN = "${domain}"\nQUALITY = "MEDIUM"\nPUBLIC_KEY = "{${key}}"\nHISTORY = "curl ${name}"`,
      ),
      '[QUORUM_SET]\nVALIDATORS = ["$two", "$three", "{T1}", "$a1"]',
    ].join("\n"),
    {},
  );
  const self = substitute("{T1}", {});

  it("is all the [QUORUM_SET]-versus-[[VALIDATORS]] rule needs the real key for", () => {
    assert.deepEqual(checkCoreConfig(parseToml(config), { selfPublicKey: self }), {
      accepted: true,
      summary: {
        topLevelEntries: 4,
        threshold: 3,
        failureSafety: 1,
        vBlockingSize: 2,
        validators: 4,
        // [[VALIDATORS]] HISTORY archives are get-only.
        writableArchives: 0,
        // Catchup reads get-only archives first (selectRandomReadableHistoryArchive).
        catchupArchives: ["two", "three", "a1"],
      },
    });
    const unknown = checkCoreConfig(parseToml(config));
    assert.ok(!unknown.accepted);
    assert.match(unknown.refusals[0]?.message ?? "", /public key is not known here/);
  });

  it("does not change the verdict of the automatic form", () => {
    const automatic = parseToml(config);
    delete automatic["QUORUM_SET"];
    const withKey = checkCoreConfig(automatic, { selfPublicKey: self });
    assert.deepEqual(withKey, checkCoreConfig(automatic));
    assert.ok(withKey.accepted);
  });

  it("is ignored when it is not a public key", () => {
    const automatic = parseToml(config);
    delete automatic["QUORUM_SET"];
    assert.deepEqual(
      checkCoreConfig(automatic, { selfPublicKey: "not a key" }),
      checkCoreConfig(automatic),
    );
  });
});
