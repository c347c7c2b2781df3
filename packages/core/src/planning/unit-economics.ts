import type { DeploymentUnit } from "../config/types.ts";

const SECONDS_PER_HOUR = 3600;

/**
 * Seed 003, Table 1: hourly price ÷ breaking-point throughput, in USD per hour per
 * request/second. g5.xlarge at $1.0060/h and 90 RPS → 0.01118. Lower is cheaper.
 */
export function costPerInferenceSecond(unit: Pick<DeploymentUnit, "hourlyPrice" | "maxRps">): number {
  return unit.hourlyPrice / unit.maxRps;
}

/** USD per million requests when one pod runs at its breaking point. */
export function costPerMillionAtFullLoad(unit: Pick<DeploymentUnit, "hourlyPrice" | "maxRps">): number {
  return (unit.hourlyPrice / (unit.maxRps * SECONDS_PER_HOUR)) * 1e6;
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
 * KEDA's per-pod target: the unit's throughput in that mode less the plan's headroom,
 * so KEDA keeps the same spare capacity the planner does (headroom 0 gives exactly
 * maxRps in cost mode and the adjusted throughput in capacity mode).
 */
export function kedaTargetValue(perPodRps: number, headroom: number): number {
  return perPodRps / (1 + headroom);
}

/** `targetMetricValue` is a string in the ScaledObject; one decimal, no trailing `.0`. */
export function formatKedaTarget(value: number): string {
  return String(Number(value.toFixed(1)));
}
