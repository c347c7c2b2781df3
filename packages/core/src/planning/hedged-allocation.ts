import { EPSILON } from "../units.ts";
import {
  type Allocation,
  type AllocationUnit,
  costOptimalAllocation,
  evaluateAllocation,
  isBetterAllocation,
} from "./allocation.ts";

/**
 * Whole-pod allocation with a risk budget. Some units' running pods can be reclaimed
 * (Spot): each such unit is one **cell**, or one cell per Availability Zone when its pods
 * spread evenly over `zones` zones, so a zone's loss takes ceil(n / zones) of its n pods
 * (EC2 reclaims one instance type in one zone at once: arXiv 2604.16457 finds
 * co-interruptions of one type in one zone within 3 minutes in over 92 % of cases).
 *
 * The plan must cover `requiredRps` and, after losing its largest cell, still cover
 * `coverRps` with the pods left:
 *
 *   Σ n_i·rps_i ≥ required,   Σ n_i·rps_i − max_c ceil(n_c / zones_c)·rps_c ≥ cover.
 *
 * Both sides only grow with any n_i (a pod added to a cell adds at least as much to the
 * total as to the cell), so the ceiling allocation is the most any plan covers, and the
 * branch and bound of `costOptimalAllocation` stays exact with a "need" that is the larger
 * of the two shortfalls.
 */
export interface ReclaimableCells {
  /** Per unit (same order as the allocation units): zones its pods spread over, or 0 when its pods cannot be reclaimed. */
  readonly zones: readonly number[];
  /** What the pods left after the largest cell's loss must serve. */
  readonly coverRps: number;
}

export interface CellLoss {
  /** Index of the unit whose cell is the largest loss; -1 when no unit is reclaimable or none runs pods. */
  readonly unit: number;
  /** Pods in that cell. */
  readonly pods: number;
  /** Requests/s those pods serve. */
  readonly lossRps: number;
}

/** Pods in the largest cell of a unit running `pods` spread over `zones` zones. */
export function cellPods(pods: number, zones: number): number {
  return zones <= 0 ? 0 : Math.ceil(pods / zones);
}

/** The largest cell of an allocation: the loss the hedge must survive. */
export function largestCellLoss(
  units: readonly AllocationUnit[],
  pods: readonly number[],
  zones: readonly number[],
): CellLoss {
  let worst: CellLoss = { unit: -1, pods: 0, lossRps: 0 };
  units.forEach((unit, i) => {
    const cell = cellPods(pods[i] ?? 0, zones[i] ?? 0);
    const lossRps = cell * unit.rps;
    if (cell > 0 && lossRps > worst.lossRps + EPSILON) {
      worst = { unit: i, pods: cell, lossRps };
    }
  });
  return worst;
}

/** What an allocation's pods serve after its largest cell is lost. */
export function coverAfterLoss(
  units: readonly AllocationUnit[],
  pods: readonly number[],
  zones: readonly number[],
): number {
  const total = units.reduce((sum, unit, i) => sum + (pods[i] ?? 0) * unit.rps, 0);
  return total - largestCellLoss(units, pods, zones).lossRps;
}

export interface HedgedAllocation extends Allocation {
  /** The cover the plan was held to: `coverRps`, or less when no allocation reaches it (then the most any does). */
  readonly coverRps: number;
  /** What the pods left after the largest cell's loss serve. */
  readonly coverAfterLossRps: number;
  readonly largestCell: CellLoss;
}

/**
 * The exact least-cost allocation that covers `requiredRps` and keeps `cells.coverRps`
 * standing after the largest cell's loss. When even every unit at its max cannot keep
 * that much, the cover is lowered to the most the ceiling keeps (the best hedge there
 * is); when nothing covers the requirement, every unit is at its max.
 */
export function hedgedAllocation(
  units: readonly AllocationUnit[],
  requiredRps: number,
  cells: ReclaimableCells,
): HedgedAllocation {
  const zones = units.map((_, i) => cells.zones[i] ?? 0);
  const finish = (allocation: Allocation, coverRps: number): HedgedAllocation => ({
    ...allocation,
    coverRps,
    coverAfterLossRps: coverAfterLoss(units, allocation.pods, zones),
    largestCell: largestCellLoss(units, allocation.pods, zones),
  });
  if (!zones.some((z) => z > 0) || cells.coverRps <= EPSILON) {
    return finish(costOptimalAllocation(units, requiredRps), Math.max(0, cells.coverRps));
  }
  const ceilingPods = units.map((unit) => unit.max);
  const ceiling = evaluateAllocation(units, ceilingPods, requiredRps);
  if (!ceiling.feasible) {
    return finish(ceiling, cells.coverRps);
  }
  const cover = Math.min(cells.coverRps, coverAfterLoss(units, ceilingPods, zones));
  const floorPods = units.map((unit) => unit.min);
  const floor = evaluateAllocation(units, floorPods, requiredRps);
  if (floor.feasible && coverAfterLoss(units, floorPods, zones) >= cover - EPSILON) {
    return finish(floor, cover);
  }
  return finish(search(units, requiredRps, cover, zones, floor) ?? ceiling, cover);
}

/** Branch and bound over the units cheapest per request first, as costOptimalAllocation's. */
function search(
  units: readonly AllocationUnit[],
  requiredRps: number,
  cover: number,
  zones: readonly number[],
  floor: Allocation,
): Allocation | undefined {
  const order = units
    .map((unit, index) => ({ unit, index }))
    .filter(({ unit }) => unit.rps > 0 && unit.max > unit.min)
    .sort(
      (a, b) =>
        a.unit.price / a.unit.rps - b.unit.price / b.unit.rps || b.unit.rps - a.unit.rps || a.index - b.index,
    )
    .map(({ index }) => index);
  const suffixCapacity = new Array<number>(order.length + 1).fill(0);
  for (let k = order.length - 1; k >= 0; k -= 1) {
    const unit = units[order[k] as number] as AllocationUnit;
    suffixCapacity[k] = (suffixCapacity[k + 1] ?? 0) + (unit.max - unit.min) * unit.rps;
  }
  const lowerBound = (k: number, need: number): number => {
    let remaining = need;
    let cost = 0;
    for (let j = k; j < order.length && remaining > EPSILON; j += 1) {
      const unit = units[order[j] as number] as AllocationUnit;
      const take = Math.min((unit.max - unit.min) * unit.rps, remaining);
      cost += (take / unit.rps) * unit.price;
      remaining -= take;
    }
    return remaining > EPSILON ? Number.POSITIVE_INFINITY : cost;
  };

  const pods = units.map((unit) => unit.min);
  // The cell loss of every unit at its current pods (undecided units sit at their floor).
  const loss = units.map((unit, i) => cellPods(pods[i] ?? 0, zones[i] ?? 0) * unit.rps);
  const largestLossBut = (skip: number): number =>
    loss.reduce((top, l, i) => (i === skip ? top : Math.max(top, l)), 0);
  let best: Allocation | undefined;

  const visit = (k: number, capacity: number, cost: number): void => {
    const need = Math.max(requiredRps - capacity, cover + Math.max(...loss) - capacity);
    if (need <= EPSILON) {
      const candidate = evaluateAllocation(units, [...pods], requiredRps);
      if (isBetterAllocation(candidate, best)) {
        best = candidate;
      }
      return;
    }
    if (k === order.length || (suffixCapacity[k] ?? 0) < need - EPSILON) {
      return;
    }
    const bound = floor.hourlyCost + cost + lowerBound(k, need);
    if (best !== undefined && bound > best.hourlyCost + EPSILON * Math.max(1, best.hourlyCost)) {
      return;
    }
    const index = order[k] as number;
    const unit = units[index] as AllocationUnit;
    const base = unit.min;
    const z = zones[index] ?? 0;
    const others = largestLossBut(index);
    const needWith = (add: number): number => {
      const total = capacity + add * unit.rps;
      const own = cellPods(base + add, z) * unit.rps;
      return Math.max(requiredRps - total, cover + Math.max(others, own) - total);
    };
    // The most pods worth trying: the fewest that meet the need, else the fewest past
    // which more of them no longer lowers it (a cell's own pods never cover its loss).
    const most = unit.max - unit.min;
    let useful = 0;
    let lowest = needWith(0);
    for (let add = 1; add <= most; add += 1) {
      const n = needWith(add);
      if (n < lowest - EPSILON) {
        lowest = n;
        useful = add;
      }
      if (n <= EPSILON) {
        break;
      }
    }
    for (let add = useful; add >= 0; add -= 1) {
      pods[index] = base + add;
      loss[index] = cellPods(base + add, z) * unit.rps;
      visit(k + 1, capacity + add * unit.rps, cost + add * unit.price);
    }
    pods[index] = base;
    loss[index] = cellPods(base, z) * unit.rps;
  };

  visit(0, floor.capacityRps, 0);
  return best;
}
