/**
 * Kubernetes name rules that decide whether a StellarNode can own valid children.
 * Sources: k8s.io/apimachinery/pkg/util/validation (DNS-1035 label for Services,
 * 63-character label values) and the StatefulSet controller, which labels each pod with
 * `controller-revision-hash: <statefulset>-<hash of up to 10 chars>`, so a StatefulSet
 * name longer than 52 characters yields pods whose label is invalid.
 */

const MAX_STELLAR_NODE_NAME_LENGTH = 52;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` cannot be a StellarNode that owns a StatefulSet and a Service, or undefined. */
export function stellarNodeNameProblem(name: string): string | undefined {
  if (name.length > MAX_STELLAR_NODE_NAME_LENGTH) {
    return `metadata.name "${name}" has ${name.length} characters; at most ${MAX_STELLAR_NODE_NAME_LENGTH} fit the StatefulSet's pod labels`;
  }
  if (!DNS1035_LABEL.test(name)) {
    return `metadata.name "${name}" must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, no dots) to name the validator's Service`;
  }
  return undefined;
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace's name: a DNS-1123 label (k8s.io/apimachinery ValidateNamespaceName). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}
