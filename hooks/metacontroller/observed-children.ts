import type { KubeObject } from "../kube/objects.js";
import { isKubeObject, isRecord } from "../kube/objects.js";
import { MAX_OBJECT_DEPTH, nestsDeeperThan } from "../kube/json-depth.js";
import { compareText } from "../kube/keys.js";

/** Metacontroller's 3-way merge keeps what it applied here (pkg/dynamic/apply). */
const LAST_APPLIED_ANNOTATION = "metacontroller.k8s.io/last-applied-configuration";

/** Order of children in every response, so output is byte-identical for the same input. */
const KIND_ORDER = ["ConfigMap", "Service", "StatefulSet"];

/** The observed child `name` of a group, whatever the key style (name or ns/name). */
export function findObservedChild(
  children: unknown,
  groupKey: string,
  name: string,
): KubeObject | undefined {
  if (!isRecord(children)) return undefined;
  const group = children[groupKey];
  if (!isRecord(group)) return undefined;
  for (const object of Object.values(group)) {
    if (isKubeObject(object) && object.metadata.name === name) return object;
  }
  return undefined;
}

/**
 * The observed children as they were last applied, for a parent whose spec cannot be
 * rendered: returning them unchanged keeps everything running, whereas leaving them out
 * would make Metacontroller delete them. The live objects are not returned as they are:
 * they carry status, resourceVersion and defaults that are not ours to apply.
 */
export function observedChildrenAsLastApplied(children: unknown): KubeObject[] {
  if (!isRecord(children)) return [];
  const result: KubeObject[] = [];
  for (const group of Object.values(children)) {
    if (!isRecord(group)) continue;
    for (const object of Object.values(group)) {
      if (isKubeObject(object)) result.push(asLastApplied(object));
    }
  }
  return sortChildren(result);
}

export function asLastApplied(live: KubeObject): KubeObject {
  const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (text !== undefined) {
    try {
      const applied: unknown = JSON.parse(text);
      // A hand-edited annotation nested absurdly deep would overflow recursive code later.
      if (
        isRecord(applied) &&
        isRecord(applied["metadata"]) &&
        !nestsDeeperThan(applied, MAX_OBJECT_DEPTH)
      ) {
        return {
          ...applied,
          apiVersion: live.apiVersion,
          kind: live.kind,
          metadata: {
            ...applied["metadata"],
            name: live.metadata.name,
            ...(live.metadata.namespace === undefined
              ? {}
              : { namespace: live.metadata.namespace }),
          },
        };
      }
    } catch {
      // Not ours or damaged: fall back to the live object below.
    }
  }
  return stripServerFields(live);
}

function stripServerFields(live: KubeObject): KubeObject {
  const { status: _status, ...rest } = live;
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    generation: _gen,
    managedFields: _mf,
    ownerReferences: _or,
    selfLink: _sl,
    ...metadata
  } = live.metadata;
  return { ...rest, metadata };
}

export function sortChildren(children: KubeObject[]): KubeObject[] {
  return [...children].sort((a, b) => {
    const kind = KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
    if (kind !== 0) return kind;
    const ka = `${a.apiVersion}/${a.kind}/${a.metadata.name}`;
    const kb = `${b.apiVersion}/${b.kind}/${b.metadata.name}`;
    return compareText(ka, kb);
  });
}
