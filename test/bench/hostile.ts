/**
 * `npm run bench -- --hostile`: peak memory and latency of the hook server for the worst
 * requests of issue 12, each against a fresh server with the default limits, on 127.0.0.1
 * only. A bounded load: a few requests per case. Prints a table; asserts nothing.
 */
import { Client } from "undici";
import { buildGroup, relatedJson, requestFor } from "./generate.js";
import { startServer } from "./server-runner.js";
import { bytes, ms, table } from "./stats.js";

const SYNC = "/stellarnode/sync";
/** A group whose request is near the hostile cases' 60 MB, as today's status shapes it. */
const REAL_GROUP_SIZE = 5000;
const PAIR_GROUP_SIZE = 3500;
const log = (text: string): void => void process.stderr.write(`[bench hostile] ${text}\n`);

interface CaseResult {
  name: string;
  statuses: string;
  latencyMs: number;
  peakRss: number;
  bodyBytes: number;
}

/** A request of about `megabytes` MB: a steady group plus a filler annotation on member 1. */
function bigRequest(megabytes: number, filler: string): string {
  const group = buildGroup({ n: 1000, statusPeers: "none" });
  const base = requestFor(group, 0, relatedJson(group));
  const missing = Math.max(0, megabytes * 1_000_000 - base.length);
  const marker = '"kubectl.kubernetes.io/last-applied-configuration":';
  const at = base.indexOf(marker, base.indexOf('"related"'));
  return `${base.slice(0, at)}"filler":${JSON.stringify(filler.repeat(Math.ceil(missing / filler.length)).slice(0, missing))},${base.slice(at)}`;
}

async function runCase(
  name: string,
  bodies: readonly string[],
  env: Record<string, string> = {},
): Promise<CaseResult> {
  const server = await startServer({ env });
  // One connection per body, so the bodies are really sent at once.
  const clients = bodies.map(
    () => new Client(server.origin, { bodyTimeout: 120_000, headersTimeout: 120_000 }),
  );
  const started = performance.now();
  const replies = await Promise.all(
    bodies.map(async (body, index) => {
      const response = await clients[index]!.request({
        path: SYNC,
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.body.arrayBuffer();
      return response.statusCode;
    }),
  );
  const latencyMs = performance.now() - started;
  const peakRss = server.peakRssBytes();
  await Promise.all(clients.map((client) => client.close()));
  await server.stop();
  return {
    name,
    statuses: replies.join(", "),
    latencyMs,
    peakRss,
    bodyBytes: bodies.reduce((sum, body) => sum + body.length, 0),
  };
}

export async function hostileBench(): Promise<void> {
  log("building requests");
  const plain = bigRequest(60, "x");
  const constructorText = bigRequest(60, "constructor ");
  const poisoned = plain.replace('"filler":', '"labels":{"__proto__":"x"},"filler":');
  const small = JSON.parse(requestFor(buildGroup({ n: 3, statusPeers: "none" }), 0, "{}")) as {
    parent: { spec: { validatorConfig: { quorumSet: string } } };
  };
  small.parent.spec.validatorConfig.quorumSet = `[QUORUM_SET.${Array.from({ length: 999 }, (_, i) => `k${i}`).join(".")}]\n`;
  const deepQuorum = JSON.stringify(small);
  // Every byte a real member: the request a member of a group this large sends, each status
  // with its capped peers list. The filler cases above are mostly bytes the lean reader skips.
  const realGroup = buildGroup({ n: REAL_GROUP_SIZE, statusPeers: "capped" });
  const real = requestFor(realGroup, 1, relatedJson(realGroup));
  // Two requests the in-flight budget admits together: the most a replica holds at once.
  const pairGroup = buildGroup({ n: PAIR_GROUP_SIZE, statusPeers: "capped" });
  const pairRelated = relatedJson(pairGroup);
  const pair = [requestFor(pairGroup, 1, pairRelated), requestFor(pairGroup, 2, pairRelated)];
  const results: CaseResult[] = [];
  const cases: [string, string[]][] = [
    ["one 60 MB request", [plain]],
    ["two 60 MB requests at once", [plain, plain]],
    ["60 MB, 'constructor' in one node's annotation", [constructorText]],
    ["two such requests at once", [constructorText, constructorText]],
    ["60 MB, a __proto__ key in one related node", [poisoned]],
    ["quorumSet with a 999-level dotted key", [deepQuorum]],
    [`a group of ${REAL_GROUP_SIZE.toLocaleString("en")}, capped status.peers`, [real]],
    [`two members of a group of ${PAIR_GROUP_SIZE.toLocaleString("en")} at once`, pair],
  ];
  for (const [name, bodies] of cases) {
    log(name);
    results.push(await runCase(name, bodies));
  }
  process.stdout.write(
    `\nHostile requests (fresh server per case, default BODY_LIMIT and INFLIGHT_BODY_BUDGET)\n${table(
      ["case", "body bytes", "HTTP status", "wall time", "peak RSS"],
      results.map((r) => [
        r.name,
        bytes(r.bodyBytes),
        r.statuses,
        ms(r.latencyMs),
        bytes(r.peakRss),
      ]),
    )}\n`,
  );
}
