import type { TargetAllowance } from "./unit-economics.ts";

/** Cost-optimized weighted routing, or capacity-optimized round-robin. */
export type Mode = "cost" | "capacity";

export const MODES: readonly Mode[] = ["cost", "capacity"];

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

export type Weighting = "cost-optimal" | "fixed" | "consolidated" | "adjusted-throughput";

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
}
