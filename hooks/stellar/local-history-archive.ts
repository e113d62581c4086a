/** The [HISTORY.<name>] a publishing validator writes: `stellar-core new-hist local` names it. */
export const LOCAL_ARCHIVE_NAME = "local";

/**
 * The published archive's directory, on the ledger volume (core-config.ts's DATA_DIR) next
 * to the database and buckets. Spelled out: core-config.ts imports this module.
 */
export const LOCAL_ARCHIVE_DIR = "/data/history";
/** LOCAL_ARCHIVE_DIR relative to the ledger volume's root (a volume mount's subPath). */
export const LOCAL_ARCHIVE_SUBPATH = "history";

/**
 * The file whose presence means the archive is initialized: the History Archive State that
 * `stellar-core new-hist` puts last and every publish overwrites
 * (`HistoryArchiveState::wellKnownRemoteName`, src/history/HistoryArchive.cpp).
 */
export const WELL_KNOWN_STATE = ".well-known/stellar-history.json";

/** HistoryArchiveConfiguration's three commands (src/main/Config.h, v27.1.0). */
export interface ArchiveCommands {
  get: string;
  put: string;
  mkdir: string;
}

/**
 * The commands of a local archive in `dir`, as docs/stellar-core_example.cfg's
 * [HISTORY.local] and stellar-core's own history tests (`TmpDirHistoryConfigurator::configure`,
 * src/history/test/HistoryTestsUtils.cpp, writable) write them. How stellar-core v27.1.0
 * runs them:
 * - `HistoryArchive::getFileCmd(remote, local)` formats `get` with {0} = the remote path,
 *   relative to the archive's root (e.g. `history/00/00/00/history-0000003f.json`), {1} =
 *   a local file in its temporary directory; `putFileCmd(local, remote)` formats `put`
 *   with {0} = local, {1} = remote; `mkdirCmd(remoteDir)` formats `mkdir` with {0} = a
 *   remote directory, run before the files of that directory are put (`formatString`:
 *   fmt's positional arguments).
 * - `ProcessManagerImpl` splits the formatted line on whitespace and starts it with
 *   `posix_spawnp`: no shell, so no quoting, redirection or `&&`; one program per command,
 *   found on PATH, and exit status 0 means success.
 * `cp` and `mkdir -p` are in every image stellar-core ships in (coreutils). `cp` writes in
 * place: a reader may see a file while it is written (the same as stellar-core's own
 * example); `stellar-history.json`, which points readers at the checkpoint's files, is put
 * after them.
 */
export function localArchiveCommands(dir: string = LOCAL_ARCHIVE_DIR): ArchiveCommands {
  return {
    get: `cp ${dir}/{0} {1}`,
    put: `cp {0} ${dir}/{1}`,
    mkdir: `mkdir -p ${dir}/{0}`,
  };
}
