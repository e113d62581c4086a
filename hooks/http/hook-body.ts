import type { FastifyInstance, FastifyRequest } from "fastify";
import type { HookMetrics } from "./plugins/metrics.js";
import { MAX_OBJECT_DEPTH, nestsDeeperThan } from "../kube/json-depth.js";
import { isRecord } from "../kube/objects.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { RequestError } from "./errors.js";
import { parseLean } from "./lean-sync-body.js";
import { receiveBody, type BodyPool } from "./receive-body.js";
import {
  relatedNodeProblem,
  removePoisonedKeys,
  type RelatedNodeProblem,
} from "./poisoned-keys.js";

/**
 * What a body parser found and took out of a hook request, so that one tenant's broken or
 * hostile object never costs another tenant its sync: the request is answered, and each
 * finding is judged where it belongs (the parent's own status, a log line, a counter).
 */
export interface BodyFindings {
  /** Why the parent (or decorated object) cannot be trusted; its sync refuses it. */
  parentProblem: string | undefined;
  /** Related StellarNodes left out of the request, with why (for logs and a counter). */
  skippedRelated: { key: string; reason: RelatedNodeProblem }[];
}

const findings = new WeakMap<object, BodyFindings>();

/** The findings of the parser for this request body; none for a clean body. */
export function bodyFindings(body: unknown): BodyFindings {
  return (
    (typeof body === "object" && body !== null ? findings.get(body) : undefined) ?? {
      parentProblem: undefined,
      skippedRelated: [],
    }
  );
}

/** A body refused with 400; `logReason` says why without any piece of the body. */
class BadBody extends RequestError {
  constructor(message: string, logReason: string = message) {
    super(400, message, logReason);
  }
}

/**
 * V8's JSON.parse message without the piece of the body it quotes ("Unexpected token 'x',
 * "...{"a": x..." is not valid JSON"): for the log, which never holds a body.
 */
function withoutQuotedBody(message: string): string {
  return message.replace(/^(Unexpected token) .*, ".*" is not valid JSON$/s, "$1");
}

/**
 * Makes `app` (a hook routes' scope) accept JSON bodies only, parsed by hookBodyParser: any
 * other content type (text/plain included, which fastify would otherwise read as a string
 * and refuse with a misleading 400) is answered 415.
 */
export function acceptJsonBodies(
  app: FastifyInstance,
  options: { lean: boolean; bodyPool: BodyPool },
): void {
  app.removeAllContentTypeParsers();
  const parse = hookBodyParser(options);
  // Received into a reused buffer (receive-body.ts), given back once parsed: the parsed body
  // holds copies only (strings and values, never a view of the buffer).
  app.addContentTypeParser("application/json", (request, payload, done) => {
    receiveBody(request, payload, options.bodyPool, (error, body, release) => {
      if (error !== null || body === undefined) {
        done(error);
        return;
      }
      // This runs in the body stream's end listener: a throw here would not reach fastify's
      // error handling (its own receiving catches around the parser), so it is answered here.
      let answered = false;
      try {
        parse(request, body, (parseError, parsed) => {
          answered = true;
          done(parseError, parsed);
        });
      } catch (thrown) {
        if (!answered) done(thrown instanceof Error ? thrown : new Error(String(thrown)));
      } finally {
        release?.();
      }
    });
  });
}

/**
 * The JSON body parser of the hook routes. JSON.parse never touches a prototype (a
 * `__proto__` key becomes an own property), so the body is parsed whole and then cleaned:
 * poisoned keys (`__proto__`, `constructor.prototype`) are removed where they are, a related
 * StellarNode holding one (or nesting absurdly deep) is left out, and the parent's own
 * findings go to its sync, which refuses it with Valid=False. fastify's own parser would
 * refuse the whole request with a 400, so one tenant's object would stop every member's
 * sync. `lean`: each related StellarNode is cut down to what discovery reads as it is parsed
 * (lean-sync-body.ts), for the StellarNode sync, whose requests carry whole groups.
 */
export function hookBodyParser(options: {
  lean: boolean;
}): (
  request: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, body?: unknown) => void,
) => void {
  return (_request, body, done) => {
    if (body.length === 0) {
      done(new BadBody("the body is empty; a hook request is a JSON object"));
      return;
    }
    const lean = options.lean ? parseLean(body) : undefined;
    let parsed: unknown;
    if (lean !== undefined) {
      parsed = lean.body;
    } else {
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch (error) {
        const detail = (error as Error).message;
        done(
          new BadBody(
            `the body is not valid JSON: ${detail}`,
            `the body is not valid JSON: ${withoutQuotedBody(detail)}`,
          ),
        );
        return;
      }
    }
    if (!isRecord(parsed)) {
      done(null, parsed);
      return;
    }
    const found: BodyFindings = {
      parentProblem: undefined,
      skippedRelated: lean?.skipped ?? [],
    };
    // The parent of a sync or customize request; the decorated object of a decorator sync.
    const parentKey = "object" in parsed && !("parent" in parsed) ? "object" : "parent";
    const parent = parsed[parentKey];
    if (nestsDeeperThan(parent, MAX_OBJECT_DEPTH)) {
      found.parentProblem = `the object nests deeper than ${MAX_OBJECT_DEPTH} levels`;
    } else {
      const poisoned = removePoisonedKeys(parent, "");
      if (poisoned.length > 0) {
        found.parentProblem = `keys named __proto__ (or constructor.prototype) are not accepted: ${poisoned.join(", ")}`;
      }
    }
    if (lean === undefined) {
      found.skippedRelated.push(...cleanRelatedNodes(parsed["related"]));
    }
    // Everything else (children, attachments, other related kinds) is the hook's own or
    // the cluster's: poisoned keys are dropped where they stand.
    for (const [key, value] of Object.entries(parsed)) {
      if (key !== parentKey) removePoisonedKeys(value, key);
    }
    if (found.parentProblem !== undefined || found.skippedRelated.length > 0) {
      findings.set(parsed, found);
    }
    done(null, parsed);
  };
}

/** Leaves out each related StellarNode that is poisoned or too deep; returns which. */
function cleanRelatedNodes(related: unknown): BodyFindings["skippedRelated"] {
  const skipped: BodyFindings["skippedRelated"] = [];
  if (!isRecord(related)) return skipped;
  const group = related[GROUP_KEYS.StellarNode];
  if (!isRecord(group)) return skipped;
  for (const key of Object.keys(group)) {
    const reason = relatedNodeProblem(group[key]);
    if (reason !== undefined) {
      skipped.push({ key, reason });
      Reflect.deleteProperty(group, key);
    }
  }
  return skipped;
}

/** Logs and counts each related StellarNode the parser left out of this request. */
export function recordSkippedRelated(
  request: FastifyRequest,
  findings: BodyFindings,
  metrics: HookMetrics,
): void {
  for (const skipped of findings.skippedRelated) {
    metrics.skippedRelated.inc({ reason: skipped.reason });
    request.log.info(
      { related: skipped.key, reason: skipped.reason },
      "related StellarNode left out",
    );
  }
}
