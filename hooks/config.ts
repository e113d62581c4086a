import { z } from "zod";
import { ConfigError, LogLevelSchema, parseEnvironment } from "./env.js";
import { DNS1123_SUBDOMAIN } from "./kube/names.js";
import { parseCoreImageOverrides } from "./stellar/core-images.js";

const MIB = 1024 * 1024;

/** The hook server's configuration, from the environment only. */
const EnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: LogLevelSchema,
    // A namespace of thousands of validators, with managedFields and last-applied
    // annotations, makes a sync request of tens of megabytes.
    BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(MIB)
      .default(64 * MIB),
    // The bytes of hook bodies held at once (inflight-budget.ts). A body costs about twice
    // its size at its peak while it is synced, three times at worst (BENCHMARKS.md, npm run
    // bench -- --hostile): 96 MiB keeps a replica under the Deployment's 512 MiB limit,
    // with the up to 32 MiB of free body buffers kept between requests (receive-body.ts).
    INFLIGHT_BODY_BUDGET: z.coerce
      .number()
      .int()
      .min(MIB)
      .default(96 * MIB),
    CLUSTER_DOMAIN: z.string().regex(DNS1123_SUBDOMAIN).default("cluster.local"),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    AUTH_TOKEN_FILE: z.string().min(1).optional(),
    // The hook server's own image: validators with LiveConnect run it as their sidecar.
    SIDECAR_IMAGE: z.string().min(1).optional(),
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(300).default(5),
    // on: validators of namespace-scoped DNS groups relate the namespace decorator's group
    // view and their turn instead of every StellarNode (docs/how-it-works.md, "Coordinated
    // by the namespace decorator"). Off by default in this release: a release before it,
    // rolled back to while Metacontroller still holds a coordinated customize answer (up to
    // 20 minutes), would read such a request as a group of one (docs/upgrade.md).
    COORDINATED_ROLLOUT: z.enum(["on", "off"]).default("off"),
    // stellar-core release -> image, as JSON ({"27.1.0":"stellar/stellar-core:27.1.0-...noble"}),
    // merged over the built-in table of hooks/stellar/core-images.ts: added releases, and
    // changed images for releases the table names. Unset: the built-in table alone.
    STELLAR_CORE_IMAGES: z
      .string()
      .optional()
      .transform((text, ctx) => {
        const result = parseCoreImageOverrides(text);
        if (result.ok) return result.table;
        ctx.addIssue({ code: "custom", message: result.message });
        return z.NEVER;
      }),
  })
  .refine((env) => (env.TLS_CERT_FILE === undefined) === (env.TLS_KEY_FILE === undefined), {
    message: "set both TLS_CERT_FILE and TLS_KEY_FILE, or neither",
    path: ["TLS_CERT_FILE"],
  });

export type ServerConfig = z.output<typeof EnvSchema>;

export { ConfigError };

export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  return parseEnvironment(EnvSchema, env);
}
