import { setTimeout as delay } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { ConfigError, loadConfig } from "./config.js";
import { buildServer } from "./http/server.js";
import type { DesiredStateTransform } from "./metacontroller/transforms.js";

export interface RunServerOptions {
  /** Platform transforms over the desired state, in order (hooks/metacontroller/transforms.ts). */
  transforms?: readonly DesiredStateTransform[];
  /** Where the configuration is read from: process.env unless given. */
  env?: NodeJS.ProcessEnv;
  /** The hooks' clock: `new Date()` unless given (tests fix it). */
  now?: () => Date;
  /** Waits out SHUTDOWN_GRACE_SECONDS on a stop signal: a timer unless given. */
  sleep?: (milliseconds: number) => Promise<void>;
  /** Where the JSON log lines go: stdout unless given. */
  logStream?: NodeJS.WritableStream;
  /** The stop signals, exit and stderr of the process: this process unless given. */
  process?: ServerProcess;
}

/** What runServer uses of its process. */
export interface ServerProcess {
  on(signal: "SIGTERM" | "SIGINT", listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  stderr: { write(text: string): unknown };
}

export interface RunningServer {
  app: FastifyInstance;
  /** Where it listens, e.g. `http://0.0.0.0:8080`. */
  address: string;
  /** What SIGTERM does; resolves once the listener is closed and exit(0) called. */
  stop: (signal?: string) => Promise<void>;
}

/**
 * The hook server as `npm start` runs it, with the platform's transforms: the
 * configuration from the environment (hooks/config.ts; an invalid one is printed and the
 * process exits 1), listening on PORT and HOST, over TLS when TLS_CERT_FILE and
 * TLS_KEY_FILE are set. On SIGTERM or SIGINT it drains: /readyz turns 503 at once, the
 * listener stays open SHUTDOWN_GRACE_SECONDS (for Service endpoints to drop the pod), then
 * closes once the requests in flight are answered, and the process exits 0 (1 if closing
 * fails). A server that cannot start (a TLS file missing, the port taken) exits 1.
 */
export async function runServer(options: RunServerOptions = {}): Promise<RunningServer> {
  const host = options.process ?? process;
  const sleep = options.sleep ?? ((milliseconds: number) => delay(milliseconds));
  try {
    const config = loadConfig(options.env ?? process.env);
    const { app, beginShutdown } = await buildServer({
      config,
      transforms: options.transforms ?? [],
      ...(options.now ? { now: options.now } : {}),
      ...(options.logStream ? { logStream: options.logStream } : {}),
    });
    let stopping: Promise<void> | undefined;
    const drain = async (signal: string): Promise<void> => {
      app.log.info(
        { signal, graceSeconds: config.SHUTDOWN_GRACE_SECONDS },
        "shutting down: readiness off, finishing requests in flight",
      );
      beginShutdown();
      try {
        // Give Service endpoints time to drop this pod before the listener closes.
        await sleep(config.SHUTDOWN_GRACE_SECONDS * 1000);
        await app.close();
      } catch (error) {
        fail(host, error);
        return;
      }
      host.exit(0);
    };
    const stop = (signal = "stop"): Promise<void> => (stopping ??= drain(signal));
    host.on("SIGTERM", (signal) => void stop(signal));
    host.on("SIGINT", (signal) => void stop(signal));
    const address = await app.listen({ port: config.PORT, host: config.HOST });
    return { app, address, stop };
  } catch (error) {
    fail(host, error);
    throw error;
  }
}

/** Prints why the server cannot run (a configuration error without its stack) and exits 1. */
function fail(host: ServerProcess, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  host.stderr.write(`stellar-peers: ${message}\n`);
  if (!(error instanceof ConfigError) && error instanceof Error && error.stack) {
    host.stderr.write(`${error.stack}\n`);
  }
  host.exit(1);
}
