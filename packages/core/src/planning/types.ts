import type { TargetAllowance } from "./unit-economics.ts";

/** Cost-optimized weighted routing, or capacity-optimized round-robin. */
export type Mode = "cost" | "capacity";

/** Why a unit may not take traffic or new pods. */
export type UnavailableReason = "no-capacity" | "no-healthy-targets";

/** What the cluster and the signals say about one unit right now. */
export interface UnitCondition {
  /** Pods that exist now; an unavailable unit keeps these (and they are paid for). */
  readonly runningPods?: number;
  readonly unavailable?: UnavailableReason;
  /**
   * Plan this unit with at most this many pods (still routable): a unit that just got its
   * capacity back is planned at the pods it has ready, so traffic moves without waiting
   * for new ones; a later rebalance grows it.
   */
  readonly maxPods?: number;
  /**
   * Of runningPods, how many a Spot interruption warning says are going within two
   * minutes: planned as gone, so no traffic is routed to them.
   */
  readonly reclaimingPods?: number;
  /** The zones the warnings named; absent when one named none (then the whole unit is going). */
  readonly reclaimingZones?: readonly string[];
  /**
   * Zones of a Spot unit that lost Spot capacity lately (an error or a warning in the
   * quiet period): its pods stand in the others, so each of those holds a larger cell.
   */
  readonly impairedZones?: readonly string[];
  /**
   * Of runningPods, how many stand on Spot nodes in each of its zones, as the cluster's
   * nodes say (NodePlacementReader); absent when not read. The hedge sizes its cells from
   * these, not from an even spread: after a zone's loss its pods stand in the others.
   */
  readonly placedPods?: Readonly<Record<string, number>>;
}

export interface TargetGroupWeight {
  readonly serviceName: string;
  readonly servicePort: number | string;
  readonly weight: number;
}

/** The forward action's target groups, in the order Switchyard would write them. */
export interface RoutingPlan {
  readonly targetGroups: readonly TargetGroupWeight[];
}

/**
 * How a plan's weights were set: least-cost pods (cost-optimal), the config's
 * (fixed), round-robin through the consolidated Service, adjusted throughput × pods,
 * or in proportion to what each unit's ready pods serve (ready-pods: a move that cannot
 * wait for new pods; see ready-routing.ts).
 */
export type Weighting = "cost-optimal" | "fixed" | "consolidated" | "adjusted-throughput" | "ready-pods";

export interface UnitPlan {
  readonly name: string;
  readonly pods: number;
  /** The unit's own target-group weight, or null when it is reached through the consolidated Service. */
  readonly weight: number | null;
  /** Expected fraction of requests (0–1). */
  readonly trafficShare: number;
  /** Requests per second expected at the planned demand. */
  readonly plannedRps: number;
  /** Requests/s per pod at which the unit meets the SLO in this mode: what its KEDA target derives from. */
  readonly safeRps: number;
  /** KEDA `targetMetricValue` for this mode (a string, as the ScaledObject holds it): safeRps ÷ the target allowance. */
  readonly kedaTarget: string;
  readonly unavailable?: UnavailableReason;
}

export interface ServicePlan {
  readonly service: string;
  readonly mode: Mode;
  readonly weighting: Weighting;
  readonly demandRps: number;
  /** demand × (1 + headroom): what the plan must cover. */
  readonly requiredRps: number;
  /** What the planned pods serve in this mode without exceeding any unit's per-pod target. */
  readonly capacityRps: number;
  readonly feasible: boolean;
  /** requiredRps − capacityRps when positive, else 0. */
  readonly shortfallRps: number;
  readonly hourlyCost: number;
  /** USD per million requests at the planned demand; null at zero demand. */
  readonly costPerMillion: number | null;
  /** What every unit's KEDA target allows for: the HPA's tolerance and the start-up growth. */
  readonly targetAllowance: TargetAllowance;
  readonly routing: RoutingPlan;
  readonly units: readonly UnitPlan[];
  /** Sentences for a human: why a unit gets nothing, what is short, what was assumed. */
  readonly notes: readonly string[];
  /** The risk budget a cost-mode plan with Spot units is held to; absent without Spot units. */
  readonly hedge?: HedgeSummary;
}

/** What the hedge asked of a cost plan, what it got, and what it costs (see hedged-allocation.ts). */
export interface HedgeSummary {
  /** policy.hedge.maxLossShare. */
  readonly maxLossShare: number;
  /** demand × (1 − maxLossShare): what the pods left after the largest cell's loss must serve. */
  readonly requiredCoverRps: number;
  /** The cover the plan is held to: requiredCoverRps, or the most any plan keeps when that is less. */
  readonly coverRps: number;
  /** What the planned pods serve after the largest cell's loss. */
  readonly coverAfterLossRps: number;
  /** The largest cell of the plan, the loss the hedge is sized for; null when no Spot pod is planned. */
  readonly largestCell: {
    readonly unit: string;
    /** Zones the unit spreads over (1 when none are known: the cell is the whole unit). */
    readonly zones: number;
    readonly pods: number;
    readonly lossRps: number;
  } | null;
  /** The least-cost plan without the hedge, and what the hedge adds to it. */
  readonly unhedgedHourlyCost: number;
  readonly extraHourlyCost: number;
}
