import { applyObjects } from "./kube.js";
import {
  assertNothingPending,
  getStellarNode,
  peerAddress,
  validatorObjects,
  waitForPeers,
  waitForValidatorReady,
} from "./stellar.js";
import { waitFor } from "./wait.js";

interface StellarNodeObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Validators like validatorObjects, with spec fields (e.g. peerDiscovery) and labels added. */
export async function createValidatorsWith(
  namespace: string,
  names: readonly string[],
  spec: Record<string, unknown>,
  labels: Record<string, string> = {},
): Promise<void> {
  const objects = names.flatMap((name) =>
    validatorObjects(namespace, name).map((object) => {
      const node = object as StellarNodeObject;
      if (node.kind !== "StellarNode") return object;
      return {
        ...node,
        metadata: { ...node.metadata, labels: { ...node.metadata.labels, ...labels } },
        spec: { ...node.spec, ...spec },
      };
    }),
  );
  await applyObjects(objects);
}

/**
 * Waits until every validator of `names` lists all the others, runs Ready, and has its
 * current pod template on its StatefulSet (no restart pending).
 */
export async function waitForGroupConverged(
  namespace: string,
  names: readonly string[],
  timeoutMs = 180_000,
): Promise<void> {
  for (const name of names) {
    const others = names
      .filter((other) => other !== name)
      .map((other) => peerAddress(namespace, other));
    await waitForPeers(namespace, name, others, timeoutMs);
  }
  await waitForNothingPending(namespace, names, timeoutMs);
}

/**
 * Waits until every validator of `names` runs its current pod template: nothing pending
 * (pendingRestart false, TemplateApplied=True, desired and applied template hashes equal)
 * and Ready on it. A scenario that asserts "nobody restarts" waits for this first, or a
 * rollout still under way is taken for a restart it caused.
 */
export async function waitForNothingPending(
  namespace: string,
  names: readonly string[],
  timeoutMs = 180_000,
): Promise<void> {
  for (const name of names) {
    await waitFor(
      `${namespace}/${name} to run its current pod template (pendingRestart false, TemplateApplied=True)`,
      async () => assertNothingPending(name, (await getStellarNode(namespace, name)).status),
      timeoutMs,
    );
    await waitForValidatorReady(namespace, name, timeoutMs);
  }
}
