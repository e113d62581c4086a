import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { refuse } from "../errors.js";

/**
 * Bounds the bytes of hook request bodies held at once. A body costs several times its size
 * while it is parsed and synced (BENCHMARKS.md), and Metacontroller's workers send
 * concurrently: unbounded, two large bodies took more than the Deployment's memory limit.
 * A request that would take the bodies in flight over the budget is answered 429 with
 * Retry-After, the one answer Metacontroller retries after the delay it gives; a request
 * always passes when nothing else is in flight, so no body within BODY_LIMIT starves.
 */
export const inflightBudget = fp(
  async (app: FastifyInstance, options: { budgetBytes: number; bodyLimit: number }) => {
    let inFlight = 0;
    const held = new WeakMap<FastifyRequest, number>();
    const release = async (request: FastifyRequest): Promise<void> => {
      const bytes = held.get(request);
      if (bytes === undefined) return;
      held.delete(request);
      inFlight -= bytes;
    };
    app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.config.hook === undefined) return;
      const length = Number(request.headers["content-length"]);
      // Without a length (chunked), assume the largest body allowed.
      const bytes = Number.isFinite(length) && length >= 0 ? length : options.bodyLimit;
      if (inFlight > 0 && inFlight + bytes > options.budgetBytes) {
        reply.header("retry-after", "1");
        return refuse(
          request,
          reply,
          429,
          `hook request bodies in flight would exceed ${options.budgetBytes} bytes (INFLIGHT_BODY_BUDGET); retry after 1 s`,
          `${inFlight} bytes of bodies in flight and ${bytes} more would exceed INFLIGHT_BODY_BUDGET (${options.budgetBytes} bytes); asked to retry after 1 s`,
        );
      }
      held.set(request, bytes);
      inFlight += bytes;
      return undefined;
    });
    app.addHook("onResponse", release);
    app.addHook("onRequestAbort", release);
  },
  { name: "stellar-peers-inflight-budget" },
);
