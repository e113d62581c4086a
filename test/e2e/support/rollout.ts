import assert from "node:assert/strict";
import { applyObjects, condition } from "./kube.js";
import {
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
 * current list on its pod template (no restart pending).
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
  for (const name of names) {
    await waitFor(
      `${namespace}/${name} to run its current peer list (pendingRestart false, PeersApplied=True)`,
      async () => {
        const node = await getStellarNode(namespace, name);
        const status = node.status as Record<string, unknown> | undefined;
        assert.equal(status?.["pendingRestart"], false, `${name} status.pendingRestart`);
        assert.equal(condition(node.status?.conditions, "PeersApplied")?.status, "True");
      },
      timeoutMs,
    );
    await waitForValidatorReady(namespace, name, timeoutMs);
  }
}
