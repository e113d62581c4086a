import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for stellar-core's admin HTTP port, answering `peers` and `connect` the
 * way stellar/stellar-core does (src/main/CommandHandler.cpp, lib/http/server.cpp):
 *
 * - every known command: HTTP 200, `Content-Type: application/json`, even on failure;
 *   a failing command answers `{"exception": "..."}`; while booting, every command
 *   answers `{"error": "Core is booting, try again later"}`;
 * - unknown commands: 404 with an HTML page;
 * - `peers`: `pending_peers` (bare `IP:port` strings) and `authenticated_peers`
 *   (objects with `address` `IP:port` and `id`), each split in `outbound` and `inbound`,
 *   `null` when empty, pretty-printed with three spaces (jsoncpp's toStyledString also
 *   writes ` : ` between key and value; JSON readers do not care);
 * - `info`: `ApplicationImpl::getJsonInfo` written by jsoncpp's StyledWriter exactly
 *   (`"state" : "Synced!"`, keys sorted), with the state `state` names, one of
 *   `ApplicationImpl::getStateHuman`'s (src/main/ApplicationImpl.cpp);
 * - `connect?peer=NAME&port=N`: resolves NAME to an IPv4 address, answers
 *   `Connect to: NAME:N` and connects afterwards (pending, then authenticated after
 *   `handshakeMs`). A name it cannot resolve answers `{"exception": "Could not resolve
 *   ..."}`. A peer that refuses TCP is accepted the same way and simply never shows up,
 *   as in stellar-core, where the connection fails after the reply.
 */
export interface FakeStellarCoreOptions {
  /** The fake's DNS: name -> IPv4. IPv4 literals resolve to themselves. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** `host`, `host:port` or `IP:port` -> the exception message `connect` answers with. */
  readonly failing?: Readonly<Record<string, string>>;
  /** `IP:port` of peers whose connection never completes (TCP refused, after the reply). */
  readonly refusing?: Iterable<string>;
  /** Time a new connection stays pending before it is authenticated. */
  readonly handshakeMs?: number;
  /** Answer every command with the booting error. */
  readonly booting?: boolean;
  /** The state `info` reports; "Synced!" unless told. */
  readonly state?: CoreState;
  readonly port?: number;
}

/** `ApplicationImpl::getStateHuman` (src/main/ApplicationImpl.cpp, v27.1.0), in order. */
export const CORE_STATES = [
  "Booting",
  "Joining SCP",
  "Connected",
  "Catching up",
  "Synced!",
  "Stopping",
] as const;
export type CoreState = (typeof CORE_STATES)[number];

export interface ConnectRequest {
  readonly peer: string | null;
  readonly port: string | null;
  readonly at: number;
  readonly reply: string;
}

const BOOTING = JSON.stringify({ error: "Core is booting, try again later" });
const NOT_FOUND =
  '<b>Welcome to stellar-core!</b><p>Supported HTTP commands are listed in the <a href="' +
  "https://github.com/stellar/stellar-core/blob/master/docs/software/commands.md#http-commands" +
  '">docs</a> as well as in the man pages.</p><p>Have fun!</p>';
const PEER_ADDRESS = /^(?:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/;

interface Peer {
  readonly address: string;
  readonly direction: "inbound" | "outbound";
  readonly since: number;
  authenticated: boolean;
  timer?: NodeJS.Timeout;
}

export class FakeStellarCore {
  readonly hosts: Map<string, string>;
  readonly failing: Map<string, string>;
  readonly refusing: Set<string>;
  readonly requests: string[] = [];
  readonly connectRequests: ConnectRequest[] = [];
  /** `connect` asked for a peer that was already connected or pending (stellar-core logs an internal bug). */
  duplicateConnects = 0;
  booting: boolean;
  /** What `info` reports as `state`; tests change it as the node moves on. */
  state: CoreState;
  handshakeMs: number;

  readonly #peers = new Map<string, Peer>();
  #server: Server | undefined;
  #port: number;

  private constructor(options: FakeStellarCoreOptions) {
    this.hosts = new Map(Object.entries(options.hosts ?? {}));
    this.failing = new Map(Object.entries(options.failing ?? {}));
    this.refusing = new Set(options.refusing ?? []);
    this.handshakeMs = options.handshakeMs ?? 0;
    this.booting = options.booting ?? false;
    this.state = options.state ?? "Synced!";
    this.#port = options.port ?? 0;
  }

  static async start(options: FakeStellarCoreOptions = {}): Promise<FakeStellarCore> {
    const core = new FakeStellarCore(options);
    await core.listen();
    return core;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (again) on the same port: a stellar-core that comes (back) up. */
  async listen(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((request, response) => this.#handle(request, response));
    server.listen(this.#port, "127.0.0.1");
    await once(server, "listening");
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening (connection refused from now on); peers are forgotten, as in a restart. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const peer of this.#peers.values()) clearTimeout(peer.timer);
    this.#peers.clear();
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }

  /** Authenticated addresses (`IP:port`). */
  authenticated(): string[] {
    return [...this.#peers.values()]
      .filter((peer) => peer.authenticated)
      .map((peer) => peer.address)
      .sort();
  }

  /** A peer drops (or is dropped): it disappears from `peers`. */
  drop(address: string): boolean {
    const peer = this.#peers.get(address);
    if (peer === undefined) return false;
    clearTimeout(peer.timer);
    return this.#peers.delete(address);
  }

  /** A peer that dialled us and completed its handshake. */
  addInbound(address: string): void {
    this.#peers.set(address, {
      address,
      direction: "inbound",
      since: Date.now(),
      authenticated: true,
    });
  }

  /** The connect requests for one `peer` name, in order. */
  connectsFor(peer: string): ConnectRequest[] {
    return this.connectRequests.filter((request) => request.peer === peer);
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const command = url.pathname.replace(/^\//, "");
    this.requests.push(command);
    if (command !== "peers" && command !== "connect" && command !== "info") {
      reply(response, 404, "text/html", NOT_FOUND);
      return;
    }
    if (this.booting) {
      reply(response, 200, "application/json", BOOTING);
      return;
    }
    let body: string;
    try {
      if (command === "peers") body = this.#peersReply();
      else if (command === "info") body = this.#infoReply();
      else body = this.#connect(url.searchParams);
    } catch (error: unknown) {
      body = JSON.stringify({ exception: error instanceof Error ? error.message : "generic" });
    }
    if (command === "connect") {
      this.connectRequests.push({
        peer: url.searchParams.get("peer"),
        port: url.searchParams.get("port"),
        at: Date.now(),
        reply: body,
      });
    }
    reply(response, 200, "application/json", body);
  }

  #connect(params: URLSearchParams): string {
    const name = params.get("peer");
    const port = params.get("port");
    if (name === null || port === null) {
      return "Must specify a peer and port: connect&peer=PEER&port=PORT";
    }
    const target = `${name}:${port}`;
    const match = PEER_ADDRESS.exec(target);
    if (match === null) throw new Error(`Cannot parse peer address '${target}'`);
    const configured = this.failing.get(target) ?? this.failing.get(name);
    if (configured !== undefined) throw new Error(configured);
    const ip = match[1] ?? this.hosts.get(name);
    if (ip === undefined) {
      throw new Error(`Could not resolve '${target}': Host not found (authoritative)`);
    }
    const portNumber = Number(port);
    if (!(portNumber > 0 && portNumber <= 65535)) {
      throw new Error(`Could not resolve '${target}': port out of range`);
    }
    const address = `${ip}:${portNumber}`;
    const failedAtIp = this.failing.get(address);
    if (failedAtIp !== undefined) throw new Error(failedAtIp);
    if (this.#peers.has(address)) {
      this.duplicateConnects += 1;
    } else if (!this.refusing.has(address)) {
      const peer: Peer = {
        address,
        direction: "outbound",
        since: Date.now(),
        authenticated: false,
      };
      this.#peers.set(address, peer);
      const authenticate = (): void => {
        peer.authenticated = true;
      };
      if (this.handshakeMs <= 0) authenticate();
      else peer.timer = setTimeout(authenticate, this.handshakeMs).unref();
    }
    return `Connect to: ${target}`;
  }

  /** The fields of `ApplicationImpl::getJsonInfo` a probe or a person looks at. */
  #infoReply(): string {
    const peers = [...this.#peers.values()];
    return jsoncppStyled({
      info: {
        build: "v27.1.0 (fake)",
        ledger: {
          age: 3,
          baseFee: 100,
          baseReserve: 5000000,
          closeTime: 1700000000,
          hash: "0".repeat(64),
          maxTxSetSize: 100,
          num: 1234,
          version: 23,
        },
        network: "Test SDF Network ; September 2015",
        peers: {
          authenticated_count: peers.filter((peer) => peer.authenticated).length,
          pending_count: peers.filter((peer) => !peer.authenticated).length,
        },
        protocol_version: 23,
        quorum: { qset: { agree: 1, fail_at: 0, hash: "abcdef", ledger: 1233, missing: [] } },
        startedOn: "2024-01-01T00:00:00Z",
        state: this.state,
      },
    });
  }

  #peersReply(): string {
    const peers = [...this.#peers.values()];
    const pending = (direction: Peer["direction"]): string[] | null =>
      orNull(
        peers
          .filter((peer) => !peer.authenticated && peer.direction === direction)
          .map((peer) => peer.address),
      );
    const authenticated = (direction: Peer["direction"]): object[] | null =>
      orNull(
        peers
          .filter((peer) => peer.authenticated && peer.direction === direction)
          .map((peer, index) => ({
            address: peer.address,
            elapsed: Math.floor((Date.now() - peer.since) / 1000),
            flow_control: { local_capacity: { flood: 200, reading: 200 } },
            id: `GFAKE${String(index).padStart(3, "0")}`,
            latency: 1,
            olver: 35,
            ver: "stellar-core 21.0.0 (fake)",
          })),
      );
    return styled({
      authenticated_peers: {
        inbound: authenticated("inbound"),
        outbound: authenticated("outbound"),
      },
      pending_peers: { inbound: pending("inbound"), outbound: pending("outbound") },
    });
  }
}

function orNull<T>(items: T[]): T[] | null {
  return items.length === 0 ? null : items;
}

/** jsoncpp's toStyledString: three-space indentation and a final newline. */
function styled(value: unknown): string {
  return `${JSON.stringify(value, null, 3)}\n`;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * jsoncpp's `Json::StyledWriter::write` (lib/json/jsoncpp.cpp in stellar-core v27.1.0),
 * which `Json::Value::toStyledString` uses: three-space indentation, `"key" : value`, keys
 * sorted (a `std::map`), short arrays of scalars on one line (`[ 1, 2 ]`) when they fit in
 * 74 columns, a final newline.
 */
export function jsoncppStyled(root: Json): string {
  const rightMargin = 74;
  let document = "";
  let indentString = "";
  let childValues: string[] = [];
  let addChildValues = false;
  const pushValue = (text: string): void => {
    if (addChildValues) childValues.push(text);
    else document += text;
  };
  const writeIndent = (): void => {
    if (document.length > 0) {
      const last = document[document.length - 1];
      if (last === " ") return;
      if (last !== "\n") document += "\n";
    }
    document += indentString;
  };
  const writeWithIndent = (text: string): void => {
    writeIndent();
    document += text;
  };
  const isContainerWithChildren = (value: Json): boolean =>
    value !== null &&
    typeof value === "object" &&
    (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
  const isMultilineArray = (values: readonly Json[]): boolean => {
    let multiline = values.length * 3 >= rightMargin;
    childValues = [];
    for (const child of values) {
      if (multiline) break;
      multiline = isContainerWithChildren(child);
    }
    if (!multiline) {
      addChildValues = true;
      let lineLength = 4 + (values.length - 1) * 2;
      for (const child of values) {
        writeValue(child);
        lineLength += childValues[childValues.length - 1]?.length ?? 0;
      }
      addChildValues = false;
      multiline = lineLength >= rightMargin;
    }
    return multiline;
  };
  const writeArray = (values: readonly Json[]): void => {
    if (values.length === 0) {
      pushValue("[]");
      return;
    }
    if (isMultilineArray(values)) {
      writeWithIndent("[");
      indentString += "   ";
      const written = childValues;
      values.forEach((child, index) => {
        const text = written[index];
        if (written.length > 0 && text !== undefined) writeWithIndent(text);
        else {
          writeIndent();
          writeValue(child);
        }
        if (index < values.length - 1) document += ",";
      });
      indentString = indentString.slice(3);
      writeWithIndent("]");
    } else {
      document += `[ ${childValues.join(", ")} ]`;
    }
  };
  function writeValue(value: Json): void {
    if (value === null) pushValue("null");
    else if (typeof value === "string") pushValue(JSON.stringify(value));
    else if (typeof value === "number" || typeof value === "boolean") pushValue(String(value));
    else if (Array.isArray(value)) writeArray(value as readonly Json[]);
    else {
      const object = value as { readonly [key: string]: Json };
      const names = Object.keys(object).sort();
      if (names.length === 0) {
        pushValue("{}");
        return;
      }
      writeWithIndent("{");
      indentString += "   ";
      names.forEach((name, index) => {
        writeWithIndent(JSON.stringify(name));
        document += " : ";
        writeValue(object[name] ?? null);
        if (index < names.length - 1) document += ",";
      });
      indentString = indentString.slice(3);
      writeWithIndent("}");
    }
  }
  writeValue(root);
  return `${document}\n`;
}

function reply(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  response.end(body);
}
