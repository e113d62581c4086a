import type { PeerPlan } from "../discovery/plan-peers.js";
import type { PeerSelf } from "../discovery/peers.js";
import { mergeConditions, type ConditionInput } from "../kube/conditions.js";
import { isRecord, type KubeObject } from "../kube/objects.js";
import { rfc3339 } from "../kube/time.js";
import type { DesiredState } from "../metacontroller/transforms.js";
import {
  decideByTurn,
  decideRollout,
  MAX_RESYNC_SECONDS,
  type RolloutDecision,
  type TurnGrant,
} from "../rollout/decide.js";
import { memberStates } from "../rollout/members.js";
import { templateHash } from "../rollout/template-hash.js";
import type { PeerDiscovery } from "../spec/stellar-node-spec.js";
import type { StellarNodeStatus } from "../spec/stellar-node-status.js";
import type { ObservedState } from "./observed-state.js";
import { readyCondition } from "./readiness.js";
import type { RolloutReport } from "./sync-report.js";
import { templateChanges, type TemplateChange } from "./template-changes.js";

export interface RolloutStepInput {
  self: PeerSelf;
  discovery: PeerDiscovery;
  plan: PeerPlan;
  /** The desired state as the platform's transforms left it: the template as it will run. */
  desired: DesiredState;
  observed: ObservedState;
  suspended: boolean;
  generation: number | undefined;
  now: Date;
  /**
   * Set for a member the namespace decorator coordinates (coordination/coordinated.ts): its
   * turn, if one was handed, and the ConfigMap it comes in. Unset: the member evaluates the
   * rule itself from the statuses of the others.
   */
  coordination?: { turn: TurnGrant | undefined; turnConfigMap: string } | undefined;
}

export interface RolloutStep {
  children: KubeObject[];
  status: StellarNodeStatus;
  resyncAfterSeconds: number | undefined;
  report: RolloutReport;
}

/**
 * The next step of the rollout: may the StatefulSet take its desired pod template now? It
 * runs after the platform's transforms, on the template exactly as it would be applied, so
 * every cause of a restart is paced alike: peers, config, image, and anything a new
 * release or a transform renders differently. Until its turn, the StatefulSet goes back
 * with the applied template (its last-applied form) and every other field as desired;
 * the status says what waits and why, and publishes both template hashes for the others.
 * status.rollout and condition TemplateApplied are the rollout's: set here, over whatever
 * a transform wrote, because the other members trust them.
 */
export function nextRolloutStep(input: RolloutStepInput): RolloutStep {
  const { self, discovery, plan, desired, observed, now } = input;
  const previous = observed.status;
  const statefulSet = desired.children.find(
    (child) => child.kind === "StatefulSet" && child.metadata.name === self.name,
  );
  const desiredSpec = isRecord(statefulSet?.["spec"]) ? statefulSet["spec"] : {};
  const desiredTemplate = desiredSpec["template"];
  const desiredHash = templateHash(desiredTemplate);
  // A template change restarts nothing when no pod runs on either side: a new validator,
  // one scaled to 0, or one being suspended or resumed.
  const runsPod =
    statefulSet !== undefined &&
    (observed.appliedReplicas ?? 0) > 0 &&
    desiredSpec["replicas"] !== 0;
  const own = {
    now,
    desiredTemplateHash: desiredHash,
    appliedTemplateHash: runsPod ? observed.appliedTemplateHash : undefined,
    appliedBefore: previous.rollout?.appliedTemplateHash,
    // The template has been pending since then only if it is the same template.
    pendingSince:
      previous.rollout?.templateHash === desiredHash ? previous.rollout.pendingSince : undefined,
  };
  const decision =
    input.coordination === undefined
      ? decideRollout({
          ...own,
          maxUnavailable: discovery.maxUnavailable,
          settleSeconds: discovery.settleSeconds,
          stuckAfterSeconds: discovery.stuckAfterSeconds,
          groupFingerprint: plan.groupFingerprint,
          others: memberStates(self, plan.members),
        })
      : decideByTurn({ ...own, settleSeconds: discovery.settleSeconds, ...input.coordination });
  const changes =
    observed.appliedStatefulSet === undefined
      ? []
      : templateChanges(observed.appliedTemplate, desiredTemplate);
  const children =
    decision.applyDesired || statefulSet === undefined
      ? desired.children
      : desired.children.map((child) =>
          child === statefulSet
            ? { ...child, spec: { ...desiredSpec, template: observed.appliedTemplate } }
            : child,
        );
  const condition = templateAppliedCondition(decision, changes, discovery);
  const ready = readyCondition(self.name, observed.statefulSet, input.suspended);
  // Ready for the group means: Ready, and running the template this sync leaves on the
  // StatefulSet. In the sync that applies a new template the old pod still looks Ready.
  const runsAppliedTemplate =
    ready.status === "True" && observed.appliedTemplateHash === decision.appliedTemplateHash;
  // A restart this sync starts is a new unavailability: its stuck clock starts now, also
  // for a pod that was unready already (catching up after a crash). Carried over, a member
  // that restarts after 59 minutes unready would count as stuck a minute into its restart,
  // and the next member would restart during it.
  const startsRestart =
    runsPod &&
    observed.appliedTemplateHash !== decision.appliedTemplateHash &&
    previous.rollout?.appliedTemplateHash !== decision.appliedTemplateHash;
  const unreadySince = runsAppliedTemplate
    ? undefined
    : startsRestart
      ? rfc3339(now)
      : (previous.rollout?.unreadySince ?? rfc3339(now));
  const restart = restartsOnAppliedTemplate({
    applies: runsPod && observed.appliedTemplateHash !== decision.appliedTemplateHash,
    ready,
    previousReady: previous.conditions.find((existing) => existing.type === "Ready")?.reason,
    previousApplied: previous.rollout?.appliedTemplateHash,
    applied: decision.appliedTemplateHash,
    unreadySince,
    stuckAfterSeconds: discovery.stuckAfterSeconds,
    now,
    name: self.name,
  });
  const rolloutConditions = restart === undefined ? [condition] : [condition, restart.condition];
  const { conditions, ...fields } = desired.status;
  const status: StellarNodeStatus = {
    ...fields,
    pendingRestart: decision.appliedTemplateHash !== desiredHash,
    rollout: {
      strategy: discovery.updateStrategy,
      groupFingerprint: plan.groupFingerprint,
      groupSize: plan.members.length + 1,
      templateHash: desiredHash,
      appliedTemplateHash: decision.appliedTemplateHash,
      ready: runsAppliedTemplate,
      ...(unreadySince === undefined ? {} : { unreadySince }),
      ...(decision.pendingSince === undefined ? {} : { pendingSince: decision.pendingSince }),
      ...(decision.waitingFor === undefined ? {} : { waitingFor: decision.waitingFor }),
    },
    conditions: replaceConditions(
      conditions,
      mergeConditions(previous.conditions, rolloutConditions, now, input.generation),
    ),
  };
  return {
    children,
    status,
    resyncAfterSeconds: earliest(decision.resyncAfterSeconds, restart?.resyncAfterSeconds),
    report: {
      desiredTemplateHash: desiredHash,
      appliedTemplateHash: decision.appliedTemplateHash,
      observedTemplateHash: observed.appliedTemplateHash,
      changes,
      reason: condition.reason,
      waitingFor: decision.waitingFor,
    },
  };
}

/** The StatefulSet's passing states while its pod is replaced (readiness.ts). */
const REPLACING = new Set(["Progressing", "RollingUpdate", "PodNotReady"]);

/**
 * Ready while the pod restarts onto the template this node applied: one state, Restarting,
 * from the sync that applies the template until the pod is Ready on it. The StatefulSet
 * passes through Progressing, RollingUpdate and PodNotReady on the way; written one by one,
 * each would be a status write, and every status write of a member makes Metacontroller
 * sync every member of the group. The member counts as unready from the apply on
 * (status.rollout.ready), so the others see no change of substance either. A restart that
 * has not ended after stuckAfterSeconds (since unreadySince) has failed: Ready then says the
 * StatefulSet's reason again, and the sync asks to be woken at that moment. Undefined when no
 * restart of its own is under way: Ready follows the StatefulSet (readiness.ts).
 */
function restartsOnAppliedTemplate(input: {
  /** This sync leaves a template on the StatefulSet that the observed one does not carry. */
  applies: boolean;
  ready: ConditionInput;
  previousReady: string | undefined;
  previousApplied: string | undefined;
  applied: string;
  unreadySince: string | undefined;
  stuckAfterSeconds: number;
  now: Date;
  name: string;
}): { condition: ConditionInput; resyncAfterSeconds: number | undefined } | undefined {
  const { ready } = input;
  const continues =
    ready.status !== "True" &&
    REPLACING.has(ready.reason) &&
    input.previousReady === "Restarting" &&
    input.previousApplied === input.applied;
  if (!input.applies && !continues) return undefined;
  const since = input.unreadySince === undefined ? NaN : Date.parse(input.unreadySince);
  const left = Number.isNaN(since)
    ? input.stuckAfterSeconds
    : input.stuckAfterSeconds - (input.now.getTime() - since) / 1000;
  if (left <= 0) return undefined;
  return {
    condition: {
      type: "Ready",
      status: "False",
      reason: "Restarting",
      message: `pod ${input.name}-0 restarts with its new pod template; Ready again once it runs it and is Ready (if it is not Ready within spec.peerDiscovery.stuckAfterSeconds, see "kubectl describe pod ${input.name}-0" and its logs)`,
    },
    resyncAfterSeconds: Math.min(MAX_RESYNC_SECONDS, Math.max(1, Math.ceil(left))),
  };
}

/** Each condition of `updates` in the place of the one of its type, or at the end. */
function replaceConditions<T extends { type: string }>(
  conditions: readonly T[],
  updates: readonly T[],
): T[] {
  const byType = new Map(updates.map((update) => [update.type, update]));
  const out = conditions.map((existing) => byType.get(existing.type) ?? existing);
  for (const update of updates) {
    if (!conditions.some((existing) => existing.type === update.type)) out.push(update);
  }
  return out;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

const CHANGE_TEXT: Record<TemplateChange, string> = {
  Image: "a new image",
  Config: "a new stellar-core.cfg",
  Peers: "a new peer list",
  Template: "another change to the pod",
};

/**
 * TemplateApplied: True once the StatefulSet carries the desired pod template. While it
 * waits, the reason names the most telling change (ImageChanged, ConfigChanged,
 * PeersChanged, TemplateChanged), and the message lists them all and says why it waits.
 */
function templateAppliedCondition(
  decision: RolloutDecision,
  changes: readonly TemplateChange[],
  discovery: PeerDiscovery,
): ConditionInput {
  const what = changes.map((change) => CHANGE_TEXT[change]).join(", ");
  const live =
    discovery.updateStrategy === "LiveConnect"
      ? "; new peers are connected at runtime (LiveConnect), without a restart"
      : "";
  if (decision.wait === undefined) {
    // The same message in the sync that applies a new template and in the next, which sees
    // it on the StatefulSet: one status write fewer per restart (each costs a sync of every
    // member). What changed was said while it waited, and the pod's restart shows in Ready.
    return {
      type: "TemplateApplied",
      status: "True",
      reason: "Applied",
      message: `the StatefulSet carries the current pod template${live}`,
    };
  }
  return {
    type: "TemplateApplied",
    status: "False",
    reason: `${changes[0] ?? "Template"}Changed`,
    message: `a new pod template (${what || CHANGE_TEXT.Template}) waits for its turn to restart the pod: ${decision.wait.message}`,
  };
}
