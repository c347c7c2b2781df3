import type { InferenceService } from "../config/types.ts";
import type { ServicePlan, UnitCondition } from "../planning/types.ts";
import { podHourlyPrice } from "../planning/unit-economics.ts";
import { EPSILON } from "../units.ts";

/** What the current weights would make of a demand: the pods KEDA would run, their bill, and what they cannot serve. */
interface RoutingLoad {
  /** USD per hour of the pods KEDA would run to carry each unit's share. */
  readonly hourlyCost: number;
  /** Requests/s (with the plan's headroom) routed to units beyond what their pods can ever serve. */
  readonly overloadRps: number;
  /** Per unit name: the pods KEDA would run. */
  readonly pods: Readonly<Record<string, number>>;
}

/**
 * The current routing held against a demand, the way KEDA would follow it in cost mode:
 * each unit gets its weight's share of demand × (1 + headroom) and runs the whole pods
 * that carry it at its breaking point, within its ScaledObject's bounds. A unit that
 * cannot get capacity cannot go past the pods it runs, and one without healthy targets
 * serves nothing: what they are sent beyond that is overload. Comparing this with the
 * cost-optimal plan at the same demand says what a rebalance changes — pods, dollars and
 * risk — rather than how many weight points move.
 */
export function routingLoad(
  service: InferenceService,
  weights: Readonly<Record<string, number>>,
  conditions: Readonly<Record<string, UnitCondition>>,
  demandRps: number,
): RoutingLoad {
  const total = service.units.reduce((sum, unit) => sum + Math.max(0, weights[unit.name] ?? 0), 0);
  const pods: Record<string, number> = {};
  let hourlyCost = 0;
  let overloadRps = 0;
  for (const unit of service.units) {
    const condition = conditions[unit.name] ?? {};
    const share = total > 0 ? Math.max(0, weights[unit.name] ?? 0) / total : 0;
    const required = share * demandRps * (1 + service.headroom);
    // Pods being reclaimed serve for two minutes at most: they are not counted.
    const held = Math.max(
      0,
      Math.min(
        (condition.runningPods ?? unit.minReplicaCount) - (condition.reclaimingPods ?? 0),
        unit.maxReplicaCount,
      ),
    );
    const ceiling =
      condition.unavailable === "no-capacity"
        ? held
        : condition.unavailable === "no-healthy-targets"
          ? 0
          : (condition.reclaimingPods ?? 0) > 0
            ? Math.min(held, condition.maxPods ?? held)
            : unit.maxReplicaCount;
    const wanted = Math.ceil(required / unit.maxRps - EPSILON);
    // A unit that is unavailable keeps the pods it runs; the others run what KEDA asks.
    const running =
      condition.unavailable === undefined
        ? Math.min(unit.maxReplicaCount, Math.max(unit.minReplicaCount, wanted))
        : held;
    pods[unit.name] = running;
    hourlyCost += running * podHourlyPrice(unit);
    overloadRps += Math.max(0, required - ceiling * unit.maxRps);
  }
  return { hourlyCost, overloadRps, pods };
}

/**
 * Requests/s the pods ready now serve of a demand under per-unit weights: each unit its
 * share, up to its ready pods × maxRps; a unit without healthy targets serves nothing.
 * Weights, not a plan's shares, so the routing in force and a plan's target compare alike.
 */
export function servedByReadyPods(
  service: InferenceService,
  weights: Readonly<Record<string, number>>,
  readyPods: Readonly<Record<string, number>>,
  demandRps: number,
  noHealthyTargets: ReadonlySet<string> = new Set(),
): number {
  const total = service.units.reduce((sum, unit) => sum + Math.max(0, weights[unit.name] ?? 0), 0);
  if (total <= 0) {
    return 0;
  }
  return service.units.reduce((sum, unit) => {
    if (noHealthyTargets.has(unit.name)) {
      return sum;
    }
    const share = Math.max(0, weights[unit.name] ?? 0) / total;
    return sum + Math.min(share * demandRps, (readyPods[unit.name] ?? 0) * unit.maxRps);
  }, 0);
}

/**
 * Requests/s below which two routings' figures count as the same: 1 RPS, or 0.1 % of
 * the demand when that is more (weights are whole numbers, so shares round).
 */
export function servingTolerance(demandRps: number): number {
  return Math.max(1, 0.001 * demandRps);
}

/** What the pods ready now serve under the routing in force and under a target, and whether the target serves more. */
interface ServedNowComparison {
  readonly currentNow: number;
  readonly targetNow: number;
  /** What the target must serve more than: the current routing's figure plus the tolerance. */
  readonly threshold: number;
  readonly targetServesMore: boolean;
}

/** Whether `target` weights serve more of the demand than `current` with the pods ready now. */
export function compareServedNow(
  service: InferenceService,
  current: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
  readyPods: Readonly<Record<string, number>>,
  demandRps: number,
  noHealthyTargets: ReadonlySet<string> = new Set(),
): ServedNowComparison {
  const currentNow = servedByReadyPods(service, current, readyPods, demandRps, noHealthyTargets);
  const targetNow = servedByReadyPods(service, target, readyPods, demandRps, noHealthyTargets);
  const threshold = currentNow + servingTolerance(demandRps);
  return { currentNow, targetNow, threshold, targetServesMore: targetNow > threshold };
}

/** A plan's weight per unit (0 for a unit it gives none). */
export function weightsOf(plan: ServicePlan): Record<string, number> {
  return Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0]));
}
