import type { CustomizeRequest, CustomizeResponse } from "./hook-api.js";

/**
 * The related objects a StellarNode's sync needs: the StellarNodes of its namespace.
 * Metacontroller caches this per parent uid and generation, so it depends on the parent
 * only. With `namespace` and no names, v4.17.2 selects every object of that namespace
 * (pkg/controller/common/customize/manager.go, selectByNamespaceAndNames).
 */
export function customizeStellarNode(request: CustomizeRequest): CustomizeResponse {
  const namespace = request.parent.metadata.namespace;
  return {
    relatedResources: [
      {
        apiVersion: "stellar.org/v1alpha1",
        resource: "stellarnodes",
        ...(namespace === undefined ? {} : { namespace }),
      },
    ],
  };
}
