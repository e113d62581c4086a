/** `namespace/name`: how the hooks key a namespaced object, and the group's order. */
export function namespacedName(object: { namespace: string; name: string }): string {
  return `${object.namespace}/${object.name}`;
}

/**
 * Code-unit order of two strings, the same on every platform and locale (localeCompare is
 * not): sorted output stays byte-identical wherever the hook runs.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
