import { DEFAULT_HISTORY_ARCHIVES } from "./networks.js";

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
