import { readFileSync } from "node:fs";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { ConfigError, type ServerConfig } from "../config.js";
import type { DesiredStateTransform } from "../metacontroller/transforms.js";
import { inflightBudget } from "./plugins/inflight-budget.js";
import { createHookMetrics, metricsPlugin } from "./plugins/metrics.js";
import { healthRoutes } from "./routes/health.js";
import { namespaceHooks } from "./routes/namespace-hooks.js";
import { stellarNodeHooks } from "./routes/stellarnode-hooks.js";

/** Above Metacontroller's hook timeout (10 s): see buildServer. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

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
  const authToken = readAuthToken(config.AUTH_TOKEN_FILE);
  let shuttingDown = false;
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: config.BODY_LIMIT,
    // Metacontroller gives up on a hook after its webhook timeout (10 s in our manifests,
    // its default): a body still trickling in after 30 s is never answered usefully, and a
    // stalled one must not hold its socket for ever. Idle keep-alive connections are kept
    // longer than that, so Metacontroller's client reuses them.
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
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
  await app.register(inflightBudget, {
    budgetBytes: config.INFLIGHT_BODY_BUDGET,
    bodyLimit: config.BODY_LIMIT,
  });
  await app.register(healthRoutes, { isShuttingDown: () => shuttingDown });
  await app.register(stellarNodeHooks, {
    prefix: "/stellarnode",
    clusterDomain: config.CLUSTER_DOMAIN,
    now: options.now ?? (() => new Date()),
    transforms: options.transforms ?? [],
    sidecarImage: config.SIDECAR_IMAGE,
    coreImages: config.STELLAR_CORE_IMAGES,
    authToken,
  });
  await app.register(namespaceHooks, {
    prefix: "/namespace",
    clusterDomain: config.CLUSTER_DOMAIN,
    now: options.now ?? (() => new Date()),
    authToken,
  });
  return {
    app,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}

/**
 * The bearer token the hooks require, read once at start. An empty file would make every
 * hook answer 401 for ever: that is a configuration error, refused before listening.
 */
function readAuthToken(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const token = readFileSync(file, "utf8").trim();
  if (token === "")
    throw new ConfigError(
      `AUTH_TOKEN_FILE ${file} is empty: put the token Metacontroller sends in it`,
    );
  return token;
}
