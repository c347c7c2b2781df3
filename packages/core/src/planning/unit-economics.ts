import type { DeploymentUnit, InferenceService } from "../config/types.ts";

const SECONDS_PER_HOUR = 3600;

/**
 * Seed 003, Table 1: hourly price ÷ breaking-point throughput, in USD per hour per
 * request/second. g5.xlarge at $1.0060/h and 90 RPS → 0.01118. Lower is cheaper. The
 * price is a pod's: its share of an instance that holds several.
 */
export function costPerInferenceSecond(
  unit: Pick<DeploymentUnit, "hourlyPrice" | "maxRps" | "podsPerInstance">,
): number {
  return podHourlyPrice(unit) / unit.maxRps;
}

/** USD per million requests when one pod runs at its breaking point. */
export function costPerMillionAtFullLoad(
  unit: Pick<DeploymentUnit, "hourlyPrice" | "maxRps" | "podsPerInstance">,
): number {
  return (podHourlyPrice(unit) / (unit.maxRps * SECONDS_PER_HOUR)) * 1e6;
}

/** USD per million requests for a service spending `hourlyCost` while serving `demandRps`. */
export function costPerMillionRequests(hourlyCost: number, demandRps: number): number | null {
  return demandRps > 0 ? (hourlyCost / (demandRps * SECONDS_PER_HOUR)) * 1e6 : null;
}

/**
 * Seed 003, Table 2: target = Σ maxRps ÷ N over the service's units; adjusted_i =
 * min(target, maxRps_i). The five SD2.1 units give 89.2, 89.2, 89.2, 61.0, 60.0.
 * Computed over every configured unit, so a unit going unavailable does not move
 * the others' KEDA targets.
 */
export function adjustedThroughput(units: readonly Pick<DeploymentUnit, "maxRps">[]): number[] {
  if (units.length === 0) {
    return [];
  }
  const target = units.reduce((sum, unit) => sum + unit.maxRps, 0) / units.length;
  return units.map((unit) => Math.min(target, unit.maxRps));
}

/**
 * USD per hour of one pod: its instance's price shared by the pods one instance holds
 * (three inf2-bs8-tp8 pods on an inf2.48xlarge each cost a third of it, seed 000).
 */
export function podHourlyPrice(unit: Pick<DeploymentUnit, "hourlyPrice" | "podsPerInstance">): number {
  return unit.hourlyPrice / Math.max(1, unit.podsPerInstance);
}

/** What a KEDA target allows for between the HPA asking for a pod and that pod serving. */
export interface TargetAllowance {
  /**
   * The HPA's scale-up tolerance: it leaves replicas alone while metric ÷ (target ×
   * replicas) ≤ 1 + this (kubernetes pkg/controller/podautoscaler/replica_calculator.go,
   * `Tolerances.isWithin`; default 0.1).
   */
  readonly scaleUpTolerance: number;
  /**
   * Growth of demand the target itself must absorb while a new pod starts: 0 when the
   * forecast floor starts pods a start-up ahead of the ramp (forecast-and-scale), else the
   * service's headroom.
   */
  readonly startupAllowance: number;
}

/** The start-up allowance of a service's KEDA targets: see `TargetAllowance`. */
export function targetAllowance(
  service: Pick<InferenceService, "headroom" | "scaleUpTolerance" | "forecast">,
): TargetAllowance {
  return {
    scaleUpTolerance: service.scaleUpTolerance,
    startupAllowance: service.forecast.mode === "forecast-and-scale" ? 0 : service.headroom,
  };
}

/**
 * KEDA's per-pod target (aws-cloudwatch scaler: an External metric with an AverageValue
 * target, so the HPA's desired replicas = ceil(metric ÷ target)): the unit's SLO-safe
 * rate in that mode ÷ (1 + tolerance) ÷ (1 + start-up allowance). The HPA asks for its
 * next pod once the load per pod passes target × (1 + tolerance) = safe ÷ (1 + allowance):
 * while every pod is still within its safe rate, with the allowance left for demand to
 * grow while the pod starts.
 */
export function kedaTargetValue(safeRps: number, allowance: TargetAllowance): number {
  return safeRps / ((1 + allowance.scaleUpTolerance) * (1 + allowance.startupAllowance));
}

/** `targetMetricValue` is a string in the ScaledObject; one decimal, no trailing `.0`. */
export function formatKedaTarget(value: number): string {
  return String(Number(value.toFixed(1)));
}
