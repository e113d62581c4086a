import { STATUS_CODES } from "node:http";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";

/**
 * The body of every 4xx and 5xx answer of the hook server: `error`, a CamelCase code (the
 * status's name, see errorCode), and `message`, a sentence for the person reading it.
 */
export interface ErrorBody {
  error: string;
  message: string;
}

/** The codes that are not simply their status's reason phrase in CamelCase. */
const CODES: Readonly<Record<number, string>> = { 500: "InternalError" };

/**
 * The `error` of a status: its reason phrase in CamelCase (405 "Method Not Allowed" is
 * `MethodNotAllowed`, 413 `PayloadTooLarge`), except 500, `InternalError`.
 */
export function errorCode(statusCode: number): string {
  const code = CODES[statusCode] ?? (STATUS_CODES[statusCode] ?? "").replace(/[^A-Za-z]/g, "");
  return code === "" ? (statusCode >= 500 ? "InternalError" : "BadRequest") : code;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { error: errorCode(statusCode), message };
}

/** Long enough for any reason of ours; a hostile key in a validation path is cut short. */
const MAX_LOGGED_REASON = 300;

/** A reason as the log keeps it: one line, at most MAX_LOGGED_REASON characters. */
export function loggedReason(reason: string): string {
  const line = reason.replace(/[\r\n]+/g, " ");
  return line.length > MAX_LOGGED_REASON ? `${line.slice(0, MAX_LOGGED_REASON)}...` : line;
}

/**
 * Logs why a request is refused (at info, never its body) and answers it with the error
 * body. `reason` is what the log says when it differs from what the client is told (the
 * client may see a piece of its own body; the log never does).
 */
export function logRefusal(
  log: FastifyBaseLogger,
  statusCode: number,
  reason: string,
  fields: Record<string, unknown> = {},
): void {
  log.info(
    { ...fields, statusCode, error: errorCode(statusCode), reason: loggedReason(reason) },
    "request refused",
  );
}

export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  message: string,
  reason: string = message,
): FastifyReply {
  logRefusal(request.log, statusCode, reason);
  return reply.code(statusCode).send(errorBody(statusCode, message));
}

/**
 * An answer fastify gives with its status code through the server's error handler (see
 * buildServer), with a reason for the log that holds nothing of the body.
 */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly logReason: string = message,
  ) {
    super(message);
  }
}
