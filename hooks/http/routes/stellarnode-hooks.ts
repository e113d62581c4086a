import type { FastifyInstance } from "fastify";
import customizeRequestSchema from "../../../schemas/customize-request.schema.json" with { type: "json" };
import syncRequestSchema from "../../../schemas/sync-request.schema.json" with { type: "json" };
import type { DesiredStateTransform } from "../../extensions.js";
import { customizeStellarNode } from "../../sync/customize.js";
import type { CustomizeRequest, SyncRequest } from "../../sync/hook-api.js";
import { syncStellarNode } from "../../sync/sync.js";
import { peerSetChange } from "../peer-set-change.js";
import { syncBodyParser } from "../lean-sync-body.js";
import { bearerAuth } from "../plugins/bearer-auth.js";
import { reasonLabel } from "../plugins/metrics.js";

export interface StellarNodeHookOptions {
  clusterDomain: string;
  now: () => Date;
  transforms: readonly DesiredStateTransform[];
  authToken: string | undefined;
  sidecarImage: string | undefined;
}

/** POST /stellarnode/sync and /stellarnode/customize: thin adapters over the pure hooks. */
export async function stellarNodeHooks(
  app: FastifyInstance,
  options: StellarNodeHookOptions,
): Promise<void> {
  if (options.authToken !== undefined) await bearerAuth(app, { token: options.authToken });
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, syncBodyParser(app));

  app.post<{ Body: SyncRequest }>(
    "/sync",
    { schema: { body: syncRequestSchema }, config: { hook: "stellarnode-sync" } },
    async (request) => {
      const response = syncStellarNode(request.body, {
        clusterDomain: options.clusterDomain,
        now: options.now(),
        transforms: options.transforms,
        sidecarImage: options.sidecarImage,
      });
      const valid = response.status.conditions.find((condition) => condition.type === "Valid");
      app.metrics.syncOutcomes.inc({
        outcome: valid?.status === "True" ? "rendered" : (valid?.reason ?? "unknown"),
      });
      const change = peerSetChange(request.body, response);
      if (change) {
        app.metrics.peerSetChanges.inc({ change: change.change });
        app.metrics.peersAdded.inc(change.added.length);
        app.metrics.peersRemoved.inc(change.removed.length);
      }
      if (valid?.status === "True") {
        app.metrics.renderedPeers.observe(response.status.peerCount ?? 0);
      }
      if (valid?.status !== "True") {
        app.metrics.invalidSpecs.inc({ reason: reasonLabel(valid?.reason) });
        request.log.info(
          {
            parent: `${request.body.parent.metadata.namespace}/${request.body.parent.metadata.name}`,
            reason: valid?.reason,
          },
          "spec refused; observed children kept",
        );
      }
      return response;
    },
  );

  app.post<{ Body: CustomizeRequest }>(
    "/customize",
    { schema: { body: customizeRequestSchema }, config: { hook: "stellarnode-customize" } },
    async (request) => customizeStellarNode(request.body),
  );
}
