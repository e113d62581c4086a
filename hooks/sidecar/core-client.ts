import { request } from "undici";
import {
  parseConnectReply,
  parsePeersReply,
  type ConnectOutcome,
  type PeersOutcome,
} from "./core-api.js";
import type { KnownPeer } from "./plan.js";

/** stellar-core did not answer at all: not listening yet, a reset, a timeout. */
export interface Unreachable {
  readonly kind: "unreachable";
  readonly message: string;
}

export interface CoreClient {
  peers(signal?: AbortSignal): Promise<PeersOutcome | Unreachable>;
  connect(peer: KnownPeer, signal?: AbortSignal): Promise<ConnectOutcome | Unreachable>;
}

/** The admin HTTP port of stellar-core, over undici. */
export class StellarCoreClient implements CoreClient {
  readonly #baseUrl: URL;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs: number) {
    this.#baseUrl = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    this.#timeoutMs = timeoutMs;
  }

  async peers(signal?: AbortSignal): Promise<PeersOutcome | Unreachable> {
    const reply = await this.#get("peers", new URLSearchParams(), signal);
    return "status" in reply ? parsePeersReply(reply.status, reply.body) : reply;
  }

  async connect(peer: KnownPeer, signal?: AbortSignal): Promise<ConnectOutcome | Unreachable> {
    const query = new URLSearchParams({ peer: peer.host, port: String(peer.port) });
    const reply = await this.#get("connect", query, signal);
    return "status" in reply ? parseConnectReply(reply.status, reply.body) : reply;
  }

  async #get(
    command: string,
    query: URLSearchParams,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; body: string } | Unreachable> {
    const url = new URL(command, this.#baseUrl);
    url.search = query.toString();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await request(url, {
        method: "GET",
        // stellar-core's small HTTP server closes each connection after its reply.
        reset: true,
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const body = await response.body.text();
      return { status: response.statusCode, body };
    } catch (error: unknown) {
      return { kind: "unreachable", message: describeError(error) };
    }
  }
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${typeof code === "string" ? `${code} ` : ""}${error.message}${cause}`;
}
