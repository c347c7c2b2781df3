import type { EpochMs } from "../signals/types.ts";
import { MINUTE } from "../units.ts";

/** One measured minute of demand. */
interface DemandMinute {
  readonly at: EpochMs;
  readonly rps: number;
}

/** The least-squares slope of demand over the minutes, in RPS a minute: one noisy minute at either end moves it little. */
export function demandSlope(window: readonly DemandMinute[]): number {
  return lineFit(window).slope;
}

/**
 * How demand moved over a window of minutes:
 * - `line`: one straight line explains it (a trend, or flat, plus noise); `slope` is its
 *   least-squares slope in RPS a minute.
 * - `shift`: the level moved at `at` — a step, or the start or end of a burst — and one
 *   line does not explain the window: from `beforeRps` (the level just before) to
 *   `afterRps` (just after). `slope` is that of the minutes since the shift alone (0 with
 *   fewer than SEGMENT_LINE_MINUTES of them): a step is not a trend, and a burst's ramp
 *   says nothing of the minutes after it.
 */
type DemandReading =
  | { readonly kind: "line"; readonly slope: number }
  | {
      readonly kind: "shift";
      readonly at: EpochMs;
      readonly beforeRps: number;
      readonly afterRps: number;
      readonly slope: number;
    };

/**
 * Each side of a shift spans at least this many minutes: one odd minute is noise (or a
 * level not yet confirmed), not a shift, and least squares already barely moves for it.
 */
const SHIFT_SIDE_MINUTES = 2;

/** A window of fewer minutes is read as one line: too short to tell a shift from noise. */
const SHIFT_MIN_MINUTES = 2 * SHIFT_SIDE_MINUTES;

/**
 * A segment of at least this many minutes gets a line of its own; a shorter one, its
 * mean: a line through three minutes bends to one odd minute at the end of a trend.
 */
const SEGMENT_LINE_MINUTES = 4;

/**
 * A shift must leave at most this share of the squared error of one line: two segments
 * have more freedom than one line, so on noise alone they fit a little better; only a
 * real change of level makes most of the line's error disappear.
 */
const SHIFT_ERROR_SHARE = 1 / 3;

/**
 * Tells a step from a trend. Two models are fitted by least squares: one line over the
 * whole window, and two segments split at the best minute (each its own line when long
 * enough, else its mean; each at least SHIFT_SIDE_MINUTES long). The window is a `shift` when the split leaves at most
 * SHIFT_ERROR_SHARE of the line's squared error **and** the line misses some minute by
 * more than `materialShare` of the mean demand — a change of level that a plan's headroom
 * would not absorb anyway. Otherwise it is a `line`. Pure: the same minutes, the same
 * reading.
 */
export function readDemand(window: readonly DemandMinute[], materialShare: number): DemandReading {
  const line = lineFit(window);
  if (window.length < SHIFT_MIN_MINUTES) {
    return { kind: "line", slope: line.slope };
  }
  const mean = window.reduce((sum, m) => sum + m.rps, 0) / window.length;
  const worstMiss = Math.max(...window.map((m) => Math.abs(m.rps - line.valueAt(m.at))));
  if (!(line.squaredError > 0) || worstMiss <= materialShare * Math.max(mean, 0)) {
    return { kind: "line", slope: line.slope };
  }
  // Every split that leaves SHIFT_SIDE_MINUTES on each side.
  let best: { split: number; error: number; before: SegmentFit; after: SegmentFit } | null = null;
  for (let split = SHIFT_SIDE_MINUTES; split <= window.length - SHIFT_SIDE_MINUTES; split += 1) {
    const before = segmentFit(window.slice(0, split));
    const after = segmentFit(window.slice(split));
    const error = before.squaredError + after.squaredError;
    if (best === null || error < best.error) {
      best = { split, error, before, after };
    }
  }
  const first = window[best?.split ?? 0];
  const last = window[(best?.split ?? 1) - 1];
  if (
    best === null ||
    first === undefined ||
    last === undefined ||
    best.error > SHIFT_ERROR_SHARE * line.squaredError
  ) {
    return { kind: "line", slope: line.slope };
  }
  return {
    kind: "shift",
    at: first.at,
    beforeRps: best.before.valueAt(last.at),
    afterRps: best.after.valueAt(first.at),
    slope: best.after.slope,
  };
}

/** A shift as a plan's reason tells it: when, from and to what level, and the slope since. */
export interface DemandShift {
  readonly at: EpochMs;
  readonly fromRps: number;
  readonly toRps: number;
  readonly slope: number;
}

/** The demand a rebalance plans for, and the reading that set it. */
export interface PlanningDemand {
  readonly rps: number;
  /** RPS a minute when demand is rising along one line; null when it is not (the plan is for now). */
  readonly slope: number | null;
  readonly horizonMinutes: number;
  /** Set when the window is a shift, not a trend: the plan is for the level now. */
  readonly shift?: DemandShift;
}

/**
 * The demand a rebalance plans for. Weights are fixed shares, so between two rebalances
 * every unit grows with demand in proportion to its share — the units kept only for
 * their free minReplicaCount pods too, which then add pods at their higher price. On a
 * demand rising along one line the plan is made for where demand will be by the time a
 * next rebalance could act (two sustain windows on the trend of the last one), so those
 * units keep room and the growth goes to the cheapest units that can grow. On a falling
 * demand it plans for now, and the free pods take their full share. A step (or a burst)
 * is not a trend: the least-squares slope across a step is the step's height spread over
 * the window, and looking ahead on it would plan for a level demand never reaches, so a
 * shift plans for the demand now.
 */
export function planningDemand(
  window: readonly DemandMinute[],
  demandRps: number,
  sustainMinutes: number,
  materialShare: number,
): PlanningDemand {
  const reading = readDemand(window, materialShare);
  const horizonMinutes = 2 * sustainMinutes;
  if (reading.kind === "shift") {
    return {
      rps: demandRps,
      slope: null,
      horizonMinutes,
      shift: { at: reading.at, fromRps: reading.beforeRps, toRps: reading.afterRps, slope: reading.slope },
    };
  }
  if (!(reading.slope > 0)) {
    return { rps: demandRps, slope: null, horizonMinutes };
  }
  return { rps: demandRps + reading.slope * horizonMinutes, slope: reading.slope, horizonMinutes };
}

/**
 * The demand now, when the newest measured minute is `lagMinutes` old: on demand rising
 * along one line, or since a shift, the newest minute's level carried forward on that
 * slope over the lag; otherwise (flat, falling, a step already flat) `demandRps`. Never
 * below `demandRps`. A reroute sized on the newest minute alone is sized on demand
 * minutes old, which in a surge is a fraction of what the receivers will get.
 */
export function demandNow(
  window: readonly DemandMinute[],
  demandRps: number,
  lagMinutes: number,
  materialShare: number,
): { readonly rps: number; readonly slope: number | null } {
  const newest = window[window.length - 1];
  if (newest === undefined) {
    return { rps: demandRps, slope: null };
  }
  const reading = readDemand(window, materialShare);
  const since = reading.kind === "shift" ? window.filter((m) => m.at >= reading.at) : window;
  const slope = reading.slope;
  if (!(slope > 0) || since.length < 2) {
    return { rps: demandRps, slope: null };
  }
  const level = lineFit(since).valueAt(newest.at);
  return { rps: Math.max(demandRps, level + slope * Math.max(0, lagMinutes)), slope };
}

interface SegmentFit {
  readonly slope: number;
  readonly squaredError: number;
  valueAt(at: EpochMs): number;
}

/** A segment's own line when it has SEGMENT_LINE_MINUTES or more, else its mean (slope 0). */
function segmentFit(minutes: readonly DemandMinute[]): SegmentFit {
  if (minutes.length >= SEGMENT_LINE_MINUTES) {
    return lineFit(minutes);
  }
  const mean = minutes.reduce((sum, m) => sum + m.rps, 0) / Math.max(1, minutes.length);
  return {
    slope: 0,
    squaredError: minutes.reduce((sum, m) => sum + (m.rps - mean) ** 2, 0),
    valueAt: () => mean,
  };
}

/** Least squares over minutes (x in minutes): slope, the line's value at any instant, and its squared error. */
function lineFit(minutes: readonly DemandMinute[]): SegmentFit {
  const n = minutes.length;
  const meanAt = n === 0 ? 0 : minutes.reduce((sum, m) => sum + m.at, 0) / n;
  const meanRps = n === 0 ? 0 : minutes.reduce((sum, m) => sum + m.rps, 0) / n;
  const spread = minutes.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) ** 2, 0);
  const slope =
    spread > 0
      ? minutes.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) * (m.rps - meanRps), 0) / spread
      : 0;
  const valueAt = (at: EpochMs) => meanRps + slope * ((at - meanAt) / MINUTE);
  return {
    slope,
    squaredError: minutes.reduce((sum, m) => sum + (m.rps - valueAt(m.at)) ** 2, 0),
    valueAt,
  };
}
