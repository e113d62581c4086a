import { z } from "zod";
import { ConfigError, LogLevelSchema, parseEnvironment } from "../env.js";

/** The LiveConnect sidecar's configuration, from the environment only. */
const EnvSchema = z
  .object({
    PEERS_FILE: z.string().min(1).default("/etc/stellar/peers/KNOWN_PEERS"),
    CORE_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:11626"),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9102),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: LogLevelSchema,
    /** Re-read KNOWN_PEERS this often even without a change event. */
    RESYNC_SECONDS: z.coerce.number().positive().max(3600).default(30),
    /** Ask stellar-core for its peers this often, to notice a dropped peer. */
    POLL_SECONDS: z.coerce.number().positive().max(3600).default(10),
    BACKOFF_BASE_SECONDS: z.coerce.number().positive().max(3600).default(1),
    BACKOFF_MAX_SECONDS: z.coerce.number().positive().max(3600).default(60),
    REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(5),
  })
  .refine((env) => env.BACKOFF_BASE_SECONDS <= env.BACKOFF_MAX_SECONDS, {
    message: "BACKOFF_BASE_SECONDS must not exceed BACKOFF_MAX_SECONDS",
    path: ["BACKOFF_BASE_SECONDS"],
  });

export type SidecarConfig = z.output<typeof EnvSchema>;

/** The sidecar's configuration errors are the hook server's kind: one message per variable. */
export { ConfigError as SidecarConfigError };

export function loadSidecarConfig(env: NodeJS.ProcessEnv): SidecarConfig {
  return parseEnvironment(EnvSchema, env);
}
