import { ASSEMBLED_CONFIG } from "./init-script.js";

/**
 * The stellar-core container's args.
 *
 * In v27.1.0 `run` (src/main/CommandLine.cpp, `run` and `waitForConsensusParser`) sets
 * `cfg.FORCE_SCP = cfg.NODE_IS_VALIDATOR ? !waitForConsensus : false`: a validator started
 * without `--wait-for-consensus` bootstraps SCP from its own last closed ledger at once
 * (`ApplicationImpl::start` -> `HerderImpl::bootstrap`, which also marks the ledger
 * "synced"), even when it is far behind the network. With the flag it waits to hear from
 * the network before voting, and reports "Synced!" only once it tracks consensus, which
 * is what the readiness probe (./probes.ts) waits for. (The former `force-scp` command is
 * deprecated and does nothing: `setForceSCPFlag` in src/main/ApplicationUtils.cpp.)
 *
 * `forceScp`: the first node of a new Custom network has nobody to hear from, so it must
 * start consensus from its own (genesis) ledger: it runs without the flag.
 */
export function coreRunArgs(forceScp: boolean): string[] {
  return forceScp
    ? ["run", "--conf", ASSEMBLED_CONFIG]
    : ["run", "--wait-for-consensus", "--conf", ASSEMBLED_CONFIG];
}
