import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { ConfigError, type ServerConfig } from "../config.js";
import type { DesiredStateTransform } from "../metacontroller/transforms.js";
import { errorBody, logRefusal, refuse, RequestError } from "./errors.js";
import { inflightBudget } from "./plugins/inflight-budget.js";
import { createHookMetrics, metricsPlugin } from "./plugins/metrics.js";
import { healthRoutes } from "./routes/health.js";
import { namespaceHooks } from "./routes/namespace-hooks.js";
import { BodyPool, RETAINED_BODY_BYTES } from "./receive-body.js";
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
  /** The reused body buffers, injectable so tests can watch them; one of the server's own otherwise. */
  bodyPool?: BodyPool;
}

export interface HookServer {
  app: FastifyInstance;
  beginShutdown: () => void;
}

export async function buildServer(options: ServerOptions): Promise<HookServer> {
  const { config } = options;
  const authToken = readAuthToken(config.AUTH_TOKEN_FILE);
  const tls = config.TLS_CERT_FILE !== undefined && config.TLS_KEY_FILE !== undefined;
  let shuttingDown = false;
  let closing = false;
  // The server's logger, for connection errors, which come before any request (and its logger).
  const logger: { server?: FastifyBaseLogger } = {};
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
    // fastify's own answers take the one error body too, and their reason is logged: a
    // malformed URL here, a connection that is not HTTP in answerClientError, a request
    // while the listener closes in the onRequest hook below.
    frameworkErrors: (error, request, reply) => {
      refuse(request, reply, error.statusCode ?? 400, error.message);
    },
    return503OnClosing: false,
    clientErrorHandler: (error, socket) => answerClientError(logger.server, error, socket),
  });
  logger.server = app.log;

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return refuse(request, reply, 400, `invalid hook request: ${error.message}`);
    }
    const code = error.statusCode ?? 500;
    if (code >= 400 && code < 500) {
      const message = clientErrorMessage(error, request, config);
      const reason = error instanceof RequestError ? error.logReason : message;
      return refuse(request, reply, code, message, reason);
    }
    request.log.error({ err: error }, "hook failed; Metacontroller will retry and change nothing");
    return reply
      .code(500)
      .send(
        errorBody(
          500,
          "the hook failed; nothing is changed and Metacontroller retries. See the hook server's log.",
        ),
      );
  });
  app.setNotFoundHandler((request, reply) => notFound(app, request, reply));
  // As fastify's return503OnClosing, in the one error body: a request that arrives on an
  // open connection while the listener closes is refused, and the connection closed.
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (request, reply) => {
    if (!closing) return undefined;
    reply.header("connection", "close");
    return refuse(request, reply, 503, "the hook server is stopping; retry on another replica");
  });
  app.addHook("onListen", async () => {
    const address = app.server.address();
    app.log.info(
      {
        port: typeof address === "object" && address !== null ? address.port : config.PORT,
        host: config.HOST,
        tls,
        auth: authToken !== undefined,
        bodyLimit: config.BODY_LIMIT,
        inflightBodyBudget: config.INFLIGHT_BODY_BUDGET,
        clusterDomain: config.CLUSTER_DOMAIN,
        sidecarImage: config.SIDECAR_IMAGE ?? null,
        coordinatedRollout: config.COORDINATED_ROLLOUT,
        coreImageReleases: [...config.STELLAR_CORE_IMAGES.keys()],
        shutdownGraceSeconds: config.SHUTDOWN_GRACE_SECONDS,
        transforms: options.transforms?.length ?? 0,
      },
      "stellar-peers hook server started",
    );
  });

  await app.register(metricsPlugin, { metrics: createHookMetrics() });
  await app.register(inflightBudget, {
    budgetBytes: config.INFLIGHT_BODY_BUDGET,
    bodyLimit: config.BODY_LIMIT,
  });
  await app.register(healthRoutes, { isShuttingDown: () => shuttingDown });
  // Free body buffers kept between requests: two bodies of a group of 1,000 (12.8 MB each,
  // BENCHMARKS.md), never more than the in-flight budget.
  const bodyPool =
    options.bodyPool ?? new BodyPool(Math.min(RETAINED_BODY_BYTES, config.INFLIGHT_BODY_BUDGET));
  await app.register(stellarNodeHooks, {
    prefix: "/stellarnode",
    clusterDomain: config.CLUSTER_DOMAIN,
    now: options.now ?? (() => new Date()),
    transforms: options.transforms ?? [],
    sidecarImage: config.SIDECAR_IMAGE,
    coreImages: config.STELLAR_CORE_IMAGES,
    coordinatedRollout: config.COORDINATED_ROLLOUT === "on",
    authToken,
    bodyPool,
  });
  await app.register(namespaceHooks, {
    prefix: "/namespace",
    clusterDomain: config.CLUSTER_DOMAIN,
    coordinatedRollout: config.COORDINATED_ROLLOUT === "on",
    now: options.now ?? (() => new Date()),
    authToken,
    bodyPool,
  });
  return {
    app,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}

/** What a client is told of a 4xx fastify raised, in our words where fastify's are terse. */
function clientErrorMessage(
  error: FastifyError,
  request: FastifyRequest,
  config: ServerConfig,
): string {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": {
      const given = request.headers["content-type"];
      return `a hook request is a JSON object: send it with content-type application/json${
        given === undefined ? " (none was given)" : ` (not ${given.slice(0, 100)})`
      }`;
    }
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `the body is larger than ${config.BODY_LIMIT} bytes (BODY_LIMIT)`;
    default:
      return error.message;
  }
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** 405 with `Allow` for a route asked with the wrong method; 404 for a path we do not serve. */
function notFound(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split("?", 1)[0] ?? request.url;
  const allowed = METHODS.filter((method) => app.hasRoute({ method, url: path }));
  if (allowed.length > 0) {
    reply.header("allow", allowed.join(", "));
    return refuse(
      request,
      reply,
      405,
      `${path} answers ${allowed.join(", ")}, not ${request.method}`,
    );
  }
  return refuse(request, reply, 404, `no route ${request.method} ${path}`);
}

/**
 * A connection that sends something other than an HTTP request, or too slowly: answered in
 * the one error body (as fastify's default handler answers, status for status), then closed.
 */
function answerClientError(
  log: FastifyBaseLogger | undefined,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection has nobody to answer (as fastify's default handler).
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [statusCode, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, `the request did not arrive within ${REQUEST_TIMEOUT_MS / 1000} s`]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "the request's headers are larger than the server accepts"]
        : [400, "the request is not valid HTTP"];
  if (log) logRefusal(log, statusCode, `${message} (${error.code ?? error.message})`);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(statusCode, message));
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_TEXT[statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

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
