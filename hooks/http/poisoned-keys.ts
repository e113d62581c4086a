import { MAX_OBJECT_DEPTH, nestsDeeperThan } from "../kube/json-depth.js";
import { isDns1123Label, isDns1123Subdomain } from "../kube/names.js";
import { isRecord } from "../kube/objects.js";
import { STELLAR_NODE_API_VERSION } from "../metacontroller/group-keys.js";

/**
 * Keys that could reach an object's prototype once a parsed value is merged into another
 * object by assignment: `__proto__`, and `constructor` holding a `prototype` (the rules of
 * fastify's secure-json-parse). JSON.parse makes them harmless own properties, but nothing
 * downstream should have to know that, so they are removed where they are found.
 */
export function isPoisonedKey(key: string, value: unknown): boolean {
  return key === "__proto__" || (key === "constructor" && isRecord(value) && "prototype" in value);
}

/**
 * Removes every poisoned key from `value`, in place, and returns the dotted paths where it
 * found one (`spec.resources.limits.__proto__`). Iterative: depth is bounded elsewhere.
 */
export function removePoisonedKeys(value: unknown, path: string): string[] {
  const found: string[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (Array.isArray(current)) {
      current.forEach((child, index) =>
        stack.push({ value: child, path: `${item.path}[${index}]` }),
      );
      continue;
    }
    if (!isRecord(current)) continue;
    for (const key of Object.keys(current)) {
      const child = current[key];
      const childPath = item.path === "" ? key : `${item.path}.${key}`;
      if (isPoisonedKey(key, child)) {
        found.push(childPath);
        Reflect.deleteProperty(current, key);
      } else {
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return found.sort();
}

export type RelatedNodeProblem =
  "poisoned" | "too-deep" | "wrong-kind" | "invalid-name" | "invalid-namespace";

/**
 * Why a related StellarNode must be left out of every sync, or undefined: it holds a
 * poisoned key, nests deeper than any object of ours, is not a StellarNode, or has a name
 * or namespace the API server would never give (a newline in a name would add lines to
 * every member's KNOWN_PEERS). Its own sync says why (the same findings of its own request
 * make it Valid=False).
 */
export function relatedNodeProblem(node: unknown): RelatedNodeProblem | undefined {
  if (nestsDeeperThan(node, MAX_OBJECT_DEPTH)) return "too-deep";
  if (removePoisonedKeys(node, "").length > 0) return "poisoned";
  if (!isRecord(node)) return "wrong-kind";
  if (node["apiVersion"] !== STELLAR_NODE_API_VERSION || node["kind"] !== "StellarNode") {
    return "wrong-kind";
  }
  const metadata = isRecord(node["metadata"]) ? node["metadata"] : {};
  const name = metadata["name"];
  if (typeof name !== "string" || !isDns1123Subdomain(name)) return "invalid-name";
  const namespace = metadata["namespace"];
  if (namespace !== undefined && (typeof namespace !== "string" || !isDns1123Label(namespace))) {
    return "invalid-namespace";
  }
  return undefined;
}
