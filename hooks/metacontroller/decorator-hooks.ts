import type { KubeObject } from "../kube/objects.js";

/**
 * Metacontroller's DecoratorController hook contract, hook version v2 (metacontroller
 * v4.17.2, pkg/controller/decorator/api/v2/hooks.go and decorator/controller.go).
 */
export interface DecoratorSyncRequest {
  controller?: unknown;
  /** The decorated object: here a Namespace (cluster-scoped). */
  object: KubeObject;
  /**
   * Observed attachments: `Kind.version` -> `ns/name` -> object. Only objects whose
   * controllerRef is this Namespace AND that carry the annotation
   * `metacontroller.k8s.io/decorator-controller: <this controller>` (decorator/controller.go,
   * getChildren): an un-owned ConfigMap of the same name never shows up here.
   */
  attachments?: unknown;
  /** Related objects from the customize hook, keyed like attachments. */
  related?: unknown;
  finalizing?: boolean;
}

/**
 * The v2 response is parsed strictly (pkg/hooks/webhook.go: strict is the default for v2):
 * these keys and no others. `labels`/`annotations` are merged into the object's; a `null`
 * value deletes that key (decorator/controller.go, updateStringMap). `status: null` leaves
 * the object's status alone. Observed attachments missing from `attachments` are deleted.
 */
export interface DecoratorSyncResponse {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  status: null;
  attachments: KubeObject[];
  resyncAfterSeconds: number;
  finalized?: boolean;
}

export interface DecoratorCustomizeRequest {
  controller?: unknown;
  /** The decorated object (the customize request calls it `parent` for every controller kind). */
  parent: KubeObject;
}
