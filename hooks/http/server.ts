import { readFileSync } from "node:fs";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { ServerConfig } from "../config.js";
import type { DesiredStateTransform } from "../metacontroller/transforms.js";
import { createHookMetrics, metricsPlugin } from "./plugins/metrics.js";
import { healthRoutes } from "./routes/health.js";
import { namespaceHooks } from "./routes/namespace-hooks.js";
import { stellarNodeHooks } from "./routes/stellarnode-hooks.js";

export interface ServerOptions {
  config: ServerConfig;
  /** Platform transforms over the desired state; see hooks/metacontroller/transforms.ts. */
  transforms?: readonly DesiredStateTransform[];
  /** The clock, injectable so tests can fix it. */
  now?: () => Date;
  /** A pino destination for tests; stdout otherwise. */
  logStream?: NodeJS.WritableStream;
}

export interface HookServer {
  app: FastifyInstance;
  beginShutdown: () => void;
}

export async function buildServer(options: ServerOptions): Promise<HookServer> {
  const { config } = options;
  let shuttingDown = false;
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: config.BODY_LIMIT,
    requestIdHeader: "x-request-id",
    ...(config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? {
          https: {
            cert: readFileSync(config.TLS_CERT_FILE),
            key: readFileSync(config.TLS_KEY_FILE),
          },
        }
      : {}),
    ajv: {
      // Bad types are a 400, never silently coerced into something else.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false },
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = error.statusCode ?? 500;
    if (error.validation) {
      return reply.code(400).send({
        error: "BadRequest",
        message: `invalid hook request: ${error.message}`,
      });
    }
    if (code >= 400 && code < 500) {
      return reply.code(code).send({ error: error.code ?? "BadRequest", message: error.message });
    }
    request.log.error({ err: error }, "hook failed; Metacontroller will retry and change nothing");
    return reply.code(500).send({
      error: "InternalError",
      message:
        "the hook failed; nothing is changed and Metacontroller retries. See the hook server's log.",
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: "NotFound", message: `no route ${request.method} ${request.url}` }),
  );

  await app.register(metricsPlugin, { metrics: createHookMetrics() });
  await app.register(healthRoutes, { isShuttingDown: () => shuttingDown });
  await app.register(stellarNodeHooks, {
    prefix: "/stellarnode",
    clusterDomain: config.CLUSTER_DOMAIN,
    now: options.now ?? (() => new Date()),
    transforms: options.transforms ?? [],
    sidecarImage: config.SIDECAR_IMAGE,
    coreImages: config.STELLAR_CORE_IMAGES,
    authToken: config.AUTH_TOKEN_FILE
      ? readFileSync(config.AUTH_TOKEN_FILE, "utf8").trim()
      : undefined,
  });
  await app.register(namespaceHooks, {
    prefix: "/namespace",
    clusterDomain: config.CLUSTER_DOMAIN,
    now: options.now ?? (() => new Date()),
    authToken: config.AUTH_TOKEN_FILE
      ? readFileSync(config.AUTH_TOKEN_FILE, "utf8").trim()
      : undefined,
  });
  return {
    app,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
