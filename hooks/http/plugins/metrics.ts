import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { REFUSAL_REASONS } from "../../sync/refusal-reasons.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The hook a route serves; the only label values metrics ever get. */
    hook?: string;
  }
  interface FastifyInstance {
    metrics: HookMetrics;
  }
}

export interface HookMetrics {
  registry: Registry;
  requests: Counter<"hook" | "code">;
  errors: Counter<"hook" | "reason">;
  duration: Histogram<"hook">;
  requestBytes: Histogram<"hook">;
  syncOutcomes: Counter<"outcome">;
  invalidSpecs: Counter<"reason">;
  peerSetChanges: Counter<"change">;
  peersAdded: Counter;
  peersRemoved: Counter;
  renderedPeers: Histogram;
  namespaceConfigMapConflicts: Counter;
  skippedRelated: Counter<"reason">;
}

export function createHookMetrics(): HookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "stellar_peers_hook_requests_total",
      help: "Hook requests answered, by hook and HTTP status code.",
      labelNames: ["hook", "code"],
      registers: [registry],
    }),
    errors: new Counter({
      name: "stellar_peers_hook_errors_total",
      help: "Hook requests that failed, by hook and reason (bad_request, unauthorized, too_large, too_many, internal).",
      labelNames: ["hook", "reason"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "stellar_peers_hook_duration_seconds",
      help: "Time to answer a hook request, body parsing included.",
      labelNames: ["hook"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    requestBytes: new Histogram({
      name: "stellar_peers_hook_request_bytes",
      help: "Size of hook request bodies.",
      labelNames: ["hook"],
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 16e6, 64e6],
      registers: [registry],
    }),
    syncOutcomes: new Counter({
      name: "stellar_peers_sync_outcomes_total",
      help: `Sync results by outcome: rendered, AwaitingGroupView (a coordinated validator whose namespace's group view is not whole yet), or the reason a spec was refused (${REFUSAL_REASONS.join(", ")}).`,
      labelNames: ["outcome"],
      registers: [registry],
    }),
    namespaceConfigMapConflicts: new Counter({
      name: "stellar_peers_namespace_configmap_conflicts_total",
      // No namespace label: its values come from requests, and the Namespace's annotation
      // (and the log line) already name it; a label would grow without bound.
      help: "Namespace syncs that left a ConfigMap stellar-peers alone because someone else owns it (or a StellarNode named stellar needs the name); the Namespace's stellar.org/peers-configmap-conflict annotation and the warning log line name it.",
      registers: [registry],
    }),
    skippedRelated: new Counter({
      name: "stellar_peers_related_objects_skipped_total",
      help: "Related objects a sync left out because they could not be trusted, by reason (poisoned: a __proto__ key; too-deep: nested beyond any object of ours; invalid-name, invalid-namespace, wrong-kind).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    invalidSpecs: new Counter({
      name: "stellar_peers_invalid_specs_total",
      help: `Syncs of a StellarNode whose spec or config was refused (Valid=False), by reason (${REFUSAL_REASONS.join(", ")}). Counted on every sync while it stays refused.`,
      labelNames: ["reason"],
      registers: [registry],
    }),
    peerSetChanges: new Counter({
      name: "stellar_peers_peer_set_changes_total",
      help: "Syncs whose rendered KNOWN_PEERS differs from the observed <name>-peers ConfigMap, by change (initial: no ConfigMap yet, updated: a new list).",
      labelNames: ["change"],
      registers: [registry],
    }),
    peersAdded: new Counter({
      name: "stellar_peers_peers_added_total",
      help: "Peers added to validators' lists by the changes counted in stellar_peers_peer_set_changes_total.",
      registers: [registry],
    }),
    peersRemoved: new Counter({
      name: "stellar_peers_peers_removed_total",
      help: "Peers removed from validators' lists by the changes counted in stellar_peers_peer_set_changes_total.",
      registers: [registry],
    }),
    renderedPeers: new Histogram({
      name: "stellar_peers_sync_rendered_peers",
      help: "Length of the peer list rendered by each sync of a valid validator.",
      buckets: [0, 1, 2, 3, 5, 10, 25, 50, 100, 250, 1000],
      registers: [registry],
    }),
  };
}

/** A condition reason as a label value: reasons are CamelCase words from code; anything else is `Other`. */
export function reasonLabel(reason: string | undefined): string {
  return reason !== undefined && /^[A-Z][A-Za-z0-9]{0,63}$/.test(reason) ? reason : "Other";
}

function errorReason(code: number): string | undefined {
  if (code < 400) return undefined;
  if (code === 401 || code === 403) return "unauthorized";
  if (code === 413) return "too_large";
  if (code === 429) return "too_many";
  if (code < 500) return "bad_request";
  return "internal";
}

/** Request metrics for every route that declares a `hook` in its config; `/metrics` to read them. */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { metrics: HookMetrics }) => {
    const { metrics } = options;
    app.decorate("metrics", metrics);
    app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
      const hook = request.routeOptions.config.hook;
      if (hook === undefined) return;
      const code = reply.statusCode;
      metrics.requests.inc({ hook, code: String(code) });
      const reason = errorReason(code);
      if (reason) metrics.errors.inc({ hook, reason });
      metrics.duration.observe({ hook }, reply.elapsedTime / 1000);
      const length = Number(request.headers["content-length"]);
      if (Number.isFinite(length)) metrics.requestBytes.observe({ hook }, length);
    });
    app.get("/metrics", async (_request, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: "stellar-peers-metrics" },
);
