import type { CustomizeResponse } from "../metacontroller/composite-hooks.js";
import type { DecoratorCustomizeRequest } from "../metacontroller/decorator-hooks.js";
import { LABEL_GROUP } from "../discovery/group-label.js";
import { SUMMARY_CONFIGMAP_NAME } from "./summary.js";

/**
 * The related objects a Namespace's summary needs: the StellarNodes of that namespace, any
 * ConfigMap named stellar-peers there, whoever owns it (attachments only ever show the
 * decorator's own), and the pods carrying a group label (the group budgets). Depends on the Namespace's name only: Metacontroller caches the answer
 * per uid and generation (pkg/controller/common/customize/manager.go). `names` and
 * `namespace` select by namespace then name (selectByNamespaceAndNames there).
 */
export function customizeNamespace(request: DecoratorCustomizeRequest): CustomizeResponse {
  const namespace = request.parent.metadata.name;
  return {
    relatedResources: [
      { apiVersion: "stellar.org/v1alpha1", resource: "stellarnodes", namespace },
      { apiVersion: "v1", resource: "configmaps", namespace, names: [SUMMARY_CONFIGMAP_NAME] },
      // The validator pods by their group label: a pod keeps the label of the template it
      // runs until its paced restart, and keeps its budget until then (group-budgets.ts).
      {
        apiVersion: "v1",
        resource: "pods",
        namespace,
        labelSelector: { matchExpressions: [{ key: LABEL_GROUP, operator: "Exists" }] },
      },
    ],
  };
}
