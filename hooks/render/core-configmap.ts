import type { KubeObject } from "../kube/objects.js";
import { coreConfigMapName } from "./names.js";

/**
 * The key releases before template pacing read; it holds the config of the applied pod
 * template, so a pod still on such a template that restarts finds its own config.
 */
export const CORE_CONFIG_KEY = "stellar-core.cfg";

/** The key of a config by its SHA-256, the pod template's CONFIG_HASH (a shell word works). */
export function coreConfigKey(hash: string): string {
  return `stellar-core-${hash}.cfg`;
}

/** One stellar-core.cfg and its SHA-256. */
export interface CoreConfigEntry {
  hash: string;
  text: string;
}

/**
 * The config ConfigMap: the desired stellar-core.cfg and, while a new pod template waits
 * for its turn, the applied one, each under its hash; the init container takes the one its
 * template names. `applied` is undefined when the applied config is not known (then a pod
 * of the applied template that restarts waits for it, and stops rather than start with
 * another).
 */
export function renderCoreConfigMap(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  desired: CoreConfigEntry,
  applied: CoreConfigEntry | undefined,
): KubeObject {
  const entries = [...(applied === undefined ? [] : [applied]), desired].sort((a, b) =>
    a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0,
  );
  const data: Record<string, string> = {};
  if (applied !== undefined) data[CORE_CONFIG_KEY] = applied.text;
  for (const entry of entries) data[coreConfigKey(entry.hash)] = entry.text;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: coreConfigMapName(name), namespace, labels: { ...labels } },
    data,
  };
}
