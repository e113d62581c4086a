import { z } from "zod";
import type { CoreView } from "./plan.js";

/*
 * What stellar-core's admin HTTP commands answer, as read in stellar/stellar-core
 * (src/main/CommandHandler.cpp, lib/http/server.cpp, src/overlay/Peer.cpp,
 * src/overlay/PeerBareAddress.cpp; docs/software/commands.md):
 *
 * - Every known command answers HTTP 200 with `Content-Type: application/json`, whatever
 *   happened. A command that throws answers `{"exception": "<what()>"}`; before the node
 *   is ready every command answers `{"error": "Core is booting, try again later"}`.
 * - An unknown command answers 404 (an HTML welcome page).
 * - `peers` answers `{"pending_peers": {"outbound": [...], "inbound": [...]},
 *   "authenticated_peers": {"outbound": [{"address": "IP:port", "id": ..., ...}],
 *   "inbound": [...]}}`. Pending peers are bare `IP:port` strings (an inbound connection
 *   that has not said HELLO yet shows port 0). A direction with no peers is `null`, not `[]`.
 * - `connect?peer=NAME&port=N` resolves NAME (first IPv4 address), starts the connection
 *   and answers the plain text `Connect to: NAME:N`: the TCP connection and handshake
 *   happen afterwards, so an unreachable or refusing peer is only visible in a later
 *   `peers`. A name that does not resolve answers `{"exception": "Could not resolve ..."}`;
 *   missing arguments answer `Must specify a peer and port: ...`.
 */

const CORE_BOOTING = "Core is booting, try again later";

const Direction = <T extends z.ZodType>(item: T) => z.array(item).nullish();

const PeersReply = z.looseObject({
  pending_peers: z
    .looseObject({ inbound: Direction(z.string()), outbound: Direction(z.string()) })
    .nullish(),
  authenticated_peers: z
    .looseObject({
      inbound: Direction(z.looseObject({ address: z.string() })),
      outbound: Direction(z.looseObject({ address: z.string() })),
    })
    .nullish(),
});

/** A reply of stellar-core that is not the answer of the command asked. */
export type CoreProblem =
  | { readonly kind: "booting"; readonly message: string }
  | { readonly kind: "exception"; readonly message: string }
  | { readonly kind: "http_error"; readonly message: string };

export type PeersOutcome = { readonly kind: "ok"; readonly view: CoreView } | CoreProblem;

export type ConnectOutcome = { readonly kind: "ok"; readonly message: string } | CoreProblem;

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** `{"exception": ...}` or `{"error": ...}`, the two ways a command answers 200 and fails. */
function problemOf(json: unknown): CoreProblem | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  if ("exception" in record) {
    return { kind: "exception", message: String(record.exception) };
  }
  if ("error" in record) {
    const message = String(record.error);
    return { kind: message === CORE_BOOTING ? "booting" : "exception", message };
  }
  return undefined;
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

export function parsePeersReply(status: number, body: string): PeersOutcome {
  if (status !== 200) return { kind: "http_error", message: `HTTP ${status}: ${excerpt(body)}` };
  const json = parseJson(body);
  const problem = problemOf(json);
  if (problem !== undefined) return problem;
  const parsed = PeersReply.safeParse(json);
  if (!parsed.success || typeof json !== "object" || json === null) {
    return { kind: "http_error", message: `unexpected peers reply: ${excerpt(body)}` };
  }
  const authenticated = new Set<string>();
  for (const peer of [
    ...(parsed.data.authenticated_peers?.outbound ?? []),
    ...(parsed.data.authenticated_peers?.inbound ?? []),
  ]) {
    authenticated.add(peer.address);
  }
  const pending = new Set<string>();
  for (const address of [
    ...(parsed.data.pending_peers?.outbound ?? []),
    ...(parsed.data.pending_peers?.inbound ?? []),
  ]) {
    // An inbound connection before HELLO: its port is not yet known.
    if (!address.endsWith(":0")) pending.add(address);
  }
  return { kind: "ok", view: { authenticated, pending } };
}

export function parseConnectReply(status: number, body: string): ConnectOutcome {
  if (status !== 200) return { kind: "http_error", message: `HTTP ${status}: ${excerpt(body)}` };
  const problem = problemOf(parseJson(body));
  if (problem !== undefined) return problem;
  if (body.startsWith("Must specify")) return { kind: "http_error", message: excerpt(body) };
  return { kind: "ok", message: excerpt(body) };
}
