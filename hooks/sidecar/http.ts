import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

export interface Probes {
  healthy(): boolean;
  ready(): boolean;
}

/** `GET /healthz`, `GET /readyz` and `GET /metrics`; nothing else. */
export function createSidecarServer(probes: Probes, registry: Registry, logger: Logger): Server {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, "metrics server request failed");
      if (!response.headersSent) send(response, 500, "text/plain", "internal error\n");
      else response.destroy();
    });
  });
  // A probe that stalls must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return server;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("allow", "GET, HEAD");
      send(response, 405, "text/plain", "method not allowed\n");
      return;
    }
    switch (path) {
      case "/healthz": {
        const ok = probes.healthy();
        send(response, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "stalled\n");
        return;
      }
      case "/readyz": {
        const ok = probes.ready();
        send(response, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
        return;
      }
      case "/metrics":
        send(response, 200, registry.contentType, await registry.metrics());
        return;
      default:
        send(response, 404, "text/plain", "not found\n");
    }
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  response.end(response.req.method === "HEAD" ? undefined : body);
}
