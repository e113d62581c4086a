import type { KubeObject } from "../kube/objects.js";

/**
 * Metacontroller's CompositeController hook contract (metacontroller v4.17.2,
 * pkg/controller/composite/api/v2/hooks.go and common/customize/api/v2/hooks.go).
 */
export interface SyncRequest {
  controller?: unknown;
  parent: KubeObject;
  /** Observed children: `Kind.version` or `Kind.group/version` -> name or ns/name -> object. */
  children?: unknown;
  /** Related objects from the customize hook, keyed like children. */
  related?: unknown;
  finalizing?: boolean;
}

/**
 * Hook v2 parses the response strictly: these keys and no others. `status` replaces the
 * parent's whole status; observed children missing from `children` are deleted.
 */
export interface SyncResponse<Status> {
  status: Status;
  children: KubeObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

export interface CustomizeRequest {
  controller?: unknown;
  parent: KubeObject;
}

export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  labelSelector?: Record<string, unknown>;
  namespaceSelector?: Record<string, unknown>;
  names?: string[];
}

export interface CustomizeResponse {
  relatedResources: RelatedResourceRule[];
}
