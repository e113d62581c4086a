/** RFC 3339 in whole seconds, as Kubernetes writes times (metav1.Time). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
