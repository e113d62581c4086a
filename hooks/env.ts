import { z } from "zod";

/** pino's levels, as LOG_LEVEL takes them (the hook server and the sidecar alike). */
export const LogLevelSchema = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");

/** Raised for an environment that does not fit its schema; the message names each variable. */
export class ConfigError extends Error {}

/**
 * Parses the environment with `schema`. Empty variables count as unset, as a Kubernetes
 * `value: ""` or a shell's `VAR=` mean "no value" to operators.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
): z.output<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}
