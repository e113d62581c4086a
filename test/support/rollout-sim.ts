import type { KubeObject } from "../../hooks/kube/objects.js";
import type { DesiredStateTransform } from "../../hooks/metacontroller/transforms.js";
import { templateHash } from "../../hooks/rollout/template-hash.js";
import type { StellarNodeStatus } from "../../hooks/spec/stellar-node-status.js";
import { syncNamespace } from "../../hooks/namespace/summary.js";
import { syncResponse } from "./sync.js";
import {
  decoratorAttachments,
  objectMap,
  observed,
  QUORUM_SET,
  stellarNode,
  syncRequest,
} from "./fixtures.js";

/**
 * A small model of the loop the rollout rule lives in: Metacontroller syncing one
 * StellarNode at a time with a possibly stale view of the others' status and of its own
 * StatefulSet, applying the answer (an update made from a stale view is refused, as the API
 * server refuses a stale resourceVersion), and a StatefulSet controller rolling a pod whose
 * template changed. The real syncStellarNode decides; the model only moves objects, edits
 * specs, switches the hook server's release and moves the clock.
 *
 * Coordinated members (hooks/coordination/) relate no StellarNode: they read the group view
 * and their turn from what the namespace decorator wrote, and the decorator (the real
 * syncNamespace) reads the members' statuses. Both reads are stale, up to MAX_STALENESS_MS
 * each: a turn may be acted on up to two stale reads after the statuses it was made from.
 * "mixed" coordinates every other member, as during an upgrade, when some members still
 * relate the StellarNodes (Metacontroller's customize cache) and decide for themselves.
 */

export const SETTLE_SECONDS = 15;
/** How stale another node's status may be when read (Metacontroller's informer cache). */
export const MAX_STALENESS_MS = 5000;

interface Published {
  at: number;
  status: StellarNodeStatus;
}

interface StatefulSetView {
  applied: KubeObject[];
  templateHash: string;
  /** Bumped by every update that changed the StatefulSet (the API server's resourceVersion). */
  version: number;
}

interface SimStatefulSet extends StatefulSetView {
  /** The StatefulSet before its last change: what a stale cache still shows, for a while. */
  previous: StatefulSetView | undefined;
  changedAt: number;
  podHash: string | undefined | null;
  podReady: boolean;
  readyAt: number;
  generation: number;
  /** The pod is being replaced because its template changed (not for a crash). */
  rollingForTemplate: boolean;
}

/** What a person edits on a StellarNode: each edit changes its pod template. */
export interface SimSpec {
  version: string;
  thresholdPercent: number;
  cpu: number;
}

export interface SimNode {
  name: string;
  uid: string;
  createdAt: number;
  suspended: boolean;
  spec: SimSpec;
  history: Published[];
  sts: SimStatefulSet | undefined;
}

/** A cause of a template change other than the peers (which joins, deletions and suspensions make). */
export type SimEdit = "version" | "quorum" | "resources";

export type SimEvent =
  | { kind: "sync"; node: number; staleness: number[]; staleSelf?: boolean }
  /** The namespace decorator syncs, reading each member's status this stale. */
  | { kind: "decorate"; staleness: number[] }
  | { kind: "wait"; ms: number }
  | { kind: "add" }
  | { kind: "delete"; node: number }
  | { kind: "suspend"; node: number }
  | { kind: "crash"; node: number }
  /** An edit of one node's spec, or of every node's in one apply (node "all"). */
  | { kind: "edit"; what: SimEdit; node: number | "all" }
  /** The hook server restarts as a release that renders the pod template differently. */
  | { kind: "release" };

/** Versions with a published image (hooks/stellar/core-images.ts), cycled through. */
const VERSIONS = ["27.0.0", "26.0.1", "26.0.0", "25.2.0"];
/** Four validators at 51..75%: threshold 3 and FAILURE_SAFETY 1, which stellar-core accepts. */
const THRESHOLDS = { min: 51, max: 75 };

/** A new release of the hook server, as a transform standing for what renders differently. */
function release(serial: number): DesiredStateTransform {
  return (desired) => ({
    ...desired,
    children: desired.children.map((child) => {
      if (child.kind !== "StatefulSet") return child;
      const spec = child["spec"] as { template: { metadata: Record<string, unknown> } };
      const metadata = spec.template.metadata as { labels?: Record<string, string> };
      return {
        ...child,
        spec: {
          ...spec,
          template: {
            ...spec.template,
            metadata: {
              ...metadata,
              labels: { ...metadata.labels, "example.org/release": `r${serial}` },
            },
          },
        },
      };
    }),
  });
}

/** Who decides a member's turn: itself, the namespace decorator, or every other one each. */
export type SimMode = "local" | "coordinated" | "mixed";

interface DecoratorOutput {
  at: number;
  attachments: KubeObject[];
}

export class RolloutWorld {
  now = Date.parse("2026-11-23T12:00:00Z");
  nodes: SimNode[] = [];
  private serial = 0;
  private releases = 0;
  maxRollingSeen = 0;
  /** Restarts for a new pod template, per node name. */
  restarts = new Map<string, number>();
  /** What the namespace decorator wrote, oldest first. */
  private decorated: DecoratorOutput[] = [];
  /** Syncs the model sent, by hook: what a membership event costs. */
  syncs = { member: 0, decorator: 0 };

  constructor(
    initial: number,
    private readonly maxUnavailable = 1,
    private readonly rollMs = (serial: number) => 1000 + ((serial * 7919) % 19000),
    readonly mode: SimMode = "local",
  ) {
    for (let i = 0; i < initial; i++) this.add();
  }

  add(): void {
    const name = `v${String(this.serial++).padStart(2, "0")}`;
    this.nodes.push({
      name,
      uid: `uid-${name}`,
      createdAt: this.now,
      suspended: false,
      spec: { version: VERSIONS[0] as string, thresholdPercent: 67, cpu: 1 },
      history: [],
      sts: undefined,
    });
  }

  private object(node: SimNode, status: StellarNodeStatus | undefined): KubeObject {
    return stellarNode(node.name, {
      uid: node.uid,
      spec: {
        version: node.spec.version,
        suspended: node.suspended,
        resources: { requests: { cpu: String(node.spec.cpu) } },
        peerDiscovery: { settleSeconds: SETTLE_SECONDS, maxUnavailable: this.maxUnavailable },
      } as Record<string, unknown>,
      validatorConfig: {
        quorumSet: QUORUM_SET.replace(
          "THRESHOLD_PERCENT = 67",
          `THRESHOLD_PERCENT = ${node.spec.thresholdPercent}`,
        ),
      },
      ...(status ? { status } : {}),
    });
  }

  /** The newest status of `node` published at least `stalenessMs` ago. */
  private seen(node: SimNode, stalenessMs: number): StellarNodeStatus | undefined {
    const horizon = this.now - stalenessMs;
    let latest: StellarNodeStatus | undefined;
    for (const version of node.history) if (version.at <= horizon) latest = version.status;
    return latest;
  }

  /** The transforms of the hook server's current release. */
  private transforms(): DesiredStateTransform[] {
    return this.releases === 0 ? [] : [release(this.releases)];
  }

  private coordinated(node: SimNode): boolean {
    if (this.mode === "local") return false;
    return this.mode === "coordinated" || Number(node.name.slice(1)) % 2 === 0;
  }

  /** Every StellarNode as a reader with these stalenesses sees it (`self` as it is now). */
  private stellarNodes(staleness: readonly number[], self?: SimNode): KubeObject[] {
    return this.nodes.map((other, i) =>
      other === self
        ? this.object(other, other.history[other.history.length - 1]?.status)
        : this.object(other, this.seen(other, Math.min(MAX_STALENESS_MS, staleness[i] ?? 0))),
    );
  }

  /** The namespace decorator's sync: the group view and the turns, from stale statuses. */
  decorate(staleness: readonly number[]): void {
    this.syncs.decorator++;
    const { response } = syncNamespace(
      {
        object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "stellar" } },
        related: {
          "StellarNode.stellar.org/v1alpha1": objectMap(this.stellarNodes(staleness), "v2"),
        },
        // Its own attachments, as written staleness[7] ago: the turns it handed.
        attachments: { "ConfigMap.v1": objectMap(this.attachmentsSeen(staleness[7] ?? 0), "v2") },
      },
      { clusterDomain: "cluster.local", now: new Date(this.now), coordinatedRollout: true },
    );
    this.decorated.push({
      at: this.now,
      attachments: decoratorAttachments(response.attachments, "stellar"),
    });
  }

  /** The decorator's ConfigMaps a coordinated member relates, as written `stalenessMs` ago. */
  private decoratorView(node: SimNode, stalenessMs: number): KubeObject[] {
    return this.attachmentsSeen(stalenessMs).filter(
      (object) =>
        object.metadata.name.startsWith("stellar-peers-view-") ||
        object.metadata.name === `${node.name}-turn`,
    );
  }

  /** The decorator's ConfigMaps as written `stalenessMs` ago. */
  private attachmentsSeen(stalenessMs: number): KubeObject[] {
    const horizon = this.now - Math.min(MAX_STALENESS_MS, stalenessMs);
    let latest: KubeObject[] = [];
    for (const output of this.decorated) if (output.at <= horizon) latest = output.attachments;
    return latest.filter((object) => object.kind === "ConfigMap");
  }

  sync(index: number, staleness: readonly number[], staleSelf = false): void {
    const node = this.nodes[index % this.nodes.length];
    if (!node) return;
    this.syncs.member++;
    // A stale cache of itself: its StatefulSet and its own status from before the update it
    // just made (Metacontroller may sync again before its informers have seen either).
    const current = node.sts;
    const stale =
      current !== undefined &&
      staleSelf &&
      current.previous !== undefined &&
      this.now - current.changedAt < MAX_STALENESS_MS;
    const before = stale ? node.history.filter((version) => version.at < current.changedAt) : [];
    const own = (before.length > 0 ? before : node.history)[
      (before.length > 0 ? before : node.history).length - 1
    ]?.status;
    const parent = this.object(node, own);
    const related = this.stellarNodes(staleness, node).map((object) =>
      object.metadata.name === node.name ? parent : object,
    );
    const view: SimStatefulSet | undefined =
      stale && current.previous !== undefined ? { ...current, ...current.previous } : current;
    const children = view ? observed(view.applied, this.stsStatus(view)) : {};
    const legacy = syncRequest(parent, { related, children });
    const viewStaleness = staleness[this.nodes.indexOf(node)] ?? 0;
    const request = this.coordinated(node)
      ? {
          ...legacy,
          related: { "ConfigMap.v1": objectMap(this.decoratorView(node, viewStaleness), "v2") },
        }
      : legacy;
    const response = syncResponse(request, {
      clusterDomain: "cluster.local",
      now: new Date(this.now),
      transforms: this.transforms(),
    });
    // Metacontroller writes the status whatever happens to the children.
    node.history.push({ at: this.now, status: response.status });
    const sts = response.children.find((c) => c.kind === "StatefulSet");
    if (!sts) return;
    const hash = templateHash((sts["spec"] as { template: unknown }).template);
    if (!current) {
      node.sts = {
        applied: response.children,
        templateHash: hash,
        version: 1,
        previous: undefined,
        changedAt: this.now,
        podHash: null,
        podReady: false,
        readyAt: this.now + this.rollMs(this.serial++),
        generation: 1,
        rollingForTemplate: false,
      };
    } else if (JSON.stringify(response.children) !== JSON.stringify(view?.applied)) {
      // An update from a stale view carries a stale resourceVersion: refused (Conflict).
      if (view && view.version !== current.version) return;
      current.previous = {
        applied: current.applied,
        templateHash: current.templateHash,
        version: current.version,
      };
      current.version++;
      current.changedAt = this.now;
      if (hash !== current.templateHash) {
        current.templateHash = hash;
        current.generation++;
        current.rollingForTemplate = current.podHash !== null;
      }
      current.applied = response.children;
    }
    this.settle();
  }

  private stsStatus(sts: SimStatefulSet): Record<string, unknown> {
    const current = sts.podHash === sts.templateHash;
    return {
      replicas: 1,
      readyReplicas: current && sts.podReady ? 1 : 0,
      updatedReplicas: current ? 1 : 0,
      currentRevision: current ? `r-${sts.templateHash}` : "r-old",
      updateRevision: `r-${sts.templateHash}`,
      observedGeneration: sts.generation,
    };
  }

  wait(ms: number): void {
    this.now += ms;
    this.settle();
  }

  delete(index: number): void {
    this.nodes.splice(index % Math.max(1, this.nodes.length), 1);
    this.settle();
  }

  suspend(index: number): void {
    const node = this.nodes[index % Math.max(1, this.nodes.length)];
    if (node) node.suspended = !node.suspended;
  }

  crash(index: number): void {
    const node = this.nodes[index % Math.max(1, this.nodes.length)];
    if (!node?.sts || node.suspended) return;
    node.sts.podReady = false;
    node.sts.readyAt = this.now + this.rollMs(this.serial++);
  }

  /** One edit of one node's spec, or the same edit of every node's at once. */
  edit(what: SimEdit, target: number | "all"): void {
    const nodes =
      target === "all"
        ? this.nodes
        : [this.nodes[target % Math.max(1, this.nodes.length)]].filter(
            (node): node is SimNode => node !== undefined,
          );
    for (const node of nodes) {
      const spec = node.spec;
      if (what === "version") {
        spec.version = VERSIONS[(VERSIONS.indexOf(spec.version) + 1) % VERSIONS.length] as string;
      } else if (what === "quorum") {
        spec.thresholdPercent =
          spec.thresholdPercent >= THRESHOLDS.max ? THRESHOLDS.min : spec.thresholdPercent + 1;
      } else {
        spec.cpu = (spec.cpu % 8) + 1;
      }
    }
  }

  /** The hook server restarts as the next release, which renders every template differently. */
  release(): void {
    this.releases++;
  }

  /** The StatefulSet controller: replace pods whose template changed; pods become Ready in time. */
  private settle(): void {
    for (const node of this.nodes) {
      const sts = node.sts;
      if (!sts) continue;
      if (sts.podHash !== sts.templateHash) {
        if (sts.podHash !== null && sts.rollingForTemplate && !node.suspended) {
          this.restarts.set(node.name, (this.restarts.get(node.name) ?? 0) + 1);
        }
        sts.podHash = sts.templateHash;
        sts.podReady = false;
        sts.readyAt = this.now + this.rollMs(this.serial++);
      }
      if (!sts.podReady && this.now >= sts.readyAt) {
        sts.podReady = true;
        sts.rollingForTemplate = false;
      }
    }
    const rolling = this.nodes.filter(
      (n) => !n.suspended && n.sts?.rollingForTemplate === true,
    ).length;
    this.maxRollingSeen = Math.max(this.maxRollingSeen, rolling);
  }

  run(event: SimEvent): void {
    switch (event.kind) {
      case "sync":
        return this.sync(event.node, event.staleness, event.staleSelf ?? false);
      case "decorate":
        return this.decorate(event.staleness);
      case "wait":
        return this.wait(event.ms);
      case "add":
        if (this.nodes.length < 6) this.add();
        return;
      case "delete":
        if (this.nodes.length > 1) this.delete(event.node);
        return;
      case "suspend":
        return this.suspend(event.node);
      case "crash":
        return this.crash(event.node);
      case "edit":
        return this.edit(event.what, event.node);
      case "release":
        return this.release();
    }
  }

  /**
   * Syncs of every node and time passing, as after a burst of events. Each node is synced
   * twice: the second time with the stale cache of its own StatefulSet that Metacontroller
   * has right after updating it. Stops early once every node has been converged, with its
   * pod Ready, for 3 rounds in a row: nothing moves after that.
   */
  quiesce(rounds: number): void {
    let calm = 0;
    for (let round = 0; round < rounds && calm < 3; round++) {
      if (this.mode !== "local") this.decorate([]);
      for (let i = 0; i < this.nodes.length; i++) {
        this.sync(i, []);
        this.sync(i, [], true);
      }
      this.wait(5000);
      const ready = this.nodes.every((node) => node.suspended || node.sts?.podReady === true);
      calm = ready && this.unconverged().length === 0 ? calm + 1 : 0;
    }
  }

  /**
   * Nodes whose running pod is not on the template they want: their status says a restart
   * is pending, their StatefulSet is not on the template their status calls desired, or
   * their pod is not on their StatefulSet's template.
   */
  unconverged(): string[] {
    return this.nodes
      .filter((node) => {
        if (node.suspended) return false;
        const status = node.history[node.history.length - 1]?.status;
        return (
          status?.pendingRestart !== false ||
          status.rollout?.templateHash !== node.sts?.templateHash ||
          node.sts?.podHash !== node.sts?.templateHash
        );
      })
      .map((node) => node.name);
  }
}
