import type { Peer } from "../discovery/peers.js";
import type { KubeObject } from "../kube/objects.js";
import type { StellarNodeSpec } from "../spec/stellar-node-spec.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";

/** What a sync is about to return for a valid validator. */
export interface DesiredState {
  children: KubeObject[];
  status: StellarNodeStatus;
}

export interface TransformContext {
  parent: KubeObject;
  spec: StellarNodeSpec;
  peers: readonly Peer[];
}

/**
 * The extension point for platform teams: a pure function over the desired state, run
 * after stellar-peers has rendered a valid validator and before the response is sent.
 * It must be deterministic (no clock, no randomness, no I/O), or every sync would change
 * the children. A transform that throws makes the hook answer 500, so Metacontroller
 * changes nothing. Transforms are not run for invalid specs, whose observed children are
 * returned untouched.
 */
export type DesiredStateTransform = (
  desired: DesiredState,
  context: TransformContext,
) => DesiredState;

export function applyTransforms(
  desired: DesiredState,
  context: TransformContext,
  transforms: readonly DesiredStateTransform[],
): DesiredState {
  return transforms.reduce((state, transform) => transform(state, context), desired);
}
