import { stringify } from "smol-toml";
import { ADMIN_HTTP_PORT } from "./peer-address.js";
import type { QuorumContent } from "./quorum-set.js";
import {
  LOCAL_ARCHIVE_NAME,
  localArchiveCommands,
  type ArchiveCommands,
} from "./local-history-archive.js";

export const DATA_DIR = "/data";

export interface CoreConfigInput {
  namespace: string;
  name: string;
  networkPassphrase: string;
  peerPort: number;
  /** NODE_HOME_DOMAIN: stellar-core adds the node to this domain's [[VALIDATORS]]. */
  homeDomain: string | undefined;
  historyArchives: readonly string[];
  quorum: QuorumContent;
  /**
   * Publish the node's own archive: [HISTORY.local] with get, put and mkdir on the ledger
   * volume (stellar/local-history-archive.ts), next to the get-only archives it reads.
   */
  publishHistory?: boolean;
}

/**
 * Renders stellar-core.cfg without KNOWN_PEERS and NODE_SEED, which the init container
 * puts before it at pod start. Every top-level key comes before the first table (smol-toml
 * writes plain keys first), so prepending more top-level keys keeps the file valid.
 */
export function renderCoreConfig(input: CoreConfigInput): string {
  const history: Record<string, { get: string } | ArchiveCommands> = {};
  input.historyArchives.forEach((url, index) => {
    const base = url.endsWith("/") ? url : `${url}/`;
    history[`archive${index}`] = { get: `curl -sf ${base}{0} -o {1}` };
  });
  if (input.publishHistory === true) history[LOCAL_ARCHIVE_NAME] = localArchiveCommands();
  const document: Record<string, unknown> = {
    HTTP_PORT: ADMIN_HTTP_PORT,
    // The admin port stays on 127.0.0.1: it can stop the node and is never exposed.
    PUBLIC_HTTP_PORT: false,
    PEER_PORT: input.peerPort,
    NETWORK_PASSPHRASE: input.networkPassphrase,
    NODE_IS_VALIDATOR: true,
    ...(input.homeDomain === undefined ? {} : { NODE_HOME_DOMAIN: input.homeDomain }),
    DATABASE: `sqlite3://${DATA_DIR}/stellar.db`,
    BUCKET_DIR_PATH: `${DATA_DIR}/buckets`,
    LOG_FILE_PATH: "",
    ...input.quorum,
  };
  if (Object.keys(history).length > 0) document["HISTORY"] = history;
  const header =
    `# stellar-core.cfg of StellarNode ${input.namespace}/${input.name}, rendered by stellar-peers.\n` +
    `# KNOWN_PEERS and NODE_SEED are added at pod start; edit the StellarNode, not this file.\n`;
  return `${header}${stringify(document)}\n`;
}
