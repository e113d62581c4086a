/**
 * Metacontroller's keys of the children and related maps: `Kind.version` for the core
 * group, `Kind.group/version` otherwise (metacontroller v4.17.2, pkg/controller/common/api).
 */
export const GROUP_KEYS = {
  ConfigMap: "ConfigMap.v1",
  Service: "Service.v1",
  Pod: "Pod.v1",
  StatefulSet: "StatefulSet.apps/v1",
  StellarNode: "StellarNode.stellar.org/v1alpha1",
} as const;

/** The apiVersion of the parent and related StellarNodes. */
export const STELLAR_NODE_API_VERSION = "stellar.org/v1alpha1";
