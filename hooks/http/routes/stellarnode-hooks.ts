import type { FastifyInstance } from "fastify";
import customizeRequestSchema from "../../../schemas/customize-request.schema.json" with { type: "json" };
import syncRequestSchema from "../../../schemas/sync-request.schema.json" with { type: "json" };
import type { CustomizeRequest, SyncRequest } from "../../metacontroller/composite-hooks.js";
import type { DesiredStateTransform } from "../../metacontroller/transforms.js";
import { customizeStellarNode } from "../../sync/customize.js";
import { syncStellarNode } from "../../sync/sync.js";
import type { SyncReport } from "../../sync/sync-report.js";
import { acceptJsonBodies, bodyFindings, recordSkippedRelated } from "../hook-body.js";
import { bearerAuth } from "../plugins/bearer-auth.js";
import type { BodyPool } from "../receive-body.js";
import { reasonLabel } from "../plugins/metrics.js";

export interface StellarNodeHookOptions {
  clusterDomain: string;
  now: () => Date;
  transforms: readonly DesiredStateTransform[];
  authToken: string | undefined;
  /** Reused buffers for request bodies (receive-body.ts), one pool per server. */
  bodyPool: BodyPool;
  sidecarImage: string | undefined;
  coreImages: ReadonlyMap<string, string>;
  /** COORDINATED_ROLLOUT=on: the customize hook relates the decorator's view and turns. */
  coordinatedRollout: boolean;
}

/**
 * POST /stellarnode/sync and /stellarnode/customize: thin adapters over the pure hooks.
 * The sync reports what it decided; this route only records it in metrics and logs.
 */
export async function stellarNodeHooks(
  app: FastifyInstance,
  options: StellarNodeHookOptions,
): Promise<void> {
  if (options.authToken !== undefined) await bearerAuth(app, { token: options.authToken });
  acceptJsonBodies(app, { lean: true, bodyPool: options.bodyPool });

  app.post<{ Body: SyncRequest }>(
    "/sync",
    { schema: { body: syncRequestSchema }, config: { hook: "stellarnode-sync" } },
    async (request) => {
      const findings = bodyFindings(request.body);
      recordSkippedRelated(request, findings, app.metrics);
      const { response, report } = syncStellarNode(request.body, {
        refusedParent: findings.parentProblem,
        clusterDomain: options.clusterDomain,
        now: options.now(),
        transforms: options.transforms,
        sidecarImage: options.sidecarImage,
        coreImages: options.coreImages,
      });
      const parent = `${request.body.parent.metadata.namespace}/${request.body.parent.metadata.name}`;
      record(app, report);
      if ("awaitingGroupView" in report) {
        request.log.info({ parent }, "group view not whole yet; observed children kept");
      } else if (report.valid) {
        request.log.debug(
          {
            parent,
            desired: report.rollout.desiredTemplateHash.slice(0, 12),
            applied: report.rollout.appliedTemplateHash.slice(0, 12),
            observedTemplate: report.rollout.observedTemplateHash?.slice(0, 12),
            changes: report.rollout.changes,
            templateApplied: report.rollout.reason,
            waitingFor: report.rollout.waitingFor,
          },
          "rollout decision",
        );
      } else {
        request.log.info({ parent, reason: report.reason }, "spec refused; observed children kept");
      }
      return response;
    },
  );

  app.post<{ Body: CustomizeRequest }>(
    "/customize",
    { schema: { body: customizeRequestSchema }, config: { hook: "stellarnode-customize" } },
    async (request) =>
      customizeStellarNode(request.body, { coordinatedRollout: options.coordinatedRollout }),
  );
}

function record(app: FastifyInstance, report: SyncReport): void {
  const { metrics } = app;
  if (!report.valid) {
    metrics.syncOutcomes.inc({ outcome: report.reason });
    metrics.invalidSpecs.inc({ reason: reasonLabel(report.reason) });
    return;
  }
  if ("awaitingGroupView" in report) {
    metrics.syncOutcomes.inc({ outcome: "AwaitingGroupView" });
    return;
  }
  metrics.syncOutcomes.inc({ outcome: "rendered" });
  metrics.renderedPeers.observe(report.peerCount);
  const change = report.peerSetChange;
  if (change !== undefined) {
    metrics.peerSetChanges.inc({ change: change.change });
    metrics.peersAdded.inc(change.added.length);
    metrics.peersRemoved.inc(change.removed.length);
  }
}
