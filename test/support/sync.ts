import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import {
  syncStellarNode,
  type StellarNodeSyncResponse,
  type SyncOptions,
} from "../../hooks/sync/sync.js";

/** The sync hook's response alone, for tests that assert on what Metacontroller receives. */
export function syncResponse(request: SyncRequest, options: SyncOptions): StellarNodeSyncResponse {
  return syncStellarNode(request, options).response;
}
