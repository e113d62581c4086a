/** A Kubernetes label selector (k8s.io/apimachinery/pkg/apis/meta/v1 LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?:
    | {
        key: string;
        operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
        values?: string[] | undefined;
      }[]
    | undefined;
}

/** Whether `labels` match `selector`; an empty selector matches everything, as in Kubernetes. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Record<string, string>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case "In":
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}
