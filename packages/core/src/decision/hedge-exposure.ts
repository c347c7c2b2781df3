import type { InferenceService } from "../config/types.ts";
import { isReclaimable, unitCellPods } from "../planning/capacity-cells.ts";
import type { ServicePlan, UnitCondition } from "../planning/types.ts";
import { routingLoad } from "./routing-load.ts";

/**
 * Share of demand that the loss of the largest Spot cell would leave without a serving
 * pod under some weights: the pods KEDA would run under them (routingLoad) lose their
 * largest Spot cell, and what the rest serve at their breaking points is held against
 * demand. Null for a service whose plans carry no hedge (no Spot units, or a budget of 1).
 */
export function hedgeExposure(
  service: InferenceService,
  weights: Readonly<Record<string, number>>,
  conditions: Readonly<Record<string, UnitCondition>>,
  demandRps: number,
  plan: ServicePlan,
): number | null {
  if (plan.hedge === undefined || demandRps <= 0) {
    return null;
  }
  const { pods } = routingLoad(service, weights, conditions, demandRps);
  let total = 0;
  let largest = 0;
  for (const unit of service.units) {
    const condition = conditions[unit.name] ?? {};
    if (condition.unavailable === "no-healthy-targets") {
      continue;
    }
    const n = pods[unit.name] ?? 0;
    total += n * unit.maxRps;
    if (isReclaimable(unit)) {
      largest = Math.max(largest, unitCellPods(unit, condition, n) * unit.maxRps);
    }
  }
  return Math.max(0, (demandRps - (total - largest)) / demandRps);
}

/**
 * How far past the hedge's budget the weights in force are: the share of demand their
 * largest Spot loss would leave unserved, beyond the budget and beyond what the target
 * weights would leave (so weights the plan cannot improve on are never "short").
 */
export function hedgeShortfall(
  current: number | null,
  target: number | null,
  maxLossShare: number,
): number | null {
  if (current === null || target === null) {
    return null;
  }
  return Math.max(0, current - Math.max(maxLossShare, target));
}

/**
 * Beyond this share of demand the weights in force count as outside the hedge: whole
 * pods round each unit's share up, so a few percent either way is rounding, not risk.
 */
export const HEDGE_TOLERANCE_SHARE = 0.02;
