import { capacityTypesOf, type DeploymentUnit, type EpochMs } from "@switchyard/core";
import { type Offering, windowCovers } from "../capacity/capacity-calendar.ts";
import type { CapacityWindow } from "../scenario/types.ts";

/** pending: no node yet (unschedulable); starting: node launched, model loading; ready: serving. */
type PodPhase = "pending" | "starting" | "ready";

interface Pod {
  readonly id: number;
  phase: PodPhase;
  readonly createdAt: EpochMs;
  /** When its node launched: billing starts here. */
  launchedAt: EpochMs | null;
  readyAt: EpochMs | null;
  instanceType: string | null;
  /** Where its node runs, once launched: the zone (null for a unit without zones) and capacity type. */
  offering: Offering | null;
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

  /**
   * Pods that are ready at `at`, billed from `launchedAt` (the initial fleet, or an
   * oracle's pre-started pods), each in the zone with the fewest of the unit's pods, on
   * the unit's preferred capacity type, unless an offering is given.
   */
  addReadyPods(
    count: number,
    at: EpochMs,
    launchedAt: EpochMs,
    placed: {
      readonly instanceType: string;
      readonly capacityType: Offering["capacityType"];
      /** The zones it may go to (spread among them); every zone of the unit when absent. */
      readonly zones?: readonly string[];
    } | null = null,
  ): void {
    for (let i = 0; i < count; i += 1) {
      const allowed = placed?.zones;
      const zone = this.zonesBySpread().find((z) => allowed === undefined || allowed.includes(z)) ?? null;
      this.pods.push({
        id: nextPodId++,
        phase: "ready",
        createdAt: launchedAt,
        launchedAt,
        readyAt: at,
        instanceType: placed?.instanceType ?? this.unit.instanceTypes[0] ?? null,
        offering: {
          zone,
          capacityType: placed?.capacityType ?? capacityTypesOf(this.unit)[0] ?? "on-demand",
        },
      });
    }
  }

  /**
   * The unit's zones, fewest of its pods first (listed order on a tie): where a
   * topologySpreadConstraint on topology.kubernetes.io/zone, or Karpenter's zone spread,
   * puts the next pod. Empty for a unit without zones.
   */
  zonesBySpread(): string[] {
    const zones = this.unit.zones ?? [];
    const count = (zone: string) => this.pods.reduce((n, p) => n + (p.offering?.zone === zone ? 1 : 0), 0);
    return zones
      .map((zone, index) => ({ zone, index, pods: count(zone) }))
      .sort((a, b) => a.pods - b.pods || a.index - b.index)
      .map((z) => z.zone);
  }

  /**
   * USD per hour of the instances under the pods whose node runs: Karpenter packs
   * `podsPerInstance` pods on each, so the bill counts whole instances; on-demand pods of a
   * unit that prefers Spot sit on instances at their own price.
   */
  billedHourlyCost(): number {
    const onDemandPrice = this.unit.onDemandHourlyPrice;
    if (onDemandPrice === undefined) {
      return instancesFor(this.unit, this.billed()) * this.unit.hourlyPrice;
    }
    const onDemand = this.pods.reduce(
      (n, pod) => n + (pod.launchedAt !== null && pod.offering?.capacityType === "on-demand" ? 1 : 0),
      0,
    );
    return (
      instancesFor(this.unit, this.billed() - onDemand) * this.unit.hourlyPrice +
      instancesFor(this.unit, onDemand) * onDemandPrice
    );
  }

  /** Spot pods with a node (starting or ready) that a window is about to take: they get the interruption warning. */
  warnedBy(window: CapacityWindow): Pod[] {
    return this.pods.filter(
      (pod) =>
        pod.phase !== "pending" &&
        pod.instanceType === window.instanceType &&
        pod.offering?.capacityType === "spot" &&
        windowCovers(window, pod.offering),
    );
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
        offering: null,
      });
    }
    if (this.pods.length > this.replicas) {
      const rank: Record<PodPhase, number> = { pending: 0, starting: 1, ready: 2 };
      if (this.unit.zones === undefined) {
        const doomed = [...this.pods]
          .sort((a, b) => rank[a.phase] - rank[b.phase] || b.createdAt - a.createdAt || b.id - a.id)
          .slice(0, this.pods.length - this.replicas);
        const ids = new Set(doomed.map((pod) => pod.id));
        this.#removeWhere((pod) => ids.has(pod.id));
        return;
      }
      // Pods spread evenly over the unit's zones stay spread (the premise of a zonal
      // topologySpreadConstraint; the ReplicaSet alone does not rank by zone, the
      // descheduler's RemovePodsViolatingTopologySpreadConstraint restores it): the pod
      // removed is of the lowest phase, then of the zone with the most pods, newest first.
      while (this.pods.length > this.replicas) {
        const inZone = new Map<string | null, number>();
        for (const pod of this.pods) {
          const zone = pod.offering?.zone ?? null;
          inZone.set(zone, (inZone.get(zone) ?? 0) + 1);
        }
        const crowd = (pod: Pod) => inZone.get(pod.offering?.zone ?? null) ?? 0;
        const [doomed] = [...this.pods].sort(
          (a, b) =>
            rank[a.phase] - rank[b.phase] || crowd(b) - crowd(a) || b.createdAt - a.createdAt || b.id - a.id,
        );
        const id = doomed?.id;
        this.#removeWhere((pod) => pod.id === id);
      }
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

  /** Pods the window covers (its instance type, zone and capacity type) vanish with their nodes; the ReplicaSet recreates them as pending. */
  lose(window: CapacityWindow, at: EpochMs): number {
    const before = this.pods.length;
    this.#removeWhere(
      (pod) =>
        pod.phase !== "pending" &&
        pod.instanceType === window.instanceType &&
        pod.offering !== null &&
        windowCovers(window, pod.offering),
    );
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

/**
 * Instances a unit's pods occupy: Karpenter packs `podsPerInstance` of them on each
 * (bin-packing pods of one NodePool onto the fewest nodes, and consolidation removing
 * nodes whose pods fit elsewhere: kubernetes-sigs/karpenter, designs/consolidation.md),
 * so the bill counts whole instances, ceil(pods ÷ podsPerInstance).
 */
function instancesFor(unit: DeploymentUnit, pods: number): number {
  return Math.ceil(pods / Math.max(1, unit.podsPerInstance));
}
