import { selectGroupMembers, type PeerSelf } from "../discovery/peers.js";
import type { PeerCandidate } from "../discovery/related-nodes.js";
import { compareText, namespacedName } from "../kube/keys.js";
import { isRecord, type KubeObject } from "../kube/objects.js";
import { stableStringify } from "../kube/stable-json.js";
import { GROUP_KEYS } from "../metacontroller/group-keys.js";
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_NAME } from "../render/labels.js";
import {
  decideRollout,
  TURN_HOLD_SECONDS,
  turnIsHeld,
  type RolloutWait,
  type TurnGrant,
} from "../rollout/decide.js";
import { rfc3339 } from "../kube/time.js";
import { memberStates } from "../rollout/members.js";
import { PeerDiscoverySchema, type PeerDiscovery } from "../spec/stellar-node-spec.js";
import { isCoordinated, isCoordinatedValidator, isDecoratorAttachment } from "./coordinated.js";

/**
 * A coordinated member's turn: the quorum-safe rollout rule (rollout/decide.ts), evaluated by
 * the namespace decorator for the member's pending template from the statuses the members
 * published, and written to ConfigMap `<member>-turn`, which that member alone relates.
 *
 * The rule and its inputs are the ones each member used to evaluate for itself; only where
 * it runs moved. A member's status write now syncs the decorator once, and a member is synced
 * when its own turn changes, not at every write of every member: a restart costs a few syncs
 * instead of twice the group.
 */
export type Turn = TurnGrant;

export const TURN_SUFFIX = "-turn";
export const TURN_COMPONENT = "rollout-turn";
const TURN_KEY = "turn.json";

export function turnConfigMapName(member: string): string {
  return `${member}${TURN_SUFFIX}`;
}

export interface Turns {
  attachments: KubeObject[];
  /** When time alone changes a turn (settling ends, a member counts as stuck). */
  resyncAfterSeconds: number | undefined;
}

/**
 * The turns of the coordinated members of `namespace` whose published template waits
 * (templateHash differs from appliedTemplateHash). `candidates` are every StellarNode the
 * request relates, read with their published rollout (readPeerCandidates); `attachments`
 * the decorator's observed attachments, whose turns to apply may still be acted on.
 *
 * A turn to apply is held for TURN_HOLD_SECONDS (rollout/decide.ts), longer than its member
 * may act on it: while it is, it is kept as it was granted, and its member counts as
 * restarting in every other member's decision (a wait written over it could reach its member
 * after the turn itself). After that the rule decides again, from the statuses of then.
 */
export function renderTurns(
  related: unknown,
  attachments: unknown,
  namespace: string,
  candidates: readonly PeerCandidate[],
  now: Date,
): Turns {
  const byKey = new Map(candidates.map((candidate) => [namespacedName(candidate), candidate]));
  const nodes = isRecord(related) ? related[GROUP_KEYS.StellarNode] : undefined;
  const pending: PendingMember[] = [];
  for (const object of isRecord(nodes) ? Object.values(nodes) : []) {
    const member = pendingMember(object, namespace, byKey);
    if (member !== undefined) pending.push(member);
  }
  // The turns to apply that are still live, by member key.
  const live = new Map<string, Turn>();
  for (const member of pending) {
    const given = readTurn(attachments, member.self.name, namespace);
    if (
      given !== undefined &&
      given.templateHash === member.rollout.templateHash &&
      given.pendingSince === member.rollout.pendingSince &&
      turnIsHeld(given, now)
    ) {
      live.set(namespacedName(member.self), given);
    }
  }
  // Members of one group share their candidates: selected once per network and selector,
  // not once per member (a join makes every member of a group of N pending: N x N).
  const groups = new Map<string, PeerCandidate[]>();
  const turns: { name: string; turn: Turn }[] = [];
  let resyncAfterSeconds: number | undefined;
  const resyncIn = (seconds: number) => {
    resyncAfterSeconds = Math.min(resyncAfterSeconds ?? seconds, seconds);
  };
  /** A held turn, kept as granted until its hold is over. */
  const keep = (name: string, turn: Turn) => {
    turns.push({ name, turn });
    const age = (now.getTime() - Date.parse(turn.grantedAt ?? "")) / 1000;
    resyncIn(Math.max(1, Math.ceil(TURN_HOLD_SECONDS - age)));
  };
  // A turn to apply outlasts its use: a member that applied its template publishes that it
  // did, and the decorator sees it, before the member's own cache of its status and its
  // StatefulSet may show it; a sync from that cache, without its turn, would put the old
  // template back (a second restart). So a held turn is kept for its member while it is held,
  // whatever its status says; only a pending member's held turn counts as a restart in
  // progress (an applied one's status says what it does).
  const pendingNames = new Set(pending.map((member) => member.self.name));
  for (const object of isRecord(nodes) ? Object.values(nodes) : []) {
    const name = appliedCoordinatedName(object, namespace);
    if (name === undefined || pendingNames.has(name)) continue;
    const given = readTurn(attachments, name, namespace);
    if (given !== undefined && turnIsHeld(given, now)) keep(name, given);
  }
  for (const member of pending) {
    const { self, discovery, rollout } = member;
    const kept = live.get(namespacedName(self));
    if (kept !== undefined) {
      keep(self.name, kept);
      continue;
    }
    const groupKey = stableStringify([self.networkPassphrase, discovery.groupSelector ?? null]);
    let group = groups.get(groupKey);
    if (group === undefined) {
      // Nobody is named "": the whole group, self included, filtered per member below.
      group = selectGroupMembers({ ...self, name: "", uid: undefined }, candidates, {
        clusterDomain: "",
        scope: discovery.scope,
        groupSelector: discovery.groupSelector,
        addressing: discovery.addressing,
        podIps: new Map(),
      });
      groups.set(groupKey, group);
    }
    // As selectGroupMembers tells itself apart (peers.ts isPeerOf).
    const members = group.filter(
      (candidate) =>
        !(candidate.uid !== undefined && candidate.uid === self.uid) &&
        !(candidate.name === self.name && candidate.namespace === self.namespace),
    );
    // A member holding a live turn may be restarting already, whatever its status says yet.
    const others = memberStates(self, members).map((state) =>
      live.has(state.key) ? { ...state, ready: false, unreadySince: rfc3339(now) } : state,
    );
    const decision = decideRollout({
      now,
      maxUnavailable: discovery.maxUnavailable,
      settleSeconds: discovery.settleSeconds,
      stuckAfterSeconds: discovery.stuckAfterSeconds,
      groupFingerprint: rollout.groupFingerprint,
      desiredTemplateHash: rollout.templateHash,
      appliedTemplateHash: rollout.appliedTemplateHash,
      appliedBefore: undefined,
      pendingSince: rollout.pendingSince,
      others,
    });
    const turn: Turn = {
      templateHash: rollout.templateHash,
      pendingSince: rollout.pendingSince,
      apply: decision.applyDesired,
      ...(decision.applyDesired ? { grantedAt: rfc3339(now) } : {}),
      ...(decision.wait === undefined ? {} : { wait: decision.wait }),
      ...(decision.waitingFor === undefined ? {} : { waitingFor: decision.waitingFor }),
    };
    turns.push({ name: self.name, turn });
    // A new turn runs out: look again then, if it has not been acted on.
    if (decision.applyDesired) resyncIn(TURN_HOLD_SECONDS);
    else if (decision.resyncAfterSeconds !== undefined) resyncIn(decision.resyncAfterSeconds);
  }
  turns.sort((a, b) => compareText(a.name, b.name));
  return {
    attachments: turns.map(({ name, turn }) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: turnConfigMapName(name),
        namespace,
        labels: {
          [LABEL_NAME]: "stellar-peers",
          [LABEL_COMPONENT]: TURN_COMPONENT,
          [LABEL_MANAGED_BY]: "stellar-peers",
        },
      },
      data: { [TURN_KEY]: stableStringify(turn) },
    })),
    resyncAfterSeconds,
  };
}

/**
 * The turn for `member` among a coordinated member's related objects, if the namespace
 * decorator wrote one (isDecoratorAttachment: a ConfigMap of the name written by anyone
 * else is no turn).
 */
export function readTurn(related: unknown, member: string, namespace: string): Turn | undefined {
  const configMaps = isRecord(related) ? related[GROUP_KEYS.ConfigMap] : undefined;
  if (!isRecord(configMaps)) return undefined;
  for (const object of Object.values(configMaps)) {
    if (!isRecord(object) || !isRecord(object["metadata"]) || !isRecord(object["data"])) continue;
    if (object["metadata"]["name"] !== turnConfigMapName(member)) continue;
    if (!isDecoratorAttachment(object, namespace)) continue;
    return parseTurn(object["data"][TURN_KEY]);
  }
  return undefined;
}

function parseTurn(text: unknown): Turn | undefined {
  if (typeof text !== "string") return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  const { templateHash, pendingSince, apply, wait, waitingFor, grantedAt } = raw;
  if (typeof templateHash !== "string" || typeof pendingSince !== "string") return undefined;
  if (typeof apply !== "boolean") return undefined;
  const reason = isRecord(wait) ? wait["reason"] : undefined;
  const message = isRecord(wait) ? wait["message"] : undefined;
  const parsedWait: RolloutWait | undefined =
    (reason === "Settling" || reason === "WaitingForGroup") && typeof message === "string"
      ? { reason, message }
      : undefined;
  // A wait without its reason is no turn to act on: the member waits for a readable one.
  if (!apply && parsedWait === undefined) return undefined;
  return {
    templateHash,
    pendingSince,
    apply,
    ...(typeof grantedAt === "string" ? { grantedAt } : {}),
    ...(parsedWait === undefined ? {} : { wait: parsedWait }),
    ...(typeof waitingFor === "string" ? { waitingFor } : {}),
  };
}

/** The name of a coordinated validator of `namespace` that is not being deleted. */
function appliedCoordinatedName(object: unknown, namespace: string): string | undefined {
  if (!isRecord(object) || !isRecord(object["metadata"]) || !isCoordinatedValidator(object)) {
    return undefined;
  }
  const { name, namespace: own, deletionTimestamp } = object["metadata"];
  if (typeof name !== "string" || (own ?? namespace) !== namespace) return undefined;
  return deletionTimestamp === undefined || deletionTimestamp === null ? name : undefined;
}

interface PendingMember {
  self: PeerSelf;
  discovery: PeerDiscovery;
  rollout: {
    templateHash: string;
    appliedTemplateHash: string;
    pendingSince: string;
    groupFingerprint: string;
  };
}

/**
 * A coordinated validator of `namespace` whose published template waits for its turn: its
 * spec's peerDiscovery, and what its status says of its rollout. Undefined for anything
 * else, including a member refused (Valid=False: its children are frozen, it restarts
 * nothing) or one whose status says no template waits.
 */
function pendingMember(
  object: unknown,
  namespace: string,
  candidates: ReadonlyMap<string, PeerCandidate>,
): PendingMember | undefined {
  if (!isRecord(object) || !isRecord(object["metadata"]) || !isRecord(object["spec"])) {
    return undefined;
  }
  const { metadata, spec, status } = object;
  const name = metadata["name"];
  if (typeof name !== "string" || (metadata["namespace"] ?? namespace) !== namespace) {
    return undefined;
  }
  const candidate = candidates.get(`${namespace}/${name}`);
  if (candidate === undefined || !candidate.isValidator) return undefined;
  if (candidate.suspended || candidate.deleting || candidate.published?.valid === false) {
    return undefined;
  }
  const discovery = PeerDiscoverySchema.safeParse(spec["peerDiscovery"] ?? {});
  if (!discovery.success || !isCoordinated(discovery.data)) return undefined;
  const rollout = isRecord(status) && isRecord(status["rollout"]) ? status["rollout"] : {};
  const { templateHash, appliedTemplateHash, pendingSince, groupFingerprint } = rollout;
  if (
    typeof templateHash !== "string" ||
    typeof appliedTemplateHash !== "string" ||
    templateHash === appliedTemplateHash ||
    typeof pendingSince !== "string" ||
    Number.isNaN(Date.parse(pendingSince))
  ) {
    return undefined;
  }
  return {
    self: {
      name,
      namespace,
      uid: candidate.uid,
      networkPassphrase: candidate.networkPassphrase,
      peerPort: candidate.peerPort,
    },
    discovery: discovery.data,
    rollout: {
      templateHash,
      appliedTemplateHash,
      pendingSince,
      groupFingerprint: typeof groupFingerprint === "string" ? groupFingerprint : "",
    },
  };
}
