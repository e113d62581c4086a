import type { ValidatorEntry } from "./automatic-quorum.js";
import { isVBlocking } from "./is-v-blocking.js";
import type { QuorumSet } from "./quorum-set-tree.js";
import { CoreConfigRefused } from "./refusal.js";

/**
 * Config::verifyHistoryValidatorsBlocking (src/main/Config.cpp, v27.1.0): with a generated quorum,
 * the validators that publish an archive (HISTORY in [[VALIDATORS]]) must be v-blocking,
 * so that every quorum holds one; UNSAFE_QUORUM lifts it.
 */
export function verifyHistoryValidatorsBlocking(
  validators: readonly ValidatorEntry[],
  qset: QuorumSet,
  unsafeQuorum: boolean,
): void {
  const archives = new Set(validators.filter((v) => v.hasHistory).map((v) => v.key));
  if (isVBlocking(qset, archives) || unsafeQuorum) return;
  throw new CoreConfigRefused(
    { family: "UnsafeQuorum", origin: "Config::verifyHistoryValidatorsBlocking" },
    "SCP unsafe",
    `a quorum can be reached without validators with an archive: ${archives.size} of the ${validators.length} validators have HISTORY, and they are not v-blocking for the generated quorum set; stellar-core refuses this unless UNSAFE_QUORUM = true`,
  );
}
