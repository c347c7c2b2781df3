import type { EpochMs } from "../signals/types.ts";
import { MINUTE } from "../units.ts";

/** One measured minute of demand. */
export interface DemandMinute {
  readonly at: EpochMs;
  readonly rps: number;
}

/** The least-squares slope of demand over the minutes, in RPS a minute: one noisy minute at either end moves it little. */
export function demandSlope(window: readonly DemandMinute[]): number {
  const n = window.length;
  const meanAt = n === 0 ? 0 : window.reduce((sum, m) => sum + m.at, 0) / n;
  const meanRps = n === 0 ? 0 : window.reduce((sum, m) => sum + m.rps, 0) / n;
  const spread = window.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) ** 2, 0);
  return spread > 0
    ? window.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) * (m.rps - meanRps), 0) / spread
    : 0;
}

/** The demand a rebalance plans for, and the trend that set it. */
export interface PlanningDemand {
  readonly rps: number;
  /** RPS a minute when demand is rising; null when it is not (the plan is for now). */
  readonly slope: number | null;
  readonly horizonMinutes: number;
}

/**
 * The demand a rebalance plans for. Weights are fixed shares, so between two rebalances
 * every unit grows with demand in proportion to its share — the units kept only for
 * their free minReplicaCount pods too, which then add pods at their higher price. On a
 * rising demand the plan is made for where demand will be by the time a next rebalance
 * could act (two sustain windows on the trend of the last one), so those units keep
 * room and the growth goes to the cheapest units that can grow. On a falling demand it
 * plans for now, and the free pods take their full share.
 */
export function planningDemand(
  window: readonly DemandMinute[],
  demandRps: number,
  sustainMinutes: number,
): PlanningDemand {
  const slope = demandSlope(window);
  const horizonMinutes = 2 * sustainMinutes;
  if (!(slope > 0)) {
    return { rps: demandRps, slope: null, horizonMinutes };
  }
  return { rps: demandRps + slope * horizonMinutes, slope, horizonMinutes };
}
