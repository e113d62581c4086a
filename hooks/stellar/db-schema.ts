/**
 * The database schema versions each stellar-core release opens: MIN_SCHEMA_VERSION and
 * SCHEMA_VERSION of src/database/Database.h (Database.cpp before 22.2.0) at each release
 * tag of stellar/stellar-core. `run` first upgrades the database to SCHEMA_VERSION, and
 * Database::upgradeToCurrentSchema refuses one outside [MIN_SCHEMA_VERSION,
 * SCHEMA_VERSION] (validateVersion, src/database/Database.cpp, v27.1.0): "DB schema version
 * N is older than minimum supported schema M" / "... is newer than application schema M".
 */
const SCHEMA_RANGES: ReadonlyMap<string, readonly [number, number]> = new Map([
  ["22.0.0", [21, 22]],
  ["22.1.0", [21, 23]],
  ["22.2.0", [21, 24]],
  ["22.3.0", [21, 24]],
  ["22.4.1", [21, 24]],
  ["23.0.0", [21, 24]],
  ["23.0.1", [21, 24]],
  ["24.0.0", [21, 24]],
  ["24.1.0", [21, 25]],
  ["25.0.0", [21, 25]],
  ["25.0.1", [21, 25]],
  ["25.1.0", [25, 26]],
  ["25.1.1", [25, 26]],
  ["25.1.3", [25, 26]],
  ["25.2.0", [25, 27]],
  ["26.0.0", [25, 28]],
  ["26.0.1", [25, 28]],
  ["26.1.0", [25, 28]],
  ["27.0.0", [25, 28]],
  ["27.1.0", [25, 28]],
]);

/** The schema range of a release ("27.0.0" or "v27.0.0"); undefined when not known here. */
export function schemaRange(release: string): { min: number; max: number } | undefined {
  const range = SCHEMA_RANGES.get(release.replace(/^v/, ""));
  return range === undefined ? undefined : { min: range[0], max: range[1] };
}

/**
 * Why the ledger database a release left on the volume cannot be opened by another, if it
 * cannot: after `from` ran, the database is at its SCHEMA_VERSION, which `to` must accept.
 */
export function schemaChangeProblem(from: string, to: string): string | undefined {
  const before = schemaRange(from);
  const after = schemaRange(to);
  if (before === undefined || after === undefined) return undefined;
  if (before.max < after.min) {
    return `stellar-core ${from} left the ledger database at schema ${before.max}, and ${to} opens schema ${after.min} or newer only ("DB schema version ${before.max} is older than minimum supported schema ${after.min}"): upgrade through a release that opens both first`;
  }
  if (before.max > after.max) {
    return `stellar-core ${from} left the ledger database at schema ${before.max}, newer than ${to} opens (${after.max}: "DB schema version ${before.max} is newer than application schema ${after.max}"): a release cannot go back below its database`;
  }
  return undefined;
}
