import { DEFAULT_HISTORY_ARCHIVES, NETWORK_PASSPHRASES } from "./networks.js";

export interface HistorySettings {
  enableHistoryArchive?: boolean;
  historyArchiveUrls?: readonly string[] | undefined;
}

/** The archives a validator reads history from: its own list, or SDF's for its network. */
export function historyArchives(
  network: string,
  settings: HistorySettings | undefined,
): readonly string[] {
  if (settings?.enableHistoryArchive === false) return [];
  if (settings?.historyArchiveUrls !== undefined && settings.historyArchiveUrls.length > 0) {
    return settings.historyArchiveUrls;
  }
  return DEFAULT_HISTORY_ARCHIVES[network as keyof typeof DEFAULT_HISTORY_ARCHIVES] ?? [];
}

/** An archive URL as compared here: no scheme, host lower-cased, no trailing slash. */
function archiveKey(url: string): string {
  const rest = url.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  return slash < 0 ? rest.toLowerCase() : rest.slice(0, slash).toLowerCase() + rest.slice(slash);
}

/**
 * The first of `urls` that is SDF's archive of a network whose passphrase is not
 * `passphrase`, with that network. Its History Archive State names its own network passphrase, and stellar-core's
 * catchup fails when it is not NETWORK_PASSPHRASE (CatchupWork::runCatchupStep,
 * src/catchup/CatchupWork.cpp, v27.1.0): "The network passphrase of the application does
 * not match that of the history archive state".
 */
export function archiveOfAnotherNetwork(
  passphrase: string,
  urls: readonly string[],
): { url: string; network: string } | undefined {
  for (const url of urls) {
    const key = archiveKey(url);
    for (const [other, archives] of Object.entries(DEFAULT_HISTORY_ARCHIVES)) {
      if (NETWORK_PASSPHRASES[other as keyof typeof NETWORK_PASSPHRASES] === passphrase) continue;
      if (archives.some((archive) => archiveKey(archive) === key)) return { url, network: other };
    }
  }
  return undefined;
}
