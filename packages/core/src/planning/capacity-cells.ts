import type { CapacityType, DeploymentUnit, InferenceService } from "../config/types.ts";
import type { UnitCondition } from "./types.ts";

/**
 * What a unit's NodePool may launch, Karpenter's preference first: it launches Spot when
 * the NodePool allows it and a Spot offering is available, and falls back to on-demand
 * in a separate CreateFleet after a Spot insufficient-capacity error
 * (aws/karpenter-provider-aws v1.14 pkg/providers/instance/instance.go,
 * `getCapacityType` and the 3-minute unavailable-offerings cache). Absent: on-demand.
 */
export function capacityTypesOf(unit: Pick<DeploymentUnit, "capacityTypes">): readonly CapacityType[] {
  return unit.capacityTypes ?? ["on-demand"];
}

/** Whether EC2 can take a unit's running pods away: only Spot capacity is reclaimed. */
export function isReclaimable(unit: Pick<DeploymentUnit, "capacityTypes">): boolean {
  return capacityTypesOf(unit).includes("spot");
}

/** Whether a unit can do without Spot: its NodePool also allows on-demand. */
export function fallsBackToOnDemand(unit: Pick<DeploymentUnit, "capacityTypes">): boolean {
  const types = capacityTypesOf(unit);
  return types.includes("spot") && types.includes("on-demand");
}

/**
 * The zones a unit's pods spread over as cells: its listed zones less those that lost
 * Spot capacity lately (its pods stand in the rest), or one cell (the whole unit) when
 * none are listed or none is left.
 */
export function cellZones(unit: Pick<DeploymentUnit, "zones">, condition: UnitCondition = {}): number {
  const impaired = condition.impairedZones ?? [];
  const zones = (unit.zones ?? []).filter((zone) => !impaired.includes(zone));
  return Math.max(1, zones.length);
}

/** Whether a service's cost plans are held to a risk budget: it has Spot units and the budget is below 1. */
export function hedged(service: InferenceService): boolean {
  return service.policy.hedge.maxLossShare < 1 && service.units.some(isReclaimable);
}
