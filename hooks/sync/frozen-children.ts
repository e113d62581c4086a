import type { KubeObject } from "../kube/objects.js";
import {
  observedChildrenAsLastApplied,
  sortChildren,
} from "../metacontroller/observed-children.js";

/**
 * The children of a validator whose spec or config is refused: every observed child as last
 * applied (an omitted child would be deleted, and a changed StatefulSet or config could
 * roll the pod onto what stellar-core refuses), except `following`, the children that start
 * nothing (the peers ConfigMap and the Service), which keep following discovery.
 */
export function frozenChildren(observed: unknown, following: readonly KubeObject[]): KubeObject[] {
  const replaced = new Set(following.map(identity));
  return sortChildren([
    ...observedChildrenAsLastApplied(observed).filter((child) => !replaced.has(identity(child))),
    ...following,
  ]);
}

function identity(object: KubeObject): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.name}`;
}
