import { once } from "node:events";
import { pino } from "pino";
import { loadSidecarConfig, SidecarConfigError } from "./config.js";
import { PeerConnector } from "./connector.js";
import { StellarCoreClient } from "./core-client.js";
import { createSidecarServer } from "./http.js";
import { createSidecarMetrics } from "./metrics.js";

/**
 * `node dist/hooks/sidecar/main.js`: the LiveConnect sidecar (container `peer-connector`),
 * next to stellar-core in a validator pod. It keeps stellar-core connected to every peer
 * in the mounted KNOWN_PEERS, without a restart.
 */
async function main(): Promise<void> {
  const config = loadSidecarConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, base: { component: "peer-connector" } });
  const metrics = createSidecarMetrics();
  const connector = new PeerConnector({
    peersFile: config.PEERS_FILE,
    core: new StellarCoreClient(config.CORE_URL, config.REQUEST_TIMEOUT_SECONDS * 1000),
    metrics,
    logger,
    backoff: {
      baseMs: config.BACKOFF_BASE_SECONDS * 1000,
      capMs: config.BACKOFF_MAX_SECONDS * 1000,
    },
    pollMs: config.POLL_SECONDS * 1000,
    resyncMs: config.RESYNC_SECONDS * 1000,
  });
  const server = createSidecarServer(connector, metrics.registry, logger);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await connector.stop();
    server.close();
    server.closeIdleConnections();
    // A probe still in flight gets a moment, then its connection is cut.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
    await once(server, "close");
    process.exit(0);
  };
  process.on("SIGTERM", (signal) => void stop(signal));
  process.on("SIGINT", (signal) => void stop(signal));

  server.listen(config.METRICS_PORT, config.HOST);
  await once(server, "listening");
  logger.info(
    {
      peersFile: config.PEERS_FILE,
      coreUrl: config.CORE_URL,
      metrics: `${config.HOST}:${config.METRICS_PORT}`,
    },
    "peer-connector started",
  );
  connector.start();
}

main().catch((error: unknown) => {
  const message = error instanceof SidecarConfigError ? error.message : String(error);
  process.stderr.write(`stellar-peers sidecar: ${message}\n`);
  if (!(error instanceof SidecarConfigError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  process.exit(1);
});
