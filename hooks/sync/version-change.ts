import { isRecord } from "../kube/objects.js";
import { schemaChangeProblem } from "../stellar/db-schema.js";
import type { ObservedState } from "./observed-state.js";
import { runsAppliedTemplate } from "./runs-applied.js";

/** The stellar-core container's image in a pod template; undefined when not found. */
function coreImageOf(template: unknown): string | undefined {
  const spec = isRecord(template) ? template["spec"] : undefined;
  const containers = isRecord(spec) ? spec["containers"] : undefined;
  if (!Array.isArray(containers)) return undefined;
  const core: unknown = containers.find(
    (container) => isRecord(container) && container["name"] === "stellar-core",
  );
  return isRecord(core) && typeof core["image"] === "string" ? core["image"] : undefined;
}

/**
 * The release an image runs: the table's release for it, else the release its tag starts
 * with (SDF's tags are `<release>-<build>.<commit>.<distro>`); undefined otherwise.
 */
export function releaseOfImage(
  image: string,
  table: ReadonlyMap<string, string>,
): string | undefined {
  for (const [release, tableImage] of table) if (tableImage === image) return release;
  const tag = /:v?(\d+\.\d+\.\d+)(?:-[^/:@]*)?(?:@.*)?$/.exec(image);
  return tag?.[1];
}

/**
 * Why the applied pod template's stellar-core may not be replaced by `desiredImage`, if it
 * may not: the database it left on the ledger volume (kept across spec changes) is outside
 * the schema range of the new release (stellar/db-schema.ts). The restarted pod would fail
 * at every start, and after stuckAfterSeconds the rollout would move on to the next member.
 * Judged only while the pod runs Ready on the applied template (runs-applied.ts): only then
 * has that release left its schema on the volume.
 */
export function versionChangeProblem(
  observed: ObservedState,
  name: string,
  desiredImage: string,
  table: ReadonlyMap<string, string>,
): string | undefined {
  if (!runsAppliedTemplate(observed, name)) return undefined;
  const appliedImage = coreImageOf(observed.appliedTemplate);
  if (appliedImage === undefined || appliedImage === desiredImage) return undefined;
  const from = releaseOfImage(appliedImage, table);
  const to = releaseOfImage(desiredImage, table);
  if (from === undefined || to === undefined) return undefined;
  const problem = schemaChangeProblem(from, to);
  return problem === undefined
    ? undefined
    : `spec.version ${to} cannot follow ${from} on this validator's ledger volume: ${problem}`;
}
