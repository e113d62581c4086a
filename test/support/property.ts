import fc from "fast-check";

/*
 * Property tests run with a fixed seed, so every run (local and CI) checks the same cases
 * and a failure replays. FC_SEED picks another seed; FC_SEED with FC_PATH, both printed by
 * a failure, replays only its counterexample (run just that test: --test-name-pattern).
 */

const DEFAULT_SEED = 20261123;

function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_SEED;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED=${value}: not an integer`);
  return seed;
}

export const FC_SEED = seedFromEnv(process.env["FC_SEED"]);
const FC_PATH = process.env["FC_PATH"] || undefined;

/** fc.assert with the seed (and path) of the environment; a failure says how to replay it. */
export function assertProperty<Ts>(
  property: fc.IProperty<Ts>,
  params: Omit<fc.Parameters<Ts>, "seed" | "path"> = {},
): void {
  const details = fc.check(property, {
    ...params,
    seed: FC_SEED,
    ...(FC_PATH === undefined ? {} : { path: FC_PATH }),
  });
  if (!details.failed) return;
  const replay =
    details.counterexamplePath === null
      ? `FC_SEED=${details.seed}`
      : `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath}`;
  throw new Error(
    `property failed with seed ${details.seed}, path ${details.counterexamplePath ?? "(none)"}; ` +
      `replay with ${replay}\n${fc.defaultReportMessage(details)}\n${describe(details.errorInstance)}`,
    { cause: details.errorInstance },
  );
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `Error of the counterexample: ${error.stack ?? error.message}`
    : "";
}
