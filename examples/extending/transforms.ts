import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import type { KubeObject } from "../../hooks/kube/objects.js";

/**
 * A platform team's transform: validators run on a dedicated node pool, and every child
 * carries the owning team, taken from the StellarNode's `example.org/team` label.
 */
export const pinToValidatorPool: DesiredStateTransform = (desired, { parent }) => {
  const team = parent.metadata.labels?.["example.org/team"] ?? "unowned";
  return {
    ...desired,
    children: desired.children.map((child): KubeObject => {
      const labelled = {
        ...child,
        metadata: {
          ...child.metadata,
          labels: { ...child.metadata.labels, "example.org/team": team },
        },
      };
      if (child.kind !== "StatefulSet") return labelled;
      const spec = child["spec"] as { template: { spec: Record<string, unknown> } };
      return {
        ...labelled,
        spec: {
          ...spec,
          template: {
            ...spec.template,
            spec: {
              ...spec.template.spec,
              nodeSelector: { "example.org/pool": "validators" },
              tolerations: [
                { key: "example.org/validators", operator: "Exists", effect: "NoSchedule" },
              ],
            },
          },
        },
      };
    }),
  };
};

/** Every transform of the platform, in the order they run. */
export const transforms = [pinToValidatorPool];
