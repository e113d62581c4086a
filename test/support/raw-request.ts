/**
 * A sync request as raw JSON text, for parent and related objects given as text: hostile
 * keys such as `__proto__` survive only in text (an object literal would set a prototype).
 */
export function rawSyncRequest(parent: string, related: Record<string, string>): string {
  const entries = Object.entries(related)
    .map(([key, text]) => `${JSON.stringify(key)}:${text}`)
    .join(",");
  return `{"parent":${parent},"children":{},"related":{"StellarNode.stellar.org/v1alpha1":{${entries}}},"finalizing":false}`;
}
