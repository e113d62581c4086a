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
/** The peers hash on the observed StatefulSet's pod template, for the debug log. */
function observedPeersHash(request: SyncRequest): string | undefined {
  const group = (request.children as Record<string, Record<string, unknown>> | undefined)?.[
    "StatefulSet.apps/v1"
  ];
  for (const object of Object.values(group ?? {})) {
    const template = (
      object as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }
    ).spec?.template;
    const hash = template?.metadata?.annotations?.["stellar.org/peers-hash"];
    if (hash !== undefined) return hash;
  }
  return undefined;
}

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
      if (request.log.level === "debug" || request.log.level === "trace") {
        // What the rollout decided and from what: enough to follow a group's restarts.
        const rollout = (response.status["rollout"] ?? {}) as Record<string, unknown>;
        const observedTemplate = observedPeersHash(request.body);
        request.log.debug(
          {
            parent: `${request.body.parent.metadata.namespace}/${request.body.parent.metadata.name}`,
            desired: response.status.peersHash?.slice(0, 12),
            applied: String(response.status["appliedPeersHash"] ?? "").slice(0, 12),
            observedTemplate: observedTemplate?.slice(0, 12),
            peersApplied: response.status.conditions.find((c) => c.type === "PeersApplied")?.reason,
            waitingFor: rollout["waitingFor"],
          },
          "rollout decision",
        );
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
