import { EPSILON } from "../units.ts";
/**
 * Whole-pod allocation: choose pods n_i in [min_i, max_i] that give capacity
 * Σ n_i·rps_i >= required at least cost Σ n_i·price_i. Pods held by min_i are paid
 * for anyway, so only pods above the floor change the cost. Whole pods make this a
 * bounded integer covering problem; `costOptimalAllocation` solves it exactly by
 * branch and bound, `greedyAllocation` is the cheapest-first heuristic it replaces.
 */

export interface AllocationUnit {
  /** Requests per second one pod serves in this plan; 0 for a unit that must carry none. */
  readonly rps: number;
  /** USD per hour for one pod. */
  readonly price: number;
  readonly min: number;
  readonly max: number;
}

export interface Allocation {
  readonly pods: readonly number[];
  readonly hourlyCost: number;
  readonly capacityRps: number;
  /** Whether capacity covers the requirement; when not, every unit is at its max. */
  readonly feasible: boolean;
}

export function evaluateAllocation(
  units: readonly AllocationUnit[],
  pods: readonly number[],
  requiredRps: number,
): Allocation {
  let hourlyCost = 0;
  let capacityRps = 0;
  units.forEach((unit, i) => {
    const n = pods[i] ?? 0;
    hourlyCost += n * unit.price;
    capacityRps += n * unit.rps;
  });
  return { pods, hourlyCost, capacityRps, feasible: capacityRps >= requiredRps - EPSILON };
}

/**
 * Between allocations of equal cost, prefer the larger capacity (the lower peak
 * utilization once weights follow capacity), then more pods on earlier units.
 */
export function isBetterAllocation(candidate: Allocation, incumbent: Allocation | undefined): boolean {
  if (incumbent === undefined) {
    return true;
  }
  const tolerance = EPSILON * Math.max(1, incumbent.hourlyCost);
  if (candidate.hourlyCost < incumbent.hourlyCost - tolerance) {
    return true;
  }
  if (candidate.hourlyCost > incumbent.hourlyCost + tolerance) {
    return false;
  }
  if (Math.abs(candidate.capacityRps - incumbent.capacityRps) > EPSILON) {
    return candidate.capacityRps > incumbent.capacityRps;
  }
  for (let i = 0; i < candidate.pods.length; i += 1) {
    const a = candidate.pods[i] ?? 0;
    const b = incumbent.pods[i] ?? 0;
    if (a !== b) {
      return a > b;
    }
  }
  return false;
}

/** Indices of units that can add capacity, cheapest per request first. */
function byEfficiency(units: readonly AllocationUnit[]): number[] {
  return units
    .map((unit, index) => ({ unit, index }))
    .filter(({ unit }) => unit.rps > 0 && unit.max > unit.min)
    .sort(
      (a, b) =>
        a.unit.price / a.unit.rps - b.unit.price / b.unit.rps || b.unit.rps - a.unit.rps || a.index - b.index,
    )
    .map(({ index }) => index);
}

function floorPods(units: readonly AllocationUnit[]): number[] {
  return units.map((unit) => unit.min);
}

/** The exact least-cost allocation; when nothing covers the requirement, every unit at max. */
export function costOptimalAllocation(units: readonly AllocationUnit[], requiredRps: number): Allocation {
  const floor = evaluateAllocation(units, floorPods(units), requiredRps);
  if (floor.feasible) {
    return floor;
  }
  const ceiling = evaluateAllocation(
    units,
    units.map((unit) => unit.max),
    requiredRps,
  );
  if (!ceiling.feasible) {
    return ceiling;
  }

  const order = byEfficiency(units);
  const spare = order.map((i) => units[i] as AllocationUnit);
  // suffixCapacity[k]: what units order[k..] can add on top of their floors.
  const suffixCapacity = new Array<number>(order.length + 1).fill(0);
  for (let k = order.length - 1; k >= 0; k -= 1) {
    const unit = spare[k] as AllocationUnit;
    suffixCapacity[k] = (suffixCapacity[k + 1] ?? 0) + (unit.max - unit.min) * unit.rps;
  }

  /** Linear-relaxation bound: the cheapest fractional pods from order[k..] that cover `need`. */
  const lowerBound = (k: number, need: number): number => {
    let remaining = need;
    let cost = 0;
    for (let j = k; j < spare.length && remaining > EPSILON; j += 1) {
      const unit = spare[j] as AllocationUnit;
      const take = Math.min((unit.max - unit.min) * unit.rps, remaining);
      cost += (take / unit.rps) * unit.price;
      remaining -= take;
    }
    return remaining > EPSILON ? Number.POSITIVE_INFINITY : cost;
  };

  const extra = new Array<number>(units.length).fill(0);
  let best: Allocation | undefined;

  const search = (k: number, need: number, cost: number): void => {
    if (need <= EPSILON) {
      const pods = units.map((unit, i) => unit.min + (extra[i] ?? 0));
      const candidate = evaluateAllocation(units, pods, requiredRps);
      if (isBetterAllocation(candidate, best)) {
        best = candidate;
      }
      return;
    }
    if (k === spare.length || (suffixCapacity[k] ?? 0) < need - EPSILON) {
      return;
    }
    const bound = floor.hourlyCost + cost + lowerBound(k, need);
    if (best !== undefined && bound > best.hourlyCost + EPSILON * Math.max(1, best.hourlyCost)) {
      return;
    }
    const unit = spare[k] as AllocationUnit;
    const index = order[k] as number;
    const useful = Math.min(unit.max - unit.min, Math.ceil((need - EPSILON) / unit.rps));
    for (let add = useful; add >= 0; add -= 1) {
      extra[index] = add;
      search(k + 1, need - add * unit.rps, cost + add * unit.price);
    }
    extra[index] = 0;
  };

  search(0, requiredRps - floor.capacityRps, 0);
  // The ceiling is feasible, so the search found at least one allocation.
  return best ?? ceiling;
}

/** Cheapest-per-request first, one pod at a time, until the requirement is covered. */
export function greedyAllocation(units: readonly AllocationUnit[], requiredRps: number): Allocation {
  const pods = floorPods(units);
  let capacity = evaluateAllocation(units, pods, requiredRps).capacityRps;
  for (const index of byEfficiency(units)) {
    const unit = units[index] as AllocationUnit;
    while (capacity < requiredRps - EPSILON && (pods[index] ?? 0) < unit.max) {
      pods[index] = (pods[index] ?? 0) + 1;
      capacity += unit.rps;
    }
  }
  return evaluateAllocation(units, pods, requiredRps);
}
