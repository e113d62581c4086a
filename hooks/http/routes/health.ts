import type { FastifyInstance } from "fastify";
import { refuse } from "../errors.js";

/** Liveness answers while the process serves; readiness turns 503 once shutdown begins. */
export async function healthRoutes(
  app: FastifyInstance,
  options: { isShuttingDown: () => boolean },
): Promise<void> {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (request, reply) => {
    if (options.isShuttingDown()) {
      return refuse(
        request,
        reply,
        503,
        "shutting down: finishing the requests in flight before the listener closes",
      );
    }
    return { status: "ready" };
  });
}
