import type { CapacityType, DeploymentUnit, InferenceService } from "../config/types.ts";
import { cellPods, type PlacedCells, placedCellTable } from "./hedged-allocation.ts";
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

/**
 * Where a zoned Spot unit's pods stand now, as its condition says (`placedPods`, from the
 * cluster's nodes): its pods per listed zone, the zones new pods may start in (those that
 * have not lost Spot capacity lately), and its other running pods (on-demand nodes).
 * Undefined when the condition does not say, or the unit lists no zones.
 */
export function placedCellsOf(
  unit: Pick<DeploymentUnit, "zones">,
  condition: UnitCondition = {},
): PlacedCells | undefined {
  const placed = condition.placedPods;
  const zones = unit.zones;
  if (placed === undefined || zones === undefined || zones.length === 0) {
    return undefined;
  }
  const impaired = condition.impairedZones ?? [];
  // Pods a warning says are going are planned as gone: their cells are empty.
  const going = condition.reclaimingZones ?? [];
  const pods = zones.map((zone) => (going.includes(zone) ? 0 : Math.max(0, placed[zone] ?? 0)));
  const inCells = pods.reduce((sum, n) => sum + n, 0);
  const standing = (condition.runningPods ?? inCells) - (condition.reclaimingPods ?? 0);
  return {
    pods,
    open: zones.map((zone) => !impaired.includes(zone)),
    outside: Math.max(0, standing - inCells),
  };
}

/** Pods in the largest cell of a reclaimable unit running `pods`: from where its pods stand when known, else spread evenly. */
export function unitCellPods(
  unit: Pick<DeploymentUnit, "zones">,
  condition: UnitCondition | undefined,
  pods: number,
): number {
  const placed = placedCellsOf(unit, condition);
  return placed === undefined
    ? cellPods(pods, cellZones(unit, condition))
    : (placedCellTable(placed, pods)[pods] ?? 0);
}

/** Whether a service's cost plans are held to a risk budget: it has Spot units and the budget is below 1. */
export function hedged(service: InferenceService): boolean {
  return service.policy.hedge.maxLossShare < 1 && service.units.some(isReclaimable);
}
