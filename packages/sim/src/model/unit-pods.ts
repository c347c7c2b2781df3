import type { DeploymentUnit, EpochMs } from "@switchyard/core";

/** pending: no node yet (unschedulable); starting: node launched, model loading; ready: serving. */
export type PodPhase = "pending" | "starting" | "ready";

export interface Pod {
  readonly id: number;
  phase: PodPhase;
  readonly createdAt: EpochMs;
  /** When its node launched: billing starts here. */
  launchedAt: EpochMs | null;
  readyAt: EpochMs | null;
  instanceType: string | null;
}

let nextPodId = 1;

/**
 * One unit's Deployment: spec.replicas and the pods its ReplicaSet keeps. Scale-down
 * removes pods the way the ReplicaSet controller ranks them: pending before starting
 * before ready, newest first.
 */
export class UnitPods {
  readonly unit: DeploymentUnit;
  replicas: number;
  readonly pods: Pod[] = [];

  constructor(unit: DeploymentUnit, replicas: number) {
    this.unit = unit;
    this.replicas = replicas;
  }

  /** Pods that are ready at `at`, billed from `launchedAt` (the initial fleet, or an oracle's pre-started pods). */
  addReadyPods(count: number, at: EpochMs, launchedAt: EpochMs): void {
    for (let i = 0; i < count; i += 1) {
      this.pods.push({
        id: nextPodId++,
        phase: "ready",
        createdAt: launchedAt,
        launchedAt,
        readyAt: at,
        instanceType: this.unit.instanceTypes[0] ?? null,
      });
    }
  }

  /** Sets spec.replicas and makes the pod list match it. */
  scaleTo(replicas: number, at: EpochMs): void {
    this.replicas = replicas;
    this.reconcile(at);
  }

  /** The ReplicaSet controller: create pending pods or delete surplus ones. */
  reconcile(at: EpochMs): void {
    while (this.pods.length < this.replicas) {
      this.pods.push({
        id: nextPodId++,
        phase: "pending",
        createdAt: at,
        launchedAt: null,
        readyAt: null,
        instanceType: null,
      });
    }
    if (this.pods.length > this.replicas) {
      const rank: Record<PodPhase, number> = { pending: 0, starting: 1, ready: 2 };
      const doomed = [...this.pods]
        .sort((a, b) => rank[a.phase] - rank[b.phase] || b.createdAt - a.createdAt || b.id - a.id)
        .slice(0, this.pods.length - this.replicas);
      const ids = new Set(doomed.map((pod) => pod.id));
      this.#removeWhere((pod) => ids.has(pod.id));
    }
  }

  /** Starting pods whose model has loaded become ready. */
  promote(at: EpochMs): void {
    for (const pod of this.pods) {
      if (pod.phase === "starting" && pod.readyAt !== null && pod.readyAt <= at) {
        pod.phase = "ready";
      }
    }
  }

  /** Pods on `instanceType` vanish with their nodes; the ReplicaSet recreates them as pending. */
  lose(instanceType: string, at: EpochMs): number {
    const before = this.pods.length;
    this.#removeWhere((pod) => pod.phase !== "pending" && pod.instanceType === instanceType);
    const lost = before - this.pods.length;
    this.reconcile(at);
    return lost;
  }

  count(phase: PodPhase): number {
    return this.pods.reduce((n, pod) => n + (pod.phase === phase ? 1 : 0), 0);
  }

  /** Pods whose node runs (starting or ready): what the bill counts. */
  billed(): number {
    return this.pods.reduce((n, pod) => n + (pod.launchedAt === null ? 0 : 1), 0);
  }

  pending(): Pod[] {
    return this.pods.filter((pod) => pod.phase === "pending");
  }

  #removeWhere(predicate: (pod: Pod) => boolean): void {
    for (let i = this.pods.length - 1; i >= 0; i -= 1) {
      if (predicate(this.pods[i] as Pod)) {
        this.pods.splice(i, 1);
      }
    }
  }
}
