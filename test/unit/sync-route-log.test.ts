import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { observed, stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

/*
 * What POST /stellarnode/sync logs, through the HTTP API only (fastify.inject), with the
 * server's pino output captured: the "rollout decision" line at debug level.
 */

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

interface SyncBody {
  status: {
    peersHash?: string;
    rollout?: { templateHash?: string; appliedTemplateHash?: string };
    conditions: { type: string; status: string; reason: string }[];
  };
  children: KubeObject[];
}

const DEBUG = 20;
const INFO = 30;

type Server = Awaited<ReturnType<typeof testServer>>;

async function sync(
  server: Server,
  request: unknown,
): Promise<{ body: SyncBody; lines: LogLine[] }> {
  const before = server.logs.length;
  const reply = await server.app.inject({
    method: "POST",
    url: "/stellarnode/sync",
    payload: request as string,
  });
  assert.equal(reply.statusCode, 200, reply.body);
  const lines = server.logs
    .slice(before)
    .join("")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as LogLine);
  return { body: reply.json<SyncBody>(), lines };
}

const decisions = (lines: LogLine[]) => lines.filter((line) => line.msg === "rollout decision");
const reasonOf = (body: SyncBody, type: string) =>
  body.status.conditions.find((c) => c.type === type)?.reason;

const a = stellarNode("validator-a");
const group = { related: [a, stellarNode("validator-b"), stellarNode("validator-c")] };

describe("POST /stellarnode/sync with LOG_LEVEL=debug", () => {
  let server: Server;
  before(async () => {
    server = await testServer({ LOG_LEVEL: "debug" });
  });
  after(async () => server.app.close());

  it("logs one rollout decision, at debug, naming the parent and the hashes it answered", async () => {
    const { body, lines } = await sync(server, syncRequest(a, group));
    const [decision, ...more] = decisions(lines);
    assert.ok(decision, "a rollout decision line");
    assert.deepEqual(more, []);
    assert.equal(decision.level, DEBUG);
    assert.equal(decision["parent"], "stellar/validator-a");
    assert.match(String(decision["desired"]), /^[0-9a-f]{12}$/);
    assert.equal(decision["desired"], body.status.rollout?.templateHash?.slice(0, 12));
    assert.equal(decision["applied"], body.status.rollout?.appliedTemplateHash?.slice(0, 12));
    assert.equal(decision["templateApplied"], reasonOf(body, "TemplateApplied"));
    // Nothing observed yet: no pod template to read a hash from.
    assert.equal(decision["observedTemplate"], undefined);
  });

  it("reads the observed pod template's hash on the next sync, and what changed in it", async () => {
    const first = await sync(server, syncRequest(a, group));
    const children = observed(first.body.children);
    const { body, lines } = await sync(server, syncRequest(a, { ...group, children }));
    const [decision] = decisions(lines);
    assert.ok(decision, "a rollout decision line");
    const hash = first.body.status.rollout?.templateHash;
    assert.ok(hash, "the first sync published its template's hash");
    assert.equal(decision["observedTemplate"], hash.slice(0, 12));
    assert.equal(decision["desired"], body.status.rollout?.templateHash?.slice(0, 12));
    assert.deepEqual(decision["changes"], []);
    const joined = await sync(
      server,
      syncRequest(a, { related: [...group.related, stellarNode("validator-d")], children }),
    );
    assert.deepEqual(decisions(joined.lines)[0]?.["changes"], ["Peers"]);
  });

  it("logs a refused spec at info, with its reason", async () => {
    const broken = stellarNode("validator-a", { validatorConfig: { quorumSet: "[[[" } });
    const { body, lines } = await sync(server, syncRequest(broken, group));
    const refused = lines.filter((line) => line.msg === "spec refused; observed children kept");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.level, INFO);
    assert.equal(refused[0]!["parent"], "stellar/validator-a");
    assert.equal(refused[0]!["reason"], reasonOf(body, "Valid"));
    assert.equal(refused[0]!["reason"], "InvalidQuorumSet");
  });
});

describe("POST /stellarnode/sync with LOG_LEVEL=info", () => {
  let server: Server;
  before(async () => {
    server = await testServer({ LOG_LEVEL: "info" });
  });
  after(async () => server.app.close());

  it("logs no rollout decision", async () => {
    const { lines } = await sync(server, syncRequest(a, group));
    assert.deepEqual(decisions(lines), []);
    assert.ok(lines.every((line) => line.level >= INFO));
  });
});
