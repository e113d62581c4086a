/**
 * Whether `value` nests arrays and objects deeper than `limit`. Iterative, so a hostile
 * value of any depth costs a bounded stack: recursive code (stable stringifying, TOML
 * writing, JSON.stringify) must only ever see values this has passed.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== "object" || item.value === null) continue;
    if (item.depth >= limit) return true;
    for (const child of Object.values(item.value)) {
      if (typeof child === "object" && child !== null) {
        stack.push({ value: child, depth: item.depth + 1 });
      }
    }
  }
  return false;
}

/**
 * How deep a parsed request may nest. Kubernetes objects nest a few tens of levels (a pod
 * template's probes are about 12 deep); more is hostile or broken.
 */
export const MAX_OBJECT_DEPTH = 64;
