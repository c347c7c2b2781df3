import { EPSILON } from "../units.ts";
/** One step of a stepped load test against one pod of a unit. */
export interface LoadTestStep {
  /** Requests per second the load generator sent. */
  readonly offeredRps: number;
  /** Requests per second the pod answered. */
  readonly servedRps: number;
  /** Response time at the test's statistic (p95 by default), in milliseconds. */
  readonly latencyMs: number;
}

/**
 * What ends the walk up the steps:
 * - `slo` (the default): the first step whose served rate falls behind the offered one or
 *   whose latency passes the SLO, so the breaking point is the highest rate that keeps up
 *   within the SLO and latencyMs is always within it.
 * - `throughput` (the seed's Table 2): only the first step whose served rate falls behind.
 *   Seed 003 read its breaking points where throughput plateaus, so the latency there may
 *   be above the SLO (l4 61 RPS at 960 ms); the planner then holds such a unit to
 *   maxRps × SLO ÷ latencyMs in capacity mode.
 */
export type BreakingPointLimit = "throughput" | "slo";

interface BreakingPointCriteria {
  readonly sloMs: number;
  /** A step keeps up when served ≥ this fraction of offered (0.95). */
  readonly keepUp: number;
  readonly limit: BreakingPointLimit;
}

/**
 * The last step before served falls behind, whatever its latency: the `throughput` limit's
 * breaking point, which the `slo` limit's notes compare with. `plateaued` is false when no
 * step fell behind (the step is then only the highest tested).
 */
export interface ThroughputPlateau {
  readonly offeredRps: number;
  readonly latencyMs: number;
  readonly plateaued: boolean;
}

/** Why a step ends the walk. */
type StepBreak = "falls-behind" | "over-slo";

export type BreakingPoint =
  | {
      /** The walk ended: `maxRps` is the last step before the one that broke. */
      readonly verdict: "reached";
      readonly maxRps: number;
      readonly latencyMs: number;
      readonly withinSlo: boolean;
      /** The highest rate tested that kept up within the SLO, or null. */
      readonly sloRps: number | null;
      /** The walk limited by throughput alone: where it stopped (see `ThroughputPlateau`). */
      readonly throughput: ThroughputPlateau | null;
      readonly brokeAt: LoadTestStep & { readonly why: StepBreak };
    }
  | {
      /** No step broke: `maxRps` is only the highest rate tested; the test must go higher. */
      readonly verdict: "not-reached";
      readonly maxRps: number;
      readonly latencyMs: number;
      readonly withinSlo: boolean;
      readonly sloRps: number | null;
      readonly throughput: ThroughputPlateau | null;
    }
  | {
      /** The lowest step already broke: the breaking point is below the range tested. */
      readonly verdict: "below-range";
      readonly brokeAt: LoadTestStep & { readonly why: StepBreak };
    };

/**
 * The breaking-point method of seed 000 and seed 003 §"breaking point": raise the rate
 * step by step until latency passes the objective or throughput stops following (with
 * limit `throughput`, only the latter); the breaking point is the last step before that. Steps are taken in order
 * of offered rate; later steps are not looked at once one broke.
 */
export function breakingPoint(
  steps: readonly LoadTestStep[],
  criteria: BreakingPointCriteria,
): BreakingPoint {
  const ordered = [...steps].sort((a, b) => a.offeredRps - b.offeredRps);
  const fallsBehind = (s: LoadTestStep) => s.servedRps < criteria.keepUp * s.offeredRps - EPSILON;
  const overSlo = (s: LoadTestStep) => s.latencyMs > criteria.sloMs;
  const why = (s: LoadTestStep, limit: BreakingPointLimit): StepBreak | null =>
    fallsBehind(s) ? "falls-behind" : limit === "slo" && overSlo(s) ? "over-slo" : null;

  /** The last step before the first one `limit` breaks at (the highest when none), or undefined when the first broke. */
  const lastBefore = (limit: BreakingPointLimit) => {
    const at = ordered.findIndex((s) => why(s, limit) !== null);
    return { step: at === -1 ? ordered.at(-1) : at === 0 ? undefined : ordered[at - 1], broke: at !== -1 };
  };
  const sloStep = lastBefore("slo").step;
  const sloRps = sloStep === undefined ? null : sloStep.offeredRps;
  const plateau = lastBefore("throughput");
  const throughput =
    plateau.step === undefined
      ? null
      : { offeredRps: plateau.step.offeredRps, latencyMs: plateau.step.latencyMs, plateaued: plateau.broke };

  const index = ordered.findIndex((s) => why(s, criteria.limit) !== null);
  const broke = index === -1 ? undefined : ordered[index];
  if (broke !== undefined && index === 0) {
    return { verdict: "below-range", brokeAt: { ...broke, why: why(broke, criteria.limit) as StepBreak } };
  }
  const last = (index === -1 ? ordered.at(-1) : ordered[index - 1]) as LoadTestStep | undefined;
  if (last === undefined) {
    throw new RangeError("breakingPoint needs at least one load-test step");
  }
  const point = {
    maxRps: last.offeredRps,
    latencyMs: last.latencyMs,
    withinSlo: !overSlo(last),
    sloRps,
    throughput,
  };
  return broke === undefined
    ? { verdict: "not-reached", ...point }
    : {
        verdict: "reached",
        ...point,
        brokeAt: { ...broke, why: why(broke, criteria.limit) as StepBreak },
      };
}
