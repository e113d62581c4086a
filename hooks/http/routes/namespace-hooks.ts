import type { FastifyInstance } from "fastify";
import customizeRequestSchema from "../../../schemas/decorator-customize-request.schema.json" with { type: "json" };
import syncRequestSchema from "../../../schemas/decorator-sync-request.schema.json" with { type: "json" };
import { customizeNamespace } from "../../namespace/customize.js";
import type {
  DecoratorCustomizeRequest,
  DecoratorSyncRequest,
} from "../../metacontroller/decorator-hooks.js";
import { SUMMARY_CONFIGMAP_NAME, syncNamespace } from "../../namespace/summary.js";
import { acceptJsonBodies, bodyFindings, recordSkippedRelated } from "../hook-body.js";
import { bearerAuth } from "../plugins/bearer-auth.js";
import type { BodyPool } from "../receive-body.js";

export interface NamespaceHookOptions {
  clusterDomain: string;
  now: () => Date;
  authToken: string | undefined;
  /** Reused buffers for request bodies (receive-body.ts), one pool per server. */
  bodyPool: BodyPool;
  /** COORDINATED_ROLLOUT=on: the sync writes the group view and the turns too. */
  coordinatedRollout: boolean;
}

/**
 * POST /namespace/sync and /namespace/customize: the DecoratorController on Namespaces
 * that keeps the namespace summary ConfigMap stellar-peers. Thin adapters over the pure
 * hooks; a conflict over the ConfigMap's name is logged and counted here.
 */
export async function namespaceHooks(
  app: FastifyInstance,
  options: NamespaceHookOptions,
): Promise<void> {
  if (options.authToken !== undefined) await bearerAuth(app, { token: options.authToken });
  acceptJsonBodies(app, { lean: false, bodyPool: options.bodyPool });

  app.post<{ Body: DecoratorSyncRequest }>(
    "/sync",
    { schema: { body: syncRequestSchema }, config: { hook: "namespace-sync" } },
    async (request) => {
      recordSkippedRelated(request, bodyFindings(request.body), app.metrics);
      const { response, conflict } = syncNamespace(request.body, {
        clusterDomain: options.clusterDomain,
        now: options.now(),
        coordinatedRollout: options.coordinatedRollout,
      });
      if (conflict !== undefined) {
        app.metrics.namespaceConfigMapConflicts.inc();
        request.log.warn(
          {
            namespace: conflict.namespace,
            configMap: SUMMARY_CONFIGMAP_NAME,
            owner: conflict.owner,
          },
          `ConfigMap ${conflict.namespace}/${SUMMARY_CONFIGMAP_NAME} is not managed by stellar-peers: ${conflict.message}`,
        );
      }
      return response;
    },
  );

  app.post<{ Body: DecoratorCustomizeRequest }>(
    "/customize",
    { schema: { body: customizeRequestSchema }, config: { hook: "namespace-customize" } },
    async (request) => customizeNamespace(request.body),
  );
}
