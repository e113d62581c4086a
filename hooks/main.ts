import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, loadConfig } from "./config.js";
import { buildServer } from "./http/server.js";

/** `npm start`: the hook server, configured from the environment. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { app, beginShutdown } = await buildServer({ config });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down: readiness off, finishing requests in flight");
    beginShutdown();
    // Give Service endpoints time to drop this pod before the listener closes.
    await sleep(config.SHUTDOWN_GRACE_SECONDS * 1000);
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", (signal) => void stop(signal));
  process.on("SIGINT", (signal) => void stop(signal));
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : String(error);
  process.stderr.write(`stellar-peers: ${message}\n`);
  if (!(error instanceof ConfigError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  process.exit(1);
});
