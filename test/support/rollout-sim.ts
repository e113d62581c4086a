import type { KubeObject } from "../../hooks/kube/objects.js";
import type { StellarNodeStatus } from "../../hooks/spec/stellar-node-status.js";
import { syncResponse } from "./sync.js";
import { observed, stellarNode, syncRequest } from "./fixtures.js";

/**
 * A small model of the loop the rollout rule lives in: Metacontroller syncing one
 * StellarNode at a time with a possibly stale view of the others' status, applying the
 * answer, and a StatefulSet controller rolling a pod whose template changed. The real
 * syncStellarNode decides; the model only moves objects and the clock.
 */

export const SETTLE_SECONDS = 15;
/** How stale another node's status may be when read (Metacontroller's informer cache). */
export const MAX_STALENESS_MS = 5000;

interface Published {
  at: number;
  status: StellarNodeStatus;
}

interface SimStatefulSet {
  applied: KubeObject[];
  /** The children and template before the last apply: what a stale cache still shows. */
  previous: { applied: KubeObject[]; templateHash: string | undefined } | undefined;
  templateHash: string | undefined;
  podHash: string | undefined | null;
  podReady: boolean;
  readyAt: number;
  generation: number;
  rollingForPeers: boolean;
}

export interface SimNode {
  name: string;
  uid: string;
  createdAt: number;
  suspended: boolean;
  history: Published[];
  sts: SimStatefulSet | undefined;
}

export type SimEvent =
  | { kind: "sync"; node: number; staleness: number[]; staleSelf?: boolean }
  | { kind: "wait"; ms: number }
  | { kind: "add" }
  | { kind: "delete"; node: number }
  | { kind: "suspend"; node: number }
  | { kind: "crash"; node: number };

const ANNOTATION = "stellar.org/peers-hash";

export class RolloutWorld {
  now = Date.parse("2026-11-23T12:00:00Z");
  nodes: SimNode[] = [];
  private serial = 0;
  maxRollingSeen = 0;
  restarts = new Map<string, number>();

  constructor(
    initial: number,
    private readonly maxUnavailable = 1,
    private readonly rollMs = (serial: number) => 1000 + ((serial * 7919) % 19000),
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
      history: [],
      sts: undefined,
    });
  }

  private object(node: SimNode, status: StellarNodeStatus | undefined): KubeObject {
    return stellarNode(node.name, {
      uid: node.uid,
      spec: {
        suspended: node.suspended,
        peerDiscovery: { settleSeconds: SETTLE_SECONDS, maxUnavailable: this.maxUnavailable },
      } as Record<string, unknown>,
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

  sync(index: number, staleness: readonly number[], staleSelf = false): void {
    const node = this.nodes[index % this.nodes.length];
    if (!node) return;
    const own = node.history[node.history.length - 1]?.status;
    const parent = this.object(node, own);
    const related = this.nodes.map((other, i) =>
      other === node
        ? parent
        : this.object(other, this.seen(other, Math.min(MAX_STALENESS_MS, staleness[i] ?? 0))),
    );
    // A stale cache of its own StatefulSet: Metacontroller may sync again before its
    // informer has seen the update it just made.
    const view =
      node.sts && staleSelf && node.sts.previous
        ? {
            ...node.sts,
            applied: node.sts.previous.applied,
            templateHash: node.sts.previous.templateHash,
          }
        : node.sts;
    const children = view ? observed(view.applied, this.stsStatus(view)) : {};
    const response = syncResponse(syncRequest(parent, { related, children }), {
      clusterDomain: "cluster.local",
      now: new Date(this.now),
    });
    node.history.push({ at: this.now, status: response.status });
    const sts = response.children.find((c) => c.kind === "StatefulSet");
    if (!sts) return;
    const hash = (
      sts["spec"] as { template: { metadata: { annotations: Record<string, string> } } }
    ).template.metadata.annotations[ANNOTATION];
    if (!node.sts) {
      node.sts = {
        applied: response.children,
        previous: undefined,
        templateHash: hash,
        podHash: null,
        podReady: false,
        readyAt: this.now + this.rollMs(this.serial++),
        generation: 1,
        rollingForPeers: false,
      };
    } else {
      node.sts.previous = { applied: node.sts.applied, templateHash: node.sts.templateHash };
      if (hash !== node.sts.templateHash) {
        node.sts.templateHash = hash;
        node.sts.generation++;
        node.sts.rollingForPeers = true;
      }
      node.sts.applied = response.children;
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

  /** The StatefulSet controller: replace pods whose template changed; pods become Ready in time. */
  private settle(): void {
    for (const node of this.nodes) {
      const sts = node.sts;
      if (!sts) continue;
      if (sts.podHash !== sts.templateHash) {
        if (sts.podHash !== null && sts.rollingForPeers) {
          this.restarts.set(node.name, (this.restarts.get(node.name) ?? 0) + 1);
        }
        sts.podHash = sts.templateHash;
        sts.podReady = false;
        sts.readyAt = this.now + this.rollMs(this.serial++);
      }
      if (!sts.podReady && this.now >= sts.readyAt) {
        sts.podReady = true;
        sts.rollingForPeers = false;
      }
    }
    const rolling = this.nodes.filter(
      (n) => !n.suspended && n.sts?.rollingForPeers === true,
    ).length;
    this.maxRollingSeen = Math.max(this.maxRollingSeen, rolling);
  }

  run(event: SimEvent): void {
    switch (event.kind) {
      case "sync":
        return this.sync(event.node, event.staleness, event.staleSelf ?? false);
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
    }
  }

  /**
   * Syncs of every node and time passing, as after a burst of events. Each node is synced
   * twice: the second time with the stale cache of its own StatefulSet that Metacontroller
   * has right after updating it.
   */
  quiesce(rounds: number): void {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < this.nodes.length; i++) {
        this.sync(i, []);
        this.sync(i, [], true);
      }
      this.wait(5000);
    }
  }

  /** Nodes whose running pod does not have the peer list they want. */
  unconverged(): string[] {
    return this.nodes
      .filter((node) => {
        const status = node.history[node.history.length - 1]?.status;
        return (
          !node.suspended &&
          (status?.["pendingRestart"] !== false || node.sts?.podHash !== node.sts?.templateHash)
        );
      })
      .map((node) => node.name);
  }
}
