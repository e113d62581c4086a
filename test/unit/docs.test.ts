import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { stellarNodeCrd } from "../../hooks/generate/crd.js";
import { headingAnchor } from "../../hooks/generate/reference.js";
import { REFUSAL_REASONS } from "../../hooks/sync/refusal-reasons.js";
import { freePort } from "../support/free-port.js";

const REPO = new URL("../../", import.meta.url).pathname;
const read = (file: string): string => readFileSync(join(REPO, file), "utf8");

/** The user documentation: README.md and every page of docs/. */
const USER_DOCS = [
  "README.md",
  ...readdirSync(join(REPO, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
];
const ALL_DOCS = [...USER_DOCS, "CONTRIBUTING.md", "test/e2e/cluster/README.md"];

interface Fence {
  lang: string;
  body: string;
  /** The text between the previous fence (or the start) and this one. */
  before: string;
}

function fences(text: string): Fence[] {
  const out: Fence[] = [];
  const pattern = /^```(\S*)\n([\s\S]*?)^```$/gm;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    out.push({ lang: match[1] ?? "", body: match[2] ?? "", before: text.slice(last, match.index) });
    last = (match.index ?? 0) + match[0].length;
  }
  return out;
}

/**
 * A curl example is a `sh` block that calls the hook server (localhost:8080, as `npm start`
 * listens), followed by `<!-- output: STATUS -->` and a block with the answer as shown.
 */
interface CurlExample {
  doc: string;
  command: string;
  status: number;
  output: string;
}

function curlExamples(doc: string): CurlExample[] {
  const blocks = fences(read(doc));
  const out: CurlExample[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== "sh" || !/\bcurl\b/.test(block.body)) return;
    const next = blocks[i + 1];
    const marker = next?.before.match(/^\s*<!-- output: (\d{3}) -->\s*$/);
    assert.ok(
      next && marker,
      `${doc}: the curl example\n${block.body}shows no answer (<!-- output: STATUS --> and a block)`,
    );
    assert.equal(
      block.body.match(/\bcurl\b/g)?.length,
      1,
      `${doc}: one curl per example, so its answer is unambiguous:\n${block.body}`,
    );
    out.push({ doc, command: block.body, status: Number(marker[1]), output: next.body });
  });
  return out;
}

describe("the docs' curl examples, against the server npm start runs", () => {
  let server: ChildProcess | undefined;
  let port = 0;
  let dir = "";

  before(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), "stellar-peers-docs-"));
    // hooks/main.ts is what `npm start` runs (compiled); a clean environment, as a reader's.
    server = spawn(process.execPath, ["--import", "tsx", "hooks/main.ts"], {
      cwd: REPO,
      env: { PATH: process.env["PATH"] ?? "", PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = server;
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      started.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("stellar-peers hook server started")) resolve();
      });
      started.once("exit", (code) => reject(new Error(`the server exited (${code}): ${seen}`)));
    });
  });

  after(() => {
    server?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  const examples = USER_DOCS.flatMap(curlExamples);

  it("there are examples to run (README's quick start among them)", () => {
    assert.ok(examples.filter((example) => example.doc === "README.md").length >= 3);
  });

  for (const [i, example] of examples.entries()) {
    const first = (example.command.split("\n")[0] ?? "").replace(/\s*\\$/, "");
    it(`${example.doc}: ${first}`, () => {
      assert.match(example.command, /localhost:8080/, "examples call the server npm start runs");
      const headers = join(dir, `headers-${i}`);
      const script = [
        "set -euo pipefail",
        // Records the status line; the command runs exactly as the docs show it.
        `curl() { command curl -D ${JSON.stringify(headers)} "$@"; }`,
        example.command.replaceAll("localhost:8080", `127.0.0.1:${port}`),
      ].join("\n");
      const stdout = execFileSync("bash", ["-c", script], { cwd: REPO, encoding: "utf8" });
      const status = readFileSync(headers, "utf8").match(/^HTTP\/[\d.]+ (\d{3})/)?.[1];
      assert.equal(Number(status), example.status, "status code");
      assert.equal(stdout.replace(/\n$/, ""), example.output.replace(/\n$/, ""));
    });
  }
});

describe("the docs' overlays render with kubectl kustomize", () => {
  const paths = new Set<string>();
  for (const doc of ALL_DOCS) {
    for (const block of fences(read(doc))) {
      for (const match of block.body.matchAll(
        /kubectl (?:apply|delete) -k (\S+)|kubectl kustomize (\S+)/g,
      )) {
        const path = (match[1] ?? match[2] ?? "").replace(/^'|'$/g, "");
        if (/^[a-z]+:\/\//.test(path) || path.startsWith("<")) continue;
        paths.add(normalize(path));
      }
    }
  }

  it("the README's install and examples are among them", () => {
    assert.ok(paths.has("manifests/"), [...paths].join(", "));
    assert.ok(paths.has("manifests/examples/"));
  });

  for (const path of paths) {
    it(path, () => {
      const rendered = execFileSync("kubectl", ["kustomize", path], {
        cwd: REPO,
        encoding: "utf8",
      });
      assert.match(rendered, /^kind: /m);
    });
  }
});

/** The text outside fenced blocks, where links and headings are. */
const prose = (file: string): string => read(file).replace(/^```[\s\S]*?^```$/gm, "");

describe("the docs' links", () => {
  const anchors = (file: string): string[] =>
    prose(file)
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => headingAnchor(line.replace(/^#+ /, "")));

  for (const doc of ALL_DOCS) {
    it(`${doc}: every local link names a file that exists, and a heading that does`, () => {
      for (const [, target = ""] of prose(doc)
        .replace(/`[^`\n]*`/g, "")
        .matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file = "", anchor] = target.split("#");
        const resolved = file === "" ? doc : normalize(join(dirname(doc), file));
        assert.ok(existsSync(join(REPO, resolved)), `${doc} links ${target}: no ${resolved}`);
        if (anchor !== undefined && resolved.endsWith(".md")) {
          assert.ok(anchors(resolved).includes(anchor), `${doc} links ${target}: no such heading`);
        }
      }
    });
  }

  it("the README links every page of docs/", () => {
    const readme = read("README.md");
    for (const page of USER_DOCS.filter((doc) => doc !== "README.md")) {
      assert.ok(readme.includes(`](${page})`), `README.md does not link ${page}`);
    }
  });
});

describe("docs/troubleshooting.md", () => {
  const page = read("docs/troubleshooting.md");

  it("explains every reason a condition or a rollout wait can carry, as the code names it", () => {
    const sources = ["hooks/sync", "hooks/rollout"].flatMap((dir) =>
      readdirSync(join(REPO, dir))
        .filter((file) => file.endsWith(".ts"))
        .map((file) => read(`${dir}/${file}`)),
    );
    const reasons = new Set<string>(REFUSAL_REASONS);
    for (const source of sources) {
      for (const [, reason = ""] of source.matchAll(/reason: "([A-Za-z]+)"/g)) reasons.add(reason);
    }
    // rollout-step.ts names TemplateApplied's reason `${change}Changed`.
    for (const change of ["Image", "Config", "Peers", "Template"]) reasons.add(`${change}Changed`);
    assert.ok(reasons.size > 20, [...reasons].join(", "));
    for (const reason of reasons) assert.ok(page.includes(`\`${reason}\``), reason);
  });
});

describe("the docs' StellarNodes", () => {
  const version = (stellarNodeCrd()["spec"] as { versions: Record<string, unknown>[] }).versions[0];
  const schema = (version?.["schema"] as { openAPIV3Schema: object }).openAPIV3Schema;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const nodes = USER_DOCS.flatMap((doc) =>
    fences(read(doc))
      .filter((block) => block.lang === "yaml" && /^kind: StellarNode$/m.test(block.body))
      .map((block) => ({ doc, node: parse(block.body) as unknown })),
  );

  it("the README and writing-a-stellarnode.md show one", () => {
    const docs = nodes.map(({ doc }) => doc);
    assert.ok(docs.includes("README.md") && docs.includes("docs/writing-a-stellarnode.md"));
  });

  for (const [i, { doc, node }] of nodes.entries()) {
    it(`${doc} (${i}) fits the CRD's schema`, () => {
      assert.ok(validate(node), JSON.stringify(validate.errors));
    });
  }
});

describe("the docs' settings tables", () => {
  const variables = (source: string): string[] =>
    [...read(source).matchAll(/^\s+([A-Z][A-Z0-9_]{2,}): z\b/gm)].map(([, name = ""]) => name);

  for (const [source, page] of [
    ["hooks/config.ts", "docs/hook-server.md"],
    ["hooks/sidecar/config.ts", "docs/live-connect.md"],
  ] as const) {
    it(`${page} names every variable ${source} reads`, () => {
      const names = variables(source);
      assert.ok(names.length >= 8, names.join(", "));
      for (const name of names) assert.ok(read(page).includes(`\`${name}\``), name);
    });
  }
});
