import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { coreRunArgs } from "../../hooks/render/core-args.js";
import { coreProbes, coreProbeScript, type CoreProbeCheck } from "../../hooks/render/probes.js";
import { CORE_STATES, FakeStellarCore } from "../support/fake-stellar-core.js";

/**
 * Stands in for `stellar-core http-command COMMAND --conf FILE` of v27.1.0, as a Node
 * script (the probe runs it by name from PATH):
 * - `runHttpCommand` (src/main/CommandLine.cpp) loads the config for HTTP_PORT; a config
 *   it cannot load throws, and `handleCommandLine` logs "Got an exception" at FATAL on
 *   stderr and exits 1;
 * - `httpCommand` (src/main/ApplicationUtils.cpp) builds `/COMMAND`, percent-encoding
 *   what follows a `?` except ASCII letters and digits, and calls `http_request`
 *   (lib/http/HttpClient.cpp): `GET <path> HTTP/1.0` to 127.0.0.1:HTTP_PORT with
 *   `Connection: close`, no timeout. On 200 it prints the response headers (each line as
 *   `getline` leaves it, with its `\r`), an empty line, then `httpCommand` prints the body
 *   and `std::endl`. A refused connection, a broken answer or another status only logs
 *   "http failed(CODE) port: PORT command: COMMAND" at INFO on stderr;
 * - it exits 0 in every case but the config one.
 */
const FAKE_HTTP_COMMAND = `
"use strict";
const { readFileSync } = require("node:fs");
const { connect } = require("node:net");

const log = (level, message) =>
  process.stderr.write("2024-01-01T00:00:00.000 GFAKE [default " + level + "] " + message + "\\n");
const fatal = (message) => {
  log("FATAL", "Got an exception: " + message);
  log("FATAL", "Please report this bug along with this log file if this was not expected");
  process.exit(1);
};
const args = process.argv.slice(2);
if (args[0] !== "http-command") fatal("unexpected command " + args[0] + " (fake stellar-core)");
let conf = "stellar-core.cfg";
let command;
for (let i = 1; i < args.length; i += 1) {
  if (args[i] === "--conf") conf = args[++i];
  else if (command === undefined) command = args[i];
}
if (command === undefined) {
  process.stderr.write("Expected argument COMMAND\\n");
  process.exit(1);
}
let text;
try {
  text = readFileSync(conf, "utf8");
} catch {
  fatal("No config file " + conf + " found");
}
log("INFO", "Config from " + conf);
const port = Number(/^HTTP_PORT\\s*=\\s*(\\d+)/m.exec(text)?.[1] ?? 11626);
let path = "/";
let gotCommand = false;
for (const c of command) {
  if (gotCommand) {
    path += /^[A-Za-z0-9]$/.test(c) ? c : "%" + c.charCodeAt(0).toString(16).padStart(2, "0");
  } else {
    path += c;
    if (c === "?") gotCommand = true;
  }
}
const failed = (code) => {
  log("INFO", "http failed(" + code + ") port: " + port + " command: " + command);
  process.exit(0);
};
const chunks = [];
const socket = connect(port, "127.0.0.1");
socket.on("connect", () =>
  socket.write("GET " + path + " HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\nAccept: */*\\r\\nConnection: close\\r\\n\\r\\n"),
);
socket.on("data", (chunk) => chunks.push(chunk));
socket.on("error", () => failed(1));
socket.on("end", () => {
  const response = Buffer.concat(chunks).toString("latin1");
  const [statusLine = "", ...rest] = response.split("\\n");
  const [version = "", status = ""] = statusLine.split(" ");
  if (!version.startsWith("HTTP/")) failed(1);
  if (Number(status) !== 200) failed(Number(status));
  const headerEnd = response.indexOf("\\r\\n\\r\\n");
  const headers = response.slice(statusLine.length + 1, headerEnd + 2).split("\\n").filter((l) => l !== "");
  for (const header of headers) process.stdout.write(header + "\\n");
  process.stdout.write("\\n");
  process.stdout.write(response.slice(headerEnd + 4) + "\\n");
  process.exit(0);
});
`;

/** A pod's stellar-core container, as far as the probes see it: a PATH and a config. */
function container(httpPort: number): { configFile: string; path: string } {
  const root = mkdtempSync(join(tmpdir(), "probes-"));
  mkdirSync(join(root, "bin"));
  writeFileSync(join(root, "bin/stellar-core"), `#!${process.execPath}\n${FAKE_HTTP_COMMAND}`);
  chmodSync(join(root, "bin/stellar-core"), 0o755);
  const configFile = join(root, "stellar-core.cfg");
  writeFileSync(
    configFile,
    `KNOWN_PEERS = []\nNODE_SEED="SDTLYR2TX6276G35B2CZP45RSRPXIYMKOCOZRZ4AKALLTKKDXB3LZVVY"\nHTTP_PORT = ${httpPort}\nPUBLIC_HTTP_PORT = false\n`,
  );
  return { configFile, path: `${join(root, "bin")}:${process.env["PATH"] ?? ""}` };
}

interface ProbeResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a probe script in a real /bin/sh, asynchronously: the fake server lives in this process. */
async function probe(
  check: CoreProbeCheck,
  where: { configFile: string; path: string },
  commandTimeoutSeconds = 5,
): Promise<ProbeResult> {
  const child = spawn(
    "/bin/sh",
    ["-c", coreProbeScript(check, where.configFile, commandTimeoutSeconds)],
    {
      env: { PATH: where.path },
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const [status] = (await once(child, "close")) as [number | null];
  return { status, output };
}

describe("stellar-core probes", () => {
  let core: FakeStellarCore;
  let where: { configFile: string; path: string };
  before(async () => {
    core = await FakeStellarCore.start();
    where = container(core.port);
  });
  after(async () => {
    await core.close();
  });

  for (const state of CORE_STATES) {
    const synced = state === "Synced!";
    it(`with state "${state}": alive, and ${synced ? "" : "not "}ready`, async () => {
      core.booting = false;
      core.state = state;
      const readiness = await probe("synced", where);
      assert.equal(readiness.status, synced ? 0 : 1, readiness.output);
      if (!synced) {
        assert.ok(
          readiness.output.includes(`stellar-core is not in consensus: ${state}`),
          readiness.output,
        );
      }
      const liveness = await probe("answers", where);
      assert.equal(liveness.status, 0, liveness.output);
      assert.ok(core.requests.includes("info"));
    });
  }

  it("while stellar-core is booting: alive, not ready", async () => {
    core.booting = true;
    core.state = "Synced!";
    try {
      const readiness = await probe("synced", where);
      assert.equal(readiness.status, 1);
      assert.match(readiness.output, /not in consensus: Core is booting, try again later/);
      assert.equal((await probe("answers", where)).status, 0);
    } finally {
      core.booting = false;
    }
  });

  it("with stellar-core down: neither alive nor ready, then both once it is back", async () => {
    core.state = "Synced!";
    await core.close();
    try {
      for (const check of ["answers", "synced"] as const) {
        const result = await probe(check, where);
        assert.equal(result.status, 1, result.output);
        assert.match(result.output, /does not answer info on 127\.0\.0\.1:11626/);
        assert.match(result.output, /http failed\(1\)/, "http-command's own log line shows too");
      }
    } finally {
      await core.listen();
    }
    assert.equal((await probe("synced", where)).status, 0);
  });

  it("gives up on a stellar-core that accepts the connection and never answers (its state loading)", async () => {
    const silent: Server = createTcpServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    try {
      const hanging = container((silent.address() as AddressInfo).port);
      const result = await probe("answers", hanging, 1);
      assert.equal(result.status, 1, result.output);
      assert.match(result.output, /does not answer/);
    } finally {
      silent.close();
    }
  });

  it("matches the state whatever the JSON spacing, and only as the value of state", async () => {
    let body = "";
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", connection: "close" });
      response.end(body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const other = container((server.address() as AddressInfo).port);
    try {
      for (const [answer, ready] of [
        ['{"info":{"state":"Synced!"}}', true],
        ['{\n\t"info" : {\n\t\t"state"  :\t"Synced!"\n\t}\n}\n', true],
        ['{"info":{"state":"Catching up","status":["Synced!"]}}', false],
        ['{"info":{"network":"\\"state\\" Synced!","state":"Joining SCP"}}', false],
        ['{"exception": "generic"}', false],
      ] as const) {
        body = answer;
        const result = await probe("synced", other);
        assert.equal(result.status, ready ? 0 : 1, `${answer}: ${result.output}`);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("stellar-core container spec", () => {
  it("runs every probe as /bin/sh -c with the matching check", () => {
    const { startupProbe, readinessProbe, livenessProbe } = coreProbes();
    const script = (probe: Record<string, unknown>): string => {
      const command = (probe["exec"] as { command: string[] }).command;
      assert.deepEqual(command.slice(0, 2), ["/bin/sh", "-c"]);
      return command[2] ?? "";
    };
    assert.equal(script(readinessProbe), coreProbeScript("synced"));
    assert.equal(script(livenessProbe), coreProbeScript("answers"));
    assert.equal(script(startupProbe), coreProbeScript("answers"));
    assert.match(
      script(readinessProbe),
      /stellar-core http-command info --conf \/run\/stellar\/stellar-core\.cfg/,
    );
    // An hour before a slow start is taken for a wedged one.
    const budget =
      (startupProbe["periodSeconds"] as number) * (startupProbe["failureThreshold"] as number);
    assert.ok(budget >= 3600, `startup budget ${budget}s`);
    for (const probe of [startupProbe, readinessProbe, livenessProbe]) {
      assert.ok(
        (probe["timeoutSeconds"] as number) > 8,
        "kubelet waits longer than the probe's own timeout",
      );
    }
  });

  it("runs stellar-core with --wait-for-consensus unless it must force SCP", () => {
    assert.deepEqual(coreRunArgs(false), [
      "run",
      "--wait-for-consensus",
      "--conf",
      "/run/stellar/stellar-core.cfg",
    ]);
    assert.deepEqual(coreRunArgs(true), ["run", "--conf", "/run/stellar/stellar-core.cfg"]);
  });
});
