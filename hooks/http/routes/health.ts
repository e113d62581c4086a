import type { FastifyInstance } from "fastify";

/** Liveness answers while the process serves; readiness turns 503 once shutdown begins. */
export async function healthRoutes(
  app: FastifyInstance,
  options: { isShuttingDown: () => boolean },
): Promise<void> {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    if (options.isShuttingDown()) return reply.code(503).send({ status: "shutting down" });
    return { status: "ready" };
  });
}
