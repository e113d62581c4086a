import { z } from "zod";
import type { ObservedCondition } from "../kube/conditions.js";
import { isRecord } from "../kube/objects.js";

/**
 * The StellarNode status, declared once: the sync hook writes it (typed by this schema),
 * reads it back from the observed parent and from every related StellarNode, and the CRD's
 * status schema is generated from it (hooks/generate/crd.ts).
 */

/**
 * An RFC 3339 time as the hook writes it. Anything else in an observed status (a hand edit,
 * another writer) fails and so counts as absent: readers then take the direction that never
 * restarts early (a pending change starts settling now; an unready member blocks).
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isDateTime = (text: string): boolean => !Number.isNaN(Date.parse(text));
const dateTime = z.string().regex(DATE_TIME).refine(isDateTime).meta({ format: "date-time" });

const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: dateTime,
  observedGeneration: z.int().optional(),
});

export const RolloutStatusSchema = z
  .object({
    strategy: z.enum(["QuorumSafe", "LiveConnect"]).optional(),
    groupFingerprint: z.string().optional().meta({
      description:
        "The group membership this node acts on; the same on every member once all have seen it.",
    }),
    groupSize: z
      .int()
      .optional()
      .meta({ description: "Members of the group, this node included." }),
    ready: z.boolean().optional().meta({
      description: "Ready, and running the pod template this node's StatefulSet carries.",
    }),
    unreadySince: dateTime.optional(),
    templateHash: z.string().optional().meta({
      description:
        "Hash of the pod template as this node renders it now (after the platform's transforms).",
    }),
    appliedTemplateHash: z.string().optional().meta({
      description:
        "Hash of the pod template on its StatefulSet: what the pod runs or is rolling to. It differs from templateHash while a restart waits for its turn.",
    }),
    pendingSince: dateTime.optional().meta({
      description: "Since when the current desired pod template has waited to be applied.",
    }),
    waitingFor: z
      .string()
      .optional()
      .meta({ description: "The member (namespace/name) this node waits for." }),
  })
  .meta({
    description: "What the quorum-safe rollout needs the other members of the group to know.",
    "x-kubernetes-preserve-unknown-fields": true,
  });

/** A quorum as status.quorum shows it: counts and figures, never the list (a ConfigMap has it). */
export const QuorumFiguresSchema = z
  .object({
    hash: z.string().meta({
      description:
        "SHA-256 of the quorum part of stellar-core.cfg ([[HOME_DOMAINS]], [[VALIDATORS]], [QUORUM_SET], NODE_NAMES, UNSAFE_QUORUM, FAILURE_SAFETY).",
    }),
    validators: z.int().meta({ description: "Validators in the quorum set, this one included." }),
    topLevelEntries: z.int().meta({
      description:
        "Entries of the top-level quorum set (with [[VALIDATORS]]: one per home domain).",
    }),
    threshold: z.int().meta({ description: "The top-level threshold stellar-core computes." }),
    failureSafety: z.int().meta({
      description:
        "Top-level entries that may fail before stellar-core stops agreeing (Config::validateConfig).",
    }),
    homeDomainValidators: z.int().optional().meta({
      description: "Validators of this node's homeDomain in the quorum, this one included.",
    }),
    homeDomainThreshold: z.int().optional().meta({
      description:
        "How many of them must agree: a simple majority (Config::generateQuorumSetHelper, computeDefaultThreshold).",
    }),
    homeDomainCanLose: z.int().optional().meta({
      description: "How many of them may be down while the organisation still agrees.",
    }),
  })
  .meta({ description: "One quorum as stellar-core computes it from the config." });

export const QuorumStatusSchema = z
  .object({
    joiningSince: dateTime.optional().meta({
      description: "Since when this validator has run unsuspended (reset by a suspension).",
    }),
    inConsensusSince: dateTime.optional().meta({
      description:
        "When this validator was first seen Ready, i.e. in consensus (reset by a suspension).",
    }),
    inQuorumSince: dateTime.optional().meta({
      description:
        "Since when the group's generated quorums list this validator: once it has been in consensus, or from the start for a validator of a group that had never been in consensus (reset by a suspension).",
    }),
    running: QuorumFiguresSchema.optional().meta({
      description: "The quorum of the config the pod template on the StatefulSet names.",
    }),
    pending: QuorumFiguresSchema.optional().meta({
      description: "The quorum of a new config that waits for its turn to restart the pod.",
    }),
  })
  .meta({
    description:
      "The quorum this validator runs with, the one it waits to apply, and what the group's automatic quorum needs to know of it.",
    "x-kubernetes-preserve-unknown-fields": true,
  });

export const StellarNodeStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    peerCount: z.int().min(0).optional().meta({ description: "Number of entries in KNOWN_PEERS." }),
    peers: z.array(z.string()).optional().meta({
      description: "KNOWN_PEERS as host:port; the first 64 only (see peersTruncated).",
    }),
    peersTruncated: z.boolean().optional().meta({
      description: "status.peers shows only the first 64 peers; the X-peers ConfigMap has all.",
    }),
    peersHash: z.string().optional().meta({
      description:
        "SHA-256 of what stellar-core reads of the peers ConfigMap (peers.toml: KNOWN_PEERS, PREFERRED_PEERS and the overlay settings); with PodIP addressing, of the same text with each member's name for its IP.",
    }),
    appliedPeersHash: z.string().optional().meta({
      description:
        "Written by releases before every template change was paced; read from such a status only (see rollout.appliedTemplateHash).",
    }),
    pendingRestart: z.boolean().optional().meta({
      description:
        "A new pod template (peers, config, image or anything else) waits for its turn to restart the pod; condition TemplateApplied says what changed and why it waits.",
    }),
    configHash: z
      .string()
      .optional()
      .meta({ description: "SHA-256 of the rendered stellar-core.cfg." }),
    externalAddress: z.string().optional().meta({
      description:
        "Where spec.externalPeering's Service is reachable, from the observed Service: the load balancer's hostname or IP and the peer port (LoadBalancer), or the allocated node port alone, e.g. :31234 (NodePort). Absent until allocated.",
    }),
    rollout: RolloutStatusSchema.optional(),
    quorum: QuorumStatusSchema.optional(),
    conditions: z.array(ConditionSchema).meta({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    }),
  })
  .meta({
    description: "Observed state, written by the stellar-peers sync hook through Metacontroller.",
    "x-kubernetes-preserve-unknown-fields": true,
  });

export type StellarNodeStatus = z.output<typeof StellarNodeStatusSchema>;
export type RolloutStatus = z.output<typeof RolloutStatusSchema>;
export type QuorumStatus = z.output<typeof QuorumStatusSchema>;
export type QuorumFigures = z.output<typeof QuorumFiguresSchema>;

/** A status as observed: every field that fits the schema; the others are absent. */
export type ObservedStatus = Omit<StellarNodeStatus, "conditions"> & {
  conditions: ObservedCondition[];
};

/**
 * Reads a status written by any version of the hook, or edited by hand: field by field, so
 * one malformed field costs only that field, which then counts as absent.
 */
export function parseObservedStatus(raw: unknown): ObservedStatus {
  if (!isRecord(raw)) return { conditions: [] };
  const {
    conditions: _conditions,
    rollout: _rollout,
    quorum: _quorum,
    ...fields
  } = StellarNodeStatusSchema.shape;
  const rollout = parseFields(RolloutStatusSchema.shape, raw["rollout"]);
  const quorum = parseFields(QuorumStatusSchema.shape, raw["quorum"]);
  return {
    ...parseFields(fields, raw),
    ...(rollout === undefined ? {} : { rollout }),
    ...(quorum === undefined ? {} : { quorum }),
    conditions: parseObservedConditions(raw["conditions"]),
  };
}

function parseFields<Shape extends z.ZodRawShape>(
  shape: Shape,
  raw: Record<string, unknown>,
): z.output<z.ZodObject<Shape>>;
function parseFields<Shape extends z.ZodRawShape>(
  shape: Shape,
  raw: unknown,
): z.output<z.ZodObject<Shape>> | undefined;
function parseFields<Shape extends z.ZodRawShape>(
  shape: Shape,
  raw: unknown,
): z.output<z.ZodObject<Shape>> | undefined {
  if (!isRecord(raw)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
  }
  return out as z.output<z.ZodObject<Shape>>;
}

function parseObservedConditions(raw: unknown): ObservedCondition[] {
  if (!Array.isArray(raw)) return [];
  const conditions: ObservedCondition[] = [];
  for (const item of raw) {
    if (!isRecord(item) || typeof item["type"] !== "string") continue;
    conditions.push({
      type: item["type"],
      status: typeof item["status"] === "string" ? item["status"] : undefined,
      reason: typeof item["reason"] === "string" ? item["reason"] : undefined,
      lastTransitionTime:
        typeof item["lastTransitionTime"] === "string" ? item["lastTransitionTime"] : undefined,
    });
  }
  return conditions;
}

/**
 * What discovery reads of a group member's published status (related-nodes.ts readPublished,
 * quorum-facts.ts): a few fields of thousands of statuses per request.
 */
export interface MemberStatusFields {
  configHash: string | undefined;
  peersHash: string | undefined;
  appliedPeersHash: string | undefined;
  /** status.rollout when it is an object, its fields read as parseObservedStatus reads them. */
  rollout:
    | {
        groupFingerprint: string | undefined;
        ready: boolean | undefined;
        unreadySince: string | undefined;
        templateHash: string | undefined;
        appliedTemplateHash: string | undefined;
      }
    | undefined;
  /** status.quorum when it is an object. */
  quorum: { inQuorumSince: string | undefined; inConsensusSince: string | undefined } | undefined;
  /** The status of the first condition of type Valid; undefined without one (or not a string). */
  validStatus: string | undefined;
}

/**
 * The fields of MemberStatusFields, read as parseObservedStatus reads them (the same schema
 * rules: a string, a boolean, an RFC 3339 time; a malformed field is absent) without running
 * every field of the status through zod: a sync reads the status of every member of its group.
 * test/unit/member-status.test.ts checks it against parseObservedStatus.
 */
export function readMemberStatus(raw: Record<string, unknown>): MemberStatusFields {
  const rollout = raw["rollout"];
  const quorum = raw["quorum"];
  return {
    configHash: text(raw["configHash"]),
    peersHash: text(raw["peersHash"]),
    appliedPeersHash: text(raw["appliedPeersHash"]),
    rollout: isRecord(rollout)
      ? {
          groupFingerprint: text(rollout["groupFingerprint"]),
          ready: typeof rollout["ready"] === "boolean" ? rollout["ready"] : undefined,
          unreadySince: time(rollout["unreadySince"]),
          templateHash: text(rollout["templateHash"]),
          appliedTemplateHash: text(rollout["appliedTemplateHash"]),
        }
      : undefined,
    quorum: isRecord(quorum)
      ? {
          inQuorumSince: time(quorum["inQuorumSince"]),
          inConsensusSince: time(quorum["inConsensusSince"]),
        }
      : undefined,
    validStatus: firstValidStatus(raw["conditions"]),
  };
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

/** A time as the `dateTime` schema above accepts it. */
const time = (value: unknown): string | undefined =>
  typeof value === "string" && DATE_TIME.test(value) && isDateTime(value) ? value : undefined;

/** As parseObservedConditions, then the first of type Valid. */
function firstValidStatus(raw: unknown): string | undefined {
  if (!Array.isArray(raw)) return undefined;
  for (const item of raw) {
    if (isRecord(item) && item["type"] === "Valid") return text(item["status"]);
  }
  return undefined;
}
