import { sha256Hex } from "../hash.js";

export interface GroupMemberIdentity {
  namespace: string;
  name: string;
  uid: string | undefined;
  /** The address peers use for it ("-" when it has none yet), and its port. */
  address: string;
  port: number;
}

/**
 * Names the membership a node acts on. Two nodes that publish the same fingerprint have
 * seen the same group, with the same addresses; a node only restarts once every member
 * has published its fingerprint, so no one acts on a membership the others have not seen.
 * uids make a deleted and recreated node a different member.
 */
export function groupFingerprint(members: readonly GroupMemberIdentity[]): string {
  const lines = members
    .map((m) => `${m.namespace}/${m.name}/${m.uid ?? ""}@${m.address}:${m.port}`)
    .sort();
  return sha256Hex(lines.join("\n")).slice(0, 32);
}
