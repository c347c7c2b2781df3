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
 * (or, when the cluster's nodes say where its pods stand, the largest zone's: `placed`)
 * (EC2 reclaims one instance type in one zone at once: arXiv 2604.16457 finds
 * co-interruptions of one type in one zone within 3 minutes in over 92 % of cases).
 *
 * The plan must cover `requiredRps` and, after losing its largest cell, still cover
 * `coverRps` with the pods left:
 *
 *   Σ n_i·rps_i ≥ required,   Σ n_i·rps_i − max_c cell_c(n_c)·rps_c ≥ cover.
 *
 * Both sides only grow with any n_i (a pod added to a unit adds at most one pod to its
 * largest cell, so at least as much to the total as to the cell), so the ceiling allocation is the most any plan covers, and the
 * branch and bound of `costOptimalAllocation` stays exact with a "need" that is the larger
 * of the two shortfalls.
 */
export interface ReclaimableCells {
  /** Per unit (same order as the allocation units): zones its pods spread over, or 0 when its pods cannot be reclaimed. */
  readonly zones: readonly number[];
  /** What the pods left after the largest cell's loss must serve. */
  readonly coverRps: number;
  /**
   * Per unit, where its pods stand now when the cluster's nodes say (PlacedCells): its
   * cells then follow them, not an even spread over `zones`. Absent: spread evenly.
   */
  readonly placed?: readonly (PlacedCells | undefined)[];
}

/**
 * Where a reclaimable unit's pods stand now: its pods per zone (its cells), the zones new
 * pods may start in, and pods in no cell (on on-demand nodes).
 */
export interface PlacedCells {
  /** Pods per zone now. */
  readonly pods: readonly number[];
  /** Per zone: whether new pods may start there (it has not lost Spot capacity lately). */
  readonly open: readonly boolean[];
  /** Pods of the unit in no cell. */
  readonly outside: number;
}

interface CellLoss {
  /** Index of the unit whose cell is the largest loss; -1 when no unit is reclaimable or none runs pods. */
  readonly unit: number;
  /** Pods in that cell. */
  readonly pods: number;
  /** Requests/s those pods serve. */
  readonly lossRps: number;
}

/** Pods in the largest cell of unit `unit` when it runs `pods` pods. */
type CellOf = (unit: number, pods: number) => number;

/** Pods in the largest cell of a unit running `pods` spread over `zones` zones. */
export function cellPods(pods: number, zones: number): number {
  return zones <= 0 ? 0 : Math.ceil(pods / zones);
}

/**
 * The largest cell of a unit whose pods stand as `placed` now, for every pod count from 0
 * to `max`: grown, each new pod starts in the open zone with the fewest pods (the zone
 * spread of a topologySpreadConstraint on topology.kubernetes.io/zone, or Karpenter's:
 * docs.aws.amazon.com/eks/latest/best-practices/karpenter.html), and in no cell when no
 * zone is open; shrunk, every cell shrinks in proportion (the ReplicaSet controller ranks
 * the pods it removes by phase, co-located replicas and age, not by zone: kubernetes
 * pkg/controller/replicaset/replica_set.go getPodsToDelete). Each pod adds at most one to
 * the largest cell, so the search below stays exact.
 */
export function placedCellTable(placed: PlacedCells, max: number): number[] {
  const cells = [...placed.pods];
  const inCells = cells.reduce((sum, n) => sum + n, 0);
  const now = inCells + Math.max(0, placed.outside);
  const largestNow = cells.reduce((top, n) => Math.max(top, n), 0);
  const table: number[] = [];
  for (let n = 0; n <= Math.min(max, now - 1); n += 1) {
    table.push(Math.ceil((largestNow * n) / now));
  }
  let largest = largestNow;
  for (let n = Math.max(0, now); n <= max; n += 1) {
    if (n > now) {
      let fewest = -1;
      cells.forEach((count, z) => {
        if (placed.open[z] === true && (fewest < 0 || count < (cells[fewest] ?? 0))) fewest = z;
      });
      if (fewest >= 0) {
        cells[fewest] = (cells[fewest] ?? 0) + 1;
        largest = Math.max(largest, cells[fewest] ?? 0);
      }
    }
    table.push(largest);
  }
  return table;
}

/** The cell sizes of some units: even over their zones, or from where their pods stand. */
function cellsOf(units: readonly AllocationUnit[], cells: ReclaimableCells | readonly number[]): CellOf {
  const zones = Array.isArray(cells) ? cells : (cells as ReclaimableCells).zones;
  const placed = Array.isArray(cells) ? [] : ((cells as ReclaimableCells).placed ?? []);
  const tables = units.map((unit, i) => {
    const at = placed[i];
    return at === undefined || (zones[i] ?? 0) <= 0 ? undefined : placedCellTable(at, unit.max);
  });
  return (unit, pods) => {
    const table = tables[unit];
    return table === undefined
      ? cellPods(pods, zones[unit] ?? 0)
      : (table[Math.min(pods, table.length - 1)] ?? 0);
  };
}

/** The largest cell of an allocation: the loss the hedge must survive. */
export function largestCellLoss(
  units: readonly AllocationUnit[],
  pods: readonly number[],
  cells: ReclaimableCells | readonly number[],
): CellLoss {
  return largestOf(units, pods, cellsOf(units, cells));
}

function largestOf(units: readonly AllocationUnit[], pods: readonly number[], cellOf: CellOf): CellLoss {
  let worst: CellLoss = { unit: -1, pods: 0, lossRps: 0 };
  units.forEach((unit, i) => {
    const cell = cellOf(i, pods[i] ?? 0);
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
  cells: ReclaimableCells | readonly number[],
): number {
  return afterLoss(units, pods, cellsOf(units, cells));
}

function afterLoss(units: readonly AllocationUnit[], pods: readonly number[], cellOf: CellOf): number {
  const total = units.reduce((sum, unit, i) => sum + (pods[i] ?? 0) * unit.rps, 0);
  return total - largestOf(units, pods, cellOf).lossRps;
}

interface HedgedAllocation extends Allocation {
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
  const cellOf = cellsOf(units, cells);
  const finish = (allocation: Allocation, coverRps: number): HedgedAllocation => ({
    ...allocation,
    coverRps,
    coverAfterLossRps: afterLoss(units, allocation.pods, cellOf),
    largestCell: largestOf(units, allocation.pods, cellOf),
  });
  if (!zones.some((z) => z > 0) || cells.coverRps <= EPSILON) {
    return finish(costOptimalAllocation(units, requiredRps), Math.max(0, cells.coverRps));
  }
  const ceilingPods = units.map((unit) => unit.max);
  const ceiling = evaluateAllocation(units, ceilingPods, requiredRps);
  if (!ceiling.feasible) {
    return finish(ceiling, cells.coverRps);
  }
  const cover = Math.min(cells.coverRps, afterLoss(units, ceilingPods, cellOf));
  const floorPods = units.map((unit) => unit.min);
  const floor = evaluateAllocation(units, floorPods, requiredRps);
  if (floor.feasible && afterLoss(units, floorPods, cellOf) >= cover - EPSILON) {
    return finish(floor, cover);
  }
  return finish(search(units, requiredRps, cover, cellOf, floor) ?? ceiling, cover);
}

/** Branch and bound over the units cheapest per request first, as costOptimalAllocation's. */
function search(
  units: readonly AllocationUnit[],
  requiredRps: number,
  cover: number,
  cellOf: CellOf,
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
  // The largest cell any unit from position k on can lose, at its max.
  const laterLoss = new Array<number>(order.length + 1).fill(0);
  for (let k = order.length - 1; k >= 0; k -= 1) {
    const index = order[k] as number;
    const unit = units[index] as AllocationUnit;
    let most = 0;
    for (let n = unit.min; n <= unit.max; n += 1) {
      most = Math.max(most, cellOf(index, n));
    }
    laterLoss[k] = Math.max(laterLoss[k + 1] ?? 0, most * unit.rps);
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
  const loss = units.map((unit, i) => cellOf(i, pods[i] ?? 0) * unit.rps);
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
    // A unit decided later may lose the largest cell; until this unit's own cell is the
    // largest any completion can lose, its every pod still lowers what the cover needs.
    const others = Math.max(largestLossBut(index), laterLoss[k + 1] ?? 0);
    const needWith = (add: number): number => {
      const total = capacity + add * unit.rps;
      const own = cellOf(index, base + add) * unit.rps;
      return Math.max(requiredRps - total, cover + Math.max(others, own) - total);
    };
    // The most pods worth trying: the fewest that meet the need, else the fewest past
    // which more of them no longer lowers it in any completion (a cell's own pods never
    // cover its loss).
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
      loss[index] = cellOf(index, base + add) * unit.rps;
      visit(k + 1, capacity + add * unit.rps, cost + add * unit.price);
    }
    pods[index] = base;
    loss[index] = cellOf(index, base) * unit.rps;
  };

  visit(0, floor.capacityRps, 0);
  return best;
}
