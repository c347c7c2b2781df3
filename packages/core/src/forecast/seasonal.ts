import { demandSlope, readDemand } from "../decision/demand-trend.ts";
import type { EpochMs } from "../signals/types.ts";
import { DAY, MINUTE } from "../units.ts";
import { type DemandHistory, historyEnd } from "./history.ts";

/** One measured minute of demand (the evaluation's own window, newest last). */
interface RecentMinute {
  readonly at: EpochMs;
  readonly rps: number;
}

interface ForecastOptions {
  /**
   * Cap on growth, as a fraction: the level correction never scales history up by more
   * than 1 + this, and the trend never projects more than this far above the level now.
   */
  readonly maxGrowth: number;
  /**
   * A change of level the recent minutes must show, as a share of demand, before a step
   * is told from a trend (`readDemand`; the service's headroom, as the rebalance reads it).
   * Default 0.1.
   */
  readonly stepShare?: number;
}

/**
 * What the forecast knows at `madeAt`, enough to say the demand at any time of the next
 * hour (`forecastAt`). Plain data: evaluate logs it, the simulator records it.
 */
export interface DemandForecast {
  readonly madeAt: EpochMs;
  /** Days of history behind the seasonal part (0: none, the trend alone). */
  readonly days: number;
  /** Recent demand ÷ what history says for those minutes, capped at 1 + maxGrowth; null without history or recent minutes. */
  readonly level: number | null;
  /** The seasonal forecast per minute from `madeAt`, level-corrected; empty without history. */
  readonly seasonal: readonly number[];
  /**
   * The recent minutes: their fitted level at the newest one, its rise, the cap on its
   * projection and the minutes' spread; null when too few minutes are measured.
   */
  readonly trend: RecentTrend | null;
}

interface RecentTrend {
  readonly at: EpochMs;
  /** The fitted requests/s of the newest measured minute. */
  readonly rps: number;
  /** RPS a minute: the fitted slope when rising, else 0 (the level holds). */
  readonly slope: number;
  /** The projection's cap: rps × (1 + maxGrowth). */
  readonly capRps: number;
  /**
   * How far single minutes stray from the fitted line: their root-mean-square deviation
   * ÷ rps (at most maxGrowth). Pods must carry a minute's demand, not its average.
   */
  readonly spread: number;
}

/** How far ahead a forecast reaches: the next hour (EC2 predictive scaling forecasts hourly; the floors look one start-up ahead). */
const FORECAST_HORIZON_MS = 60 * MINUTE;

/**
 * How much each earlier day counts: the same minute yesterday the most, halving every
 * seven days, and the same weekday (7 and 14 days back) twice as much again, so a
 * weekly rhythm shows through and one odd day is outvoted.
 */
function dayWeight(daysBack: number): number {
  return DAY_WEIGHTS[daysBack] ?? weightOf(daysBack);
}

function weightOf(daysBack: number): number {
  const decay = 0.5 ** ((daysBack - 1) / 7);
  return daysBack % 7 === 0 ? 2 * decay : decay;
}

/** dayWeight for the days a history read reaches (CloudWatch keeps 1-minute data 15 days), computed once. */
const DAY_WEIGHTS: readonly number[] = Array.from({ length: 64 }, (_, day) => weightOf(day));

/** Minutes the trend is fitted over: long enough that one noisy minute moves it little. */
const TREND_MINUTES = 10;

/**
 * The forecast for the next hour from the service's own history: for each minute, the
 * same minute on each earlier day (`dayWeight`), scaled by how today's last minutes
 * compare with what history said for them (the level; a holiday at half the usual
 * demand halves the forecast), capped at 1 + maxGrowth; and the recent trend, so that a
 * ramp history does not know (the first day, a launch) is still seen one start-up ahead.
 * Pure: the history and the recent minutes come in as data.
 */
export function forecastDemand(
  history: DemandHistory | null,
  recent: readonly RecentMinute[],
  madeAt: EpochMs,
  options: ForecastOptions,
): DemandForecast {
  const trend = recentTrend(recent, options.maxGrowth, options.stepShare ?? 0.1);
  const days = history === null ? 0 : measuredDays(history, madeAt);
  if (history === null || days === 0) {
    return { madeAt, days: 0, level: null, seasonal: [], trend };
  }
  const level = levelRatio(history, recent, options.maxGrowth);
  const seasonal: number[] = [];
  for (let m = 0; m <= FORECAST_HORIZON_MS / MINUTE; m += 1) {
    seasonal.push((seasonalAt(history, madeAt + m * MINUTE) ?? 0) * (level ?? 1));
  }
  return { madeAt, days, level, seasonal, trend };
}

/** Requests/s the forecast says for `at` (within the hour after it was made): the larger of the seasonal and the trend parts. */
export function forecastAt(forecast: DemandForecast, at: EpochMs): number | null {
  const offset = (at - forecast.madeAt) / MINUTE;
  let seasonal: number | null = null;
  if (forecast.seasonal.length > 0) {
    const clamped = Math.min(Math.max(offset, 0), forecast.seasonal.length - 1);
    const below = Math.floor(clamped);
    const above = Math.min(below + 1, forecast.seasonal.length - 1);
    const low = forecast.seasonal[below] ?? 0;
    const high = forecast.seasonal[above] ?? 0;
    seasonal = low + (high - low) * (clamped - below);
  }
  const { trend: rise } = forecast;
  const trend =
    rise === null
      ? null
      : Math.min(rise.capRps, rise.rps + (rise.slope * Math.max(0, at - rise.at)) / MINUTE);
  if (seasonal === null) {
    return trend;
  }
  return trend === null ? seasonal : Math.max(seasonal, trend);
}

/** The highest demand the forecast says for [from, to]: what pods ready by then must carry. */
export function forecastPeak(forecast: DemandForecast, from: EpochMs, to: EpochMs): number | null {
  let peak: number | null = null;
  for (let at = from; at <= to; at += MINUTE) {
    const rps = forecastAt(forecast, at);
    if (rps !== null && (peak === null || rps > peak)) {
      peak = rps;
    }
  }
  return peak;
}

/** Earlier days whose history says something about the hour from `at`. */
function measuredDays(history: DemandHistory, at: EpochMs): number {
  let days = 0;
  for (let back = 1; at - back * DAY >= history.start; back += 1) {
    if (
      historyAt(history, at - back * DAY) !== null ||
      historyAt(history, at + FORECAST_HORIZON_MS - back * DAY) !== null
    ) {
      days += 1;
    }
  }
  return days;
}

/**
 * The history at `at`: linear between the periods' middles, so a ramp read at 5-minute
 * or hourly periods is still a ramp minute by minute. Null outside the history, or where
 * the periods around `at` have no datapoint (unknown: see DemandHistory).
 */
function historyAt(history: DemandHistory, at: EpochMs): number | null {
  const end = historyEnd(history);
  if (at < history.start || at >= end) {
    return null;
  }
  const position = (at - history.start) / history.periodMs - 0.5;
  const last = history.rps.length - 1;
  const below = Math.max(0, Math.min(last, Math.floor(position)));
  const above = Math.max(0, Math.min(last, below + 1));
  const fraction = Math.max(0, Math.min(1, position - below));
  const low = history.rps[below] ?? null;
  const high = history.rps[above] ?? null;
  if (low === null || high === null) {
    return low ?? high;
  }
  return low + (high - low) * fraction;
}

/** The weighted mean of the same moment on earlier days; null when history holds none of them. */
function seasonalAt(history: DemandHistory, at: EpochMs): number | null {
  let sum = 0;
  let weights = 0;
  for (let back = 1; at - back * DAY >= history.start; back += 1) {
    const rps = historyAt(history, at - back * DAY);
    if (rps !== null) {
      const weight = dayWeight(back);
      sum += weight * rps;
      weights += weight;
    }
  }
  return weights > 0 ? sum / weights : null;
}

/**
 * Today's level against history's: the recent minutes' demand ÷ what the earlier days
 * say for the same minutes, at most 1 + maxGrowth (a spike is not a new level). Null
 * when there are no recent minutes or history says nothing for them.
 */
function levelRatio(
  history: DemandHistory,
  recent: readonly RecentMinute[],
  maxGrowth: number,
): number | null {
  let actual = 0;
  let expected = 0;
  for (const minute of recent) {
    const seasonal = seasonalAt(history, minute.at + MINUTE / 2);
    if (seasonal !== null) {
      actual += minute.rps;
      expected += seasonal;
    }
  }
  if (expected <= 0) {
    return null;
  }
  return Math.min(1 + maxGrowth, actual / expected);
}

/**
 * The recent minutes, fitted by least squares over the last TREND_MINUTES measured
 * minutes: the fitted level of the newest minute, the slope when demand is rising (a fall
 * is left to KEDA: the floor never drains), and the minutes' spread around the line. A
 * step is not a trend (`readDemand`): after a change of level only the minutes since it
 * count — the level is theirs and so is the slope (none until they are enough to have
 * one) — or the step's height, spread over the window, would project a level demand
 * never reaches. Null with fewer than half that many minutes measured. The projection
 * is capped at 1 + maxGrowth times the level.
 */
function recentTrend(
  recent: readonly RecentMinute[],
  maxGrowth: number,
  stepShare: number,
): RecentTrend | null {
  const window = recent.slice(-TREND_MINUTES);
  const newest = window[window.length - 1];
  if (window.length < TREND_MINUTES / 2 || newest === undefined) {
    return null;
  }
  const reading = readDemand(window, stepShare);
  let fitted: (at: EpochMs) => number;
  let since: readonly RecentMinute[];
  if (reading.kind === "shift") {
    const { at: shiftAt, afterRps, slope } = reading;
    fitted = (at) => afterRps + (slope * (at - shiftAt)) / MINUTE;
    since = window.filter((m) => m.at >= shiftAt);
  } else {
    const slope = demandSlope(window);
    const meanAt = window.reduce((sum, m) => sum + m.at, 0) / window.length;
    const meanRps = window.reduce((sum, m) => sum + m.rps, 0) / window.length;
    fitted = (at) => meanRps + (slope * (at - meanAt)) / MINUTE;
    since = window;
  }
  // The fitted level of the newest measured minute, at its middle (it ended minutes
  // before now: the projection runs from its own time, not from now).
  const rps = Math.max(0, fitted(newest.at));
  const squares = since.reduce((sum, m) => sum + (m.rps - fitted(m.at)) ** 2, 0);
  const spread = rps > 0 ? Math.sqrt(squares / since.length) / rps : 0;
  return {
    at: newest.at + MINUTE / 2,
    rps,
    slope: risesBeyondNoise(since, reading.slope, squares) ? reading.slope : 0,
    capRps: rps * (1 + maxGrowth),
    spread: Math.min(maxGrowth, spread),
  };
}

/**
 * Whether a fitted slope is a rise rather than the minutes' noise: more than its standard
 * error, √(Σ residual² ÷ (n − 2)) ÷ √(Σ (t − t̄)²) (ordinary least squares). On noisy flat
 * demand a line through ten minutes tilts up half the time; projected a start-up ahead,
 * that tilt would hold pods for a rise that is not there. One standard error, not two:
 * a real morning ramp at low demand (under 1 % a minute, as noisy as 5 % a minute) must
 * still count, or the first day's ramps go unseen.
 */
function risesBeyondNoise(minutes: readonly RecentMinute[], slope: number, squares: number): boolean {
  if (!(slope > 0) || minutes.length < 3) {
    return false;
  }
  const meanAt = minutes.reduce((sum, m) => sum + m.at, 0) / minutes.length;
  const spreadT = minutes.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) ** 2, 0);
  const standardError = Math.sqrt(squares / (minutes.length - 2)) / Math.sqrt(spreadT);
  return slope > standardError;
}
