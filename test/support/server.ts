import { Writable } from "node:stream";
import type { ServerConfig } from "../../hooks/config.js";
import { loadConfig } from "../../hooks/config.js";
import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import type { BodyPool } from "../../hooks/http/receive-body.js";
import { buildServer } from "../../hooks/http/server.js";
import { FIXED_NOW } from "./fixtures.js";

/** A hook server for fastify.inject, with a fixed clock and its log lines captured. */
export async function testServer(
  env: Record<string, string> = {},
  transforms: readonly DesiredStateTransform[] = [],
  bodyPool?: BodyPool,
) {
  const logs: string[] = [];
  const config: ServerConfig = loadConfig({ LOG_LEVEL: "info", ...env });
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const server = await buildServer({
    config,
    transforms,
    now: () => FIXED_NOW,
    logStream,
    ...(bodyPool === undefined ? {} : { bodyPool }),
  });
  return { ...server, logs };
}
