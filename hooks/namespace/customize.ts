import type { CustomizeResponse } from "../metacontroller/composite-hooks.js";
import type { DecoratorCustomizeRequest } from "../metacontroller/decorator-hooks.js";
import { SUMMARY_CONFIGMAP_NAME } from "./summary.js";

/**
 * The related objects a Namespace's summary needs: the StellarNodes of that namespace, and
 * any ConfigMap named stellar-peers there, whoever owns it (attachments only ever show the
 * decorator's own). Depends on the Namespace's name only: Metacontroller caches the answer
 * per uid and generation (pkg/controller/common/customize/manager.go). `names` and
 * `namespace` select by namespace then name (selectByNamespaceAndNames there).
 */
export function customizeNamespace(request: DecoratorCustomizeRequest): CustomizeResponse {
  const namespace = request.parent.metadata.name;
  return {
    relatedResources: [
      { apiVersion: "stellar.org/v1alpha1", resource: "stellarnodes", namespace },
      { apiVersion: "v1", resource: "configmaps", namespace, names: [SUMMARY_CONFIGMAP_NAME] },
    ],
  };
}
