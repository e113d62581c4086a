/**
 * `npm run test:image`: what the Dockerfile does, without a Docker engine. Each stage of
 * ./Dockerfile (and of examples/extending/Dockerfile, over the image it built) is repeated in
 * a clean temporary directory standing for its filesystem: WORKDIR, ENV and ARG as Docker
 * reads them, COPY from the build context (refusing what .dockerignore leaves out, as a build
 * would) or from an earlier stage, RUN in the stage's WORKDIR. Then each image's ENTRYPOINT
 * is started as a container would start it, and must serve: the hook server answers
 * /healthz and a sync, the LiveConnect sidecar starts from the same image, the extension
 * image runs its transform, and SIGTERM ends each with exit code 0.
 *
 * What it cannot repeat: the base image itself (this machine's Node.js stands for
 * node:<major>-bookworm-slim, and must have that major), USER (the files are ours) and the
 * target platform. `npm cache clean --force` is skipped: the cache is this machine's, and it
 * lets `npm ci` run offline. Slow (three `npm ci`, two builds): run by .ci/run, not npm test.
 * KEEP=1 keeps the temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/free-port.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** The instructions of a Dockerfile: comments dropped, continuation lines joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) return;
    if (pending === "") start = index + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const whole = (pending + line).trim();
    pending = "";
    const match = /^(\S+)\s*(.*)$/s.exec(whole);
    if (match) {
      instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: start });
    }
  });
  return instructions;
}

/** `.dockerignore` patterns as Docker matches them: from the context root, `*` within a name. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((pattern) => {
      const source = pattern
        .replace(/^\/+|\/+$/g, "")
        .split("/")
        .map((part) =>
          part === "**"
            ? ".*"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/");
      return new RegExp(`^${source}$`);
    });
  // A path is left out when it, or a directory above it, matches.
  return (path) => {
    const parts = path.split("/");
    return parts.some((_, i) => {
      const prefix = parts.slice(0, i + 1).join("/");
      return patterns.some((pattern) => pattern.test(prefix));
    });
  };
}

interface Image {
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
}

interface BuildOptions {
  dockerfile: string;
  context: string;
  buildArgs?: Record<string, string>;
  /** Images FROM may name, by reference. */
  images?: Record<string, Image>;
  work: string;
}

function log(message: string): void {
  process.stdout.write(`dockerfile-steps: ${message}\n`);
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? "";
    return vars[name] ?? whole;
  });
}

/** A fake `npm` first on PATH: `npm cache clean` would empty this machine's cache. */
function npmShim(work: string): string {
  const dir = join(work, "shim");
  mkdirSync(dir, { recursive: true });
  const npm = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
  writeFileSync(
    join(dir, "npm"),
    `#!/bin/sh
if [ "$1" = cache ] && [ "$2" = clean ]; then
  echo "dockerfile-steps: npm cache clean skipped (this machine's cache, not an image's)"
  exit 0
fi
exec "${npm}" "$@"
`,
  );
  chmodSync(join(dir, "npm"), 0o755);
  return dir;
}

/** Repeats a Dockerfile's stages; returns the last stage as an image. */
export function build(options: BuildOptions): Image {
  const instructions = parseDockerfile(readFileSync(options.dockerfile, "utf8"));
  const ignored = existsSync(join(options.context, ".dockerignore"))
    ? dockerignoreMatcher(readFileSync(join(options.context, ".dockerignore"), "utf8"))
    : () => false;
  const shim = npmShim(options.work);
  const globalArgs: Record<string, string> = { BUILDPLATFORM: "linux/build" };
  const stages: { name: string | undefined; image: Image }[] = [];
  let stage: Image | undefined;
  let args: Record<string, string> = {};
  const where = (i: Instruction) => `${relative(REPO, options.dockerfile)}:${i.line}`;

  for (const instruction of instructions) {
    const { keyword } = instruction;
    if (keyword === "ARG") {
      const [name = "", value] = instruction.args.split("=", 2);
      const given = options.buildArgs?.[name] ?? value ?? "";
      if (stage === undefined) globalArgs[name] = given;
      else args[name] = options.buildArgs?.[name] ?? globalArgs[name] ?? value ?? "";
      continue;
    }
    if (keyword === "FROM") {
      const words = substitute(instruction.args, globalArgs)
        .split(/\s+/)
        .filter((word) => !word.startsWith("--platform="));
      const [reference = "", as, name] = words;
      const stageName = as?.toUpperCase() === "AS" ? name : undefined;
      const root = join(options.work, `stage-${stages.length}-${stageName ?? "final"}`);
      const earlier =
        stages.find((s) => s.name === reference)?.image ?? options.images?.[reference];
      if (earlier) {
        cpSync(earlier.root, root, { recursive: true, verbatimSymlinks: true });
        stage = { ...earlier, root, env: { ...earlier.env } };
      } else {
        const node = /^node:(\d+)(?:[.-]|$)/.exec(reference);
        if (!node) throw new Error(`${where(instruction)}: cannot stand in for ${reference}`);
        const major = process.versions.node.split(".")[0];
        if (node[1] !== major) {
          throw new Error(
            `${where(instruction)}: ${reference} is Node.js ${node[1]}, this machine runs ${process.versions.node}`,
          );
        }
        mkdirSync(root, { recursive: true });
        stage = { root, workdir: "/", env: {}, entrypoint: [] };
      }
      stages.push({ name: stageName, image: stage });
      args = {};
      log(`${where(instruction)}: FROM ${reference}${stageName ? ` AS ${stageName}` : ""}`);
      continue;
    }
    if (stage === undefined) throw new Error(`${where(instruction)}: ${keyword} before FROM`);
    const current = stage;
    const vars = { ...globalArgs, ...args, ...current.env };
    const inImage = (path: string) =>
      join(current.root, posix.isAbsolute(path) ? path : posix.join(current.workdir, path));
    switch (keyword) {
      case "WORKDIR":
        current.workdir = posix.resolve(current.workdir, substitute(instruction.args, vars));
        mkdirSync(inImage("."), { recursive: true });
        break;
      case "ENV": {
        const match = /^(\w+)(?:=|\s+)(.*)$/.exec(instruction.args);
        if (!match) throw new Error(`${where(instruction)}: ENV ${instruction.args}`);
        current.env[match[1]!] = substitute(match[2]!.replace(/^"(.*)"$/, "$1"), vars);
        break;
      }
      case "COPY": {
        const words = substitute(instruction.args, vars).split(/\s+/);
        const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
        const paths = words.filter((w) => !w.startsWith("--"));
        const destination = paths.pop() ?? "";
        const source = from
          ? (stages.find((s) => s.name === from)?.image ?? options.images?.[from])
          : undefined;
        if (from && !source) throw new Error(`${where(instruction)}: no stage ${from}`);
        for (const path of paths) {
          const origin = source
            ? join(source.root, posix.isAbsolute(path) ? path : posix.join(source.workdir, path))
            : join(options.context, path);
          if (!source && ignored(posix.normalize(path))) {
            throw new Error(`${where(instruction)}: ${path} is left out by .dockerignore`);
          }
          if (!existsSync(origin)) throw new Error(`${where(instruction)}: no ${path}`);
          // A directory's contents go to the destination; files into it when it is a directory.
          const intoDirectory = destination.endsWith("/") || paths.length > 1;
          const target =
            statSync(origin).isDirectory() || !intoDirectory
              ? inImage(destination)
              : join(inImage(destination), posix.basename(path));
          mkdirSync(dirname(target), { recursive: true });
          cpSync(origin, target, {
            recursive: true,
            verbatimSymlinks: true,
            filter: (file) =>
              source !== undefined ||
              relative(options.context, file) === "" ||
              !ignored(relative(options.context, file)),
          });
        }
        log(`${where(instruction)}: COPY ${instruction.args}`);
        break;
      }
      case "RUN": {
        log(`${where(instruction)}: RUN ${instruction.args}`);
        const started = Date.now();
        const result = spawnSync("sh", ["-c", instruction.args], {
          cwd: inImage("."),
          stdio: "inherit",
          env: {
            ...process.env,
            ...current.env,
            PATH: `${shim}:${process.env["PATH"] ?? ""}`,
            // As in a fresh image, but from this machine's npm cache when it can.
            npm_config_prefer_offline: "true",
            npm_config_audit: "false",
            npm_config_fund: "false",
            npm_config_update_notifier: "false",
          },
        });
        if (result.status !== 0) {
          throw new Error(`${where(instruction)}: RUN failed (${result.status ?? result.signal})`);
        }
        log(`  ${((Date.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      case "ENTRYPOINT":
        current.entrypoint = JSON.parse(instruction.args) as string[];
        break;
      case "USER":
      case "EXPOSE":
      case "LABEL":
        break;
      default:
        throw new Error(`${where(instruction)}: ${keyword} is not repeated by this script`);
    }
  }
  if (stage === undefined) throw new Error(`${options.dockerfile}: no FROM`);
  return stage;
}

interface Container {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `command` (the ENTRYPOINT unless given) in the image, as a container would. */
function start(image: Image, env: Record<string, string>, command = image.entrypoint): Container {
  const [file = "", ...rest] = command;
  let output = "";
  // Only what the image sets and the container is given: nothing of this machine but PATH.
  const child = spawn(file, rest, {
    cwd: join(image.root, image.workdir),
    env: { PATH: process.env["PATH"] ?? "", ...image.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, output: () => output, exited };
}

async function waitForOk(url: string, container: Container): Promise<Response> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (container.child.exitCode !== null) break;
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered 200:\n${container.output()}`);
}

async function stopWithSigterm(container: Container, name: string): Promise<void> {
  container.child.kill("SIGTERM");
  const code = await Promise.race([
    container.exited,
    new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000)),
  ]);
  if (code !== 0) {
    container.child.kill("SIGKILL");
    throw new Error(`${name} exited ${code} on SIGTERM:\n${container.output()}`);
  }
  log(`${name}: SIGTERM, exit code 0`);
}

async function postSync(port: number, request: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/stellarnode/sync`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  if (response.status !== 200) {
    throw new Error(`sync answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

interface Child {
  kind: string;
  metadata: { labels?: Record<string, string> };
  spec?: { template?: { spec?: { nodeSelector?: Record<string, string> } } };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "stellar-peers-dockerfile-"));
  const containers: Container[] = [];
  try {
    log(`working in ${work}`);
    const hooks = build({ dockerfile: join(REPO, "Dockerfile"), context: REPO, work });
    const files = readdirSync(join(hooks.root, hooks.workdir)).sort();
    log(`the image's ${hooks.workdir}: ${files.join(" ")}`);
    const devOnly = ["typescript", "tsx", "eslint", "prettier"].filter((name) =>
      existsSync(join(hooks.root, hooks.workdir, "node_modules", name)),
    );
    if (devOnly.length > 0) throw new Error(`dev dependencies in the image: ${devOnly.join(" ")}`);

    // The hook server, as the Deployment starts it.
    const port = await freePort();
    const server = start(hooks, {
      PORT: String(port),
      HOST: "127.0.0.1",
      SHUTDOWN_GRACE_SECONDS: "1",
      SIDECAR_IMAGE: "stellar-peers:dockerfile-steps",
    });
    containers.push(server);
    await waitForOk(`http://127.0.0.1:${port}/healthz`, server);
    await waitForOk(`http://127.0.0.1:${port}/readyz`, server);
    const example = JSON.parse(readFileSync(join(REPO, "test/requests/sync-v2.json"), "utf8"));
    const synced = await postSync(port, example);
    const peers = (synced["status"] as { peers?: string[] }).peers ?? [];
    if (peers.length === 0) throw new Error(`the sync of sync-v2.json lists no peers`);
    log(`hook server: /healthz 200, /readyz 200, sync of sync-v2.json: ${peers.length} peers`);
    await stopWithSigterm(server, "hook server");

    // The LiveConnect sidecar, from the same image.
    const peersFile = join(work, "KNOWN_PEERS");
    writeFileSync(peersFile, "[]\n");
    const metricsPort = await freePort();
    const sidecar = start(
      hooks,
      {
        PEERS_FILE: peersFile,
        CORE_URL: "http://127.0.0.1:9",
        METRICS_PORT: String(metricsPort),
        HOST: "127.0.0.1",
      },
      ["node", "dist/hooks/sidecar/main.js"],
    );
    containers.push(sidecar);
    await waitForOk(`http://127.0.0.1:${metricsPort}/healthz`, sidecar);
    log("sidecar: /healthz 200");
    await stopWithSigterm(sidecar, "sidecar");

    // A platform's image over ours, with the transforms of examples/extending.
    const reference = "stellar-peers:dockerfile-steps";
    const platform = build({
      dockerfile: join(REPO, "examples/extending/Dockerfile"),
      context: REPO,
      buildArgs: { STELLAR_PEERS_IMAGE: reference },
      images: { [reference]: hooks },
      work: join(work, "platform"),
    });
    const platformPort = await freePort();
    const extended = start(platform, {
      PORT: String(platformPort),
      HOST: "127.0.0.1",
      SHUTDOWN_GRACE_SECONDS: "1",
    });
    containers.push(extended);
    await waitForOk(`http://127.0.0.1:${platformPort}/healthz`, extended);
    const labelled = structuredClone(example) as { parent: { metadata: Child["metadata"] } };
    labelled.parent.metadata.labels = {
      ...labelled.parent.metadata.labels,
      "example.org/team": "payments",
    };
    const children = (await postSync(platformPort, labelled))["children"] as Child[];
    const statefulSet = children.find((child) => child.kind === "StatefulSet");
    if (
      statefulSet?.spec?.template?.spec?.nodeSelector?.["example.org/pool"] !== "validators" ||
      !children.every((child) => child.metadata.labels?.["example.org/team"] === "payments")
    ) {
      throw new Error("the platform image's sync does not carry the example's transform");
    }
    log("platform image: /healthz 200, its sync carries the transform of examples/extending");
    await stopWithSigterm(extended, "platform image");
    log("OK");
  } finally {
    for (const container of containers) {
      if (container.child.exitCode === null) container.child.kill("SIGKILL");
    }
    if (process.env["KEEP"] === "1") log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`dockerfile-steps: FAILED: ${String(error)}\n`);
    process.exit(1);
  });
}
