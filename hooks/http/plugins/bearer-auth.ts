import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { refuse } from "../errors.js";

/**
 * Checks `Authorization: Bearer <token>` as Metacontroller's `webhook.authorization` sends
 * it. Registered inside the hook routes' scope only, so probes and metrics stay open.
 */
export async function bearerAuth(app: FastifyInstance, options: { token: string }): Promise<void> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  app.addHook("onRequest", async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.header("www-authenticate", "Bearer");
      // The log tells a missing header from a wrong one; never the token given.
      const reason =
        request.headers.authorization === undefined
          ? "no Authorization header (AUTH_TOKEN_FILE is set)"
          : "the Authorization header is not the bearer token of AUTH_TOKEN_FILE";
      await refuse(request, reply, 401, "missing or wrong bearer token", reason);
    }
  });
}
