/**
 * Differential check for the optimised body parsing: sends the same bodies (the requests of
 * test/requests/, the benchmark's generated groups, and edge cases of JSON: duplicate and
 * escaped keys, whitespace, prototype poisoning, non-ASCII, malformed pieces) to the
 * current build and to a baseline build, and reports any difference in status or body.
 * Not part of npm test; run after changing hooks/http or projectRelatedNode:
 *
 *   npx tsx test/bench/check-same.ts BASELINE_DIR/hooks/main.js
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "undici";
import { buildGroup, relatedJson, requestMaker } from "./generate.js";
import { REPO_ROOT, startServer } from "./server-runner.js";

const baselineMain = process.argv[2];
if (baselineMain === undefined) {
  process.stderr.write("usage: tsx test/bench/check-same.ts BASELINE_DIR/hooks/main.js\n");
  process.exit(2);
}

const GROUP = '"StellarNode.stellar.org/v1alpha1"';
const request = (name: string): string =>
  readFileSync(join(REPO_ROOT, "test", "requests", name), "utf8");
const v2 = request("sync-v2.json");
const compact = JSON.stringify(JSON.parse(v2));

function bodies(): [string, string][] {
  const cases: [string, string][] = [
    ["sync-v2", v2],
    ["sync-v1", request("sync-v1.json")],
    ["sync-invalid-quorum", request("sync-invalid-quorum.json")],
    ["customize", request("customize.json")],
    ["compact", compact],
    ["no related", JSON.stringify({ ...JSON.parse(compact), related: undefined })],
    [
      "related null",
      compact.replace(/"related":\{.*\},"finalizing"/, '"related":null,"finalizing"'),
    ],
    [
      "group not an object",
      compact.replace(`${GROUP}:{`, `${GROUP}:[{`).replace(/\}\},"finalizing"/, '}]},"finalizing"'),
    ],
    ["entry a string", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":"text",`)],
    ["entry null", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":null,`)],
    ["entry array", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":[1,2],`)],
    [
      "empty group",
      compact.replace(
        /"StellarNode\.stellar\.org\/v1alpha1":\{.*\}\},"finalizing"/,
        `${GROUP}:{}},"finalizing"`,
      ),
    ],
    [
      "duplicate entry key",
      compact.replace(`${GROUP}:{`, `${GROUP}:{"stellar/validator-b":{"apiVersion":"x"},`),
    ],
    ["duplicate group key", compact.replace(`"related":{`, `"related":{${GROUP}:{},`)],
    ["duplicate related", compact.replace(`"finalizing":false`, `"finalizing":false,"related":{}`)],
    ["escaped key", compact.replace(`"related":`, `"rel\\u0061ted":`)],
    ["escaped group key", compact.replace(GROUP, '"StellarNode.stellar.org\\/v1alpha1"')],
    ["whitespace", JSON.stringify(JSON.parse(v2), null, "\t ").replace(/\n/g, " \r\n")],
    ["proto in entry", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":{"__proto__":{"a":1}},`)],
    [
      "escaped proto in entry",
      compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":{"\\u005f_proto__":{"a":1}},`),
    ],
    [
      "constructor in entry",
      compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":{"constructor":{"prototype":{}}},`),
    ],
    ["proto top level", compact.replace(`"finalizing":false`, `"finalizing":false,"__proto__":{}`)],
    ["non-ASCII", compact.replace('"version":"27.0.0"', '"version":"27.0.0","note":"héllo ✓ 𝄞"')],
    [
      "escaped quotes",
      compact.replace(
        '"version":"27.0.0"',
        '"version":"27.0.0","note":"a\\"}b\\\\","n2":"\\\\\\"{"',
      ),
    ],
    ["malformed entry", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":{"a":},`)],
    ["unterminated", compact.slice(0, compact.length - 3)],
    ["trailing garbage", `${compact} x`],
    ["trailing comma", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":{"a":1,},`)],
    ["number entry", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":12e3,`)],
    ["bad number", compact.replace(`${GROUP}:{`, `${GROUP}:{"x/y":12e,`)],
    ["not an object", "[1,2,3]"],
    ["empty", ""],
    ["BOM", `\uFEFF${compact}`],
    ["malformed", "{not json"],
  ];
  for (const statusPeers of ["capped", "full", "none"] as const) {
    for (const n of [3, 100, 400]) {
      const group = buildGroup({ n, statusPeers });
      const make = requestMaker(group, relatedJson(group));
      cases.push([`generated ${statusPeers} N=${n}`, make(1)]);
    }
  }
  return cases;
}

const env = { BODY_LIMIT: String(256 * 1024 * 1024) };
const [current, baseline] = await Promise.all([
  startServer({ env }),
  startServer({ env, main: baselineMain }),
]);
const clients = [new Client(current.origin), new Client(baseline.origin)];
const post = async (client: Client, path: string, body: string) => {
  const response = await client.request({
    path,
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body,
  });
  return { status: response.statusCode, body: await response.body.text() };
};
/**
 * The clock sets lastTransitionTime and the `...Since` times (a joining validator's
 * quorum.joiningSince): compare without them, or two answers a second apart differ.
 */
const normalise = (text: string): string =>
  text.replace(/"(lastTransitionTime|[A-Za-z]+Since)":"[^"]*"/g, '"$1":"-"');
let differences = 0;
for (const [name, body] of bodies()) {
  const path = name === "customize" ? "/stellarnode/customize" : "/stellarnode/sync";
  const [a, b] = await Promise.all(clients.map((client) => post(client, path, body)));
  const same = a!.status === b!.status && normalise(a!.body) === normalise(b!.body);
  if (!same) differences++;
  process.stdout.write(
    `${same ? "same" : "DIFFERENT"}  ${String(a!.status).padEnd(4)} ${name}${same ? "" : `\n  current:  ${a!.body.slice(0, 300)}\n  baseline: ${b!.body.slice(0, 300)}`}\n`,
  );
}
for (const client of clients) await client.close();
await Promise.all([current.stop(), baseline.stop()]);
process.stdout.write(differences === 0 ? "no differences\n" : `${differences} difference(s)\n`);
process.exit(differences === 0 ? 0 : 1);
