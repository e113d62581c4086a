import { parse } from "smol-toml";
import { isRecord } from "../kube/objects.js";
import { ANNOTATION_CONFIG_HASH } from "../render/labels.js";
import type { ObservedState } from "./observed-state.js";
import { runsAppliedTemplate } from "./runs-applied.js";

/**
 * NETWORK_PASSPHRASE of the config the applied pod template runs (the observed config
 * ConfigMap's entry its CONFIG_HASH names); undefined before a StatefulSet was applied or
 * when that config is not in the ConfigMap.
 */
export function appliedNetworkPassphrase(observed: ObservedState): string | undefined {
  if (observed.appliedStatefulSet === undefined) return undefined;
  const template = observed.appliedTemplate;
  const metadata = isRecord(template) ? template["metadata"] : undefined;
  const annotations = isRecord(metadata) ? metadata["annotations"] : undefined;
  const hash = isRecord(annotations) ? annotations[ANNOTATION_CONFIG_HASH] : undefined;
  const text = typeof hash === "string" ? observed.coreConfigs.get(hash) : undefined;
  if (text === undefined) return undefined;
  try {
    const passphrase = parse(text)["NETWORK_PASSPHRASE"];
    return typeof passphrase === "string" ? passphrase : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a validator may not move to `desired` from the network it runs on, if it would. Its
 * ledger volume (the StatefulSet's volume claim, kept across spec changes) holds the
 * database of the network it ran on, and stellar-core refuses to open it with another
 * passphrase: validateNetworkPassphrase (src/main/Application.cpp, v27.1.0), run by every
 * Application::create (run, upgrade-db, new-hist), throws 'NETWORK_PASSPHRASE "..." does
 * not match previous NETWORK_PASSPHRASE "..."'. The pod would fail at every start.
 * Judged only while the pod runs Ready on the applied template (runs-applied.ts): a pod
 * that never ran it may go back, or on, to any network.
 */
export function networkChangeProblem(
  observed: ObservedState,
  desired: string,
  name: string,
): string | undefined {
  if (!runsAppliedTemplate(observed, name)) return undefined;
  const applied = appliedNetworkPassphrase(observed);
  if (applied === undefined || applied === desired) return undefined;
  return `spec.network (NETWORK_PASSPHRASE ${JSON.stringify(desired)}) differs from the network this validator runs on (${JSON.stringify(applied)}): its ledger volume holds that network's database, which stellar-core refuses to open with another passphrase ("NETWORK_PASSPHRASE ... does not match previous NETWORK_PASSPHRASE", validateNetworkPassphrase). To run on another network, delete StellarNode ${name} and its PersistentVolumeClaim, or create a new StellarNode; to keep this one, restore its network`;
}
