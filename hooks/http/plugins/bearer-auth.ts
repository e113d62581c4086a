import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";

/**
 * Checks `Authorization: Bearer <token>` as Metacontroller's `webhook.authorization` sends
 * it. Registered inside the hook routes' scope only, so probes and metrics stay open.
 */
export async function bearerAuth(app: FastifyInstance, options: { token: string }): Promise<void> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  app.addHook("onRequest", async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await reply
        .code(401)
        .header("www-authenticate", "Bearer")
        .send({ error: "Unauthorized", message: "missing or wrong bearer token" });
    }
  });
}
