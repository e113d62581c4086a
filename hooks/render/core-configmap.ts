import type { KubeObject } from "../kube/objects.js";
import { coreConfigMapName } from "./names.js";

export const CORE_CONFIG_KEY = "stellar-core.cfg";

export function renderCoreConfigMap(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  coreConfig: string,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: coreConfigMapName(name), namespace, labels: { ...labels } },
    data: { [CORE_CONFIG_KEY]: coreConfig },
  };
}
