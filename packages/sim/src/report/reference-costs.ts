import {
  type AllocationUnit,
  capacityTypesOf,
  costOptimalAllocation,
  type DeploymentUnit,
  type EpochMs,
  HOUR,
  podHourlyPrice,
} from "@switchyard/core";
import { CapacityCalendar, type Offering, windowCovers } from "../capacity/capacity-calendar.ts";
import { DemandCurve } from "../demand/demand-curve.ts";
import type { Scenario } from "../scenario/types.ts";

/**
 * The two figures every policy's bill is read against, computed from the scenario alone.
 *
 * - The **floor**: the pods `minReplicaCount` keeps, whatever any policy does, billed for
 *   every step in which they must exist: not while a window has taken their pool's pods,
 *   nor in the first `karpenter.offeringCache` after it closes, when the recreated pods
 *   may still wait for Karpenter to retry the offering.
 * - The **lower bound**: for each step, the cheapest whole pods that could serve that
 *   step's demand at their breaking points (`maxRps`) with the capacity available then,
 *   started instantly, no headroom: the core planner's exact allocation. A unit whose
 *   pool cannot launch at that moment can still have pods that were launched before and
 *   not lost since (up to `maxReplicaCount`); a unit whose pods a window took has none.
 *   A pod costs its share of an instance (`podHourlyPrice`: several pods per instance
 *   share its price), as if every instance were full; the bill counts whole instances.
 *   No policy that keeps every pod within its breaking point can pay less.
 */
export interface ReferenceCosts {
  readonly floorCost: number;
  readonly lowerBoundCost: number;
  /** Steps whose demand was more than every pod the capacity then allowed serves; counted at all those pods. */
  readonly infeasibleSteps: number;
}

/**
 * A policy's cost above the floor is read as a ratio to the lower bound's only when the
 * bound is at least this share above the floor: when the floor is nearly the whole bound
 * (the pods minReplicaCount keeps serve almost every minute), the ratio divides by cents
 * and reads as "10.72×" for a few dollars.
 */
const MEANINGFUL_BOUND_SHARE = 0.05;

/** Why no ratio to the lower bound's cost above the floor is given, or null when it is. */
export function noRatioBecause(reference: ReferenceCosts): string | null {
  const above = reference.lowerBoundCost - reference.floorCost;
  if (above <= 0.005) {
    return "the lower bound is the floor: the pods minReplicaCount keeps serve every minute's demand";
  }
  if (above < MEANINGFUL_BOUND_SHARE * reference.lowerBoundCost) {
    const share = (100 * above) / reference.lowerBoundCost;
    return `the lower bound is only $${above.toFixed(2)} above the floor, ${share < 0.1 ? "under 0.1" : share.toFixed(1)} % of it, too little to divide by`;
  }
  return null;
}

/** Whether a pod of `unit` can be running at `at`: one of its offerings launches now, or launched one that no window has taken since. */
export function podsCanRun(unit: DeploymentUnit, calendar: CapacityCalendar, at: EpochMs): boolean {
  return unit.instanceTypes.some((type) =>
    offeringsOf(unit).some((offering) => podsCanRunOn(type, offering, calendar, at)),
  );
}

/** Where a unit launches: each zone it lists (or any zone) in each capacity type it allows. */
function offeringsOf(unit: DeploymentUnit): Offering[] {
  return (unit.zones ?? [null]).flatMap((zone) =>
    capacityTypesOf(unit).map((capacityType) => ({ zone, capacityType })),
  );
}

function podsCanRunOn(type: string, offering: Offering, calendar: CapacityCalendar, at: EpochMs): boolean {
  if (calendar.canLaunch(type, at, offering)) {
    return true;
  }
  // Walk back through the windows that block the offering to the last moment it could launch.
  let blockedFrom = at;
  for (;;) {
    const window = calendar.windows.find(
      (w) =>
        w.instanceType === type && w.from <= blockedFrom && blockedFrom < w.to && windowCovers(w, offering),
    );
    if (window === undefined) {
      break;
    }
    blockedFrom = window.from - 1;
  }
  return !calendar
    .podLossesBetween(blockedFrom + 1, at + 1)
    .some((w) => w.instanceType === type && windowCovers(w, offering));
}

/**
 * Whether the `minReplicaCount` pods of `unit` must be running (and billed) at `at`: a pod
 * of it can run, on a type that no window took pods of within the last `graceMs` (until
 * then Karpenter may not have retried the offering yet, and the pods wait unbilled).
 */
function floorHolds(unit: DeploymentUnit, calendar: CapacityCalendar, at: EpochMs, graceMs: number): boolean {
  return unit.instanceTypes.some((type) =>
    offeringsOf(unit).some(
      (offering) =>
        podsCanRunOn(type, offering, calendar, at) &&
        !calendar.windows.some(
          (w) =>
            w.instanceType === type &&
            w.podsLost &&
            w.from <= at &&
            at < w.to + graceMs &&
            windowCovers(w, offering),
        ),
    ),
  );
}

export function referenceCosts(scenario: Scenario): ReferenceCosts {
  const { service, stepMs } = scenario;
  const demand = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end);
  const calendar = new CapacityCalendar(scenario.capacity);
  const hours = stepMs / HOUR;
  const graceMs = scenario.karpenter.offeringCacheMs;
  // Allocations repeat (a wave's two sides, constant stretches): solve each once.
  const solved = new Map<string, { hourlyCost: number; feasible: boolean }>();
  let floorCost = 0;
  let lowerBoundCost = 0;
  let infeasibleSteps = 0;
  for (let at = scenario.start; at < scenario.end; at += stepMs) {
    const units = service.units.map((unit): AllocationUnit => {
      if (!podsCanRun(unit, calendar, at)) {
        return { rps: 0, price: podHourlyPrice(unit), min: 0, max: 0 };
      }
      const min = floorHolds(unit, calendar, at, graceMs) ? unit.minReplicaCount : 0;
      return { rps: unit.maxRps, price: podHourlyPrice(unit), min, max: unit.maxReplicaCount };
    });
    const rps = demand.rpsAt(at);
    const key = `${units.map((u) => `${u.min}-${u.max}`).join()}:${rps}`;
    let allocation = solved.get(key);
    if (allocation === undefined) {
      allocation = costOptimalAllocation(units, rps);
      solved.set(key, allocation);
    }
    floorCost += units.reduce((sum, u) => sum + u.min * u.price, 0) * hours;
    lowerBoundCost += allocation.hourlyCost * hours;
    if (!allocation.feasible) {
      infeasibleSteps += 1;
    }
  }
  return { floorCost, lowerBoundCost, infeasibleSteps };
}
