import type { InferenceService } from "../config/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { DAY, SECOND } from "../units.ts";

/**
 * A service's demand history: the average requests/s of each period, oldest first, from
 * `start` in steps of `periodMs`; null for a period no target group reported. RequestCount
 * publishes no datapoint for a period without requests, but for a forecast a period with
 * no datapoint anywhere is unknown, not zero: days before the service (or this
 * Switchyard) existed, a CloudWatch gap. Zeros there would forecast a fresh deploy's
 * first ramp at a fourteenth of its size; left out, the days that were measured decide.
 */
export interface DemandHistory {
  readonly start: EpochMs;
  readonly periodMs: number;
  readonly rps: readonly (number | null)[];
}

/**
 * GetMetricData returns at most 100,800 datapoints a page (`MaxDatapoints`' default and
 * ceiling), and keeps 1-minute data 15 days, 5-minute data 63 days, hourly data 455 days
 * (CloudWatch API Reference, GetMetricData and MetricStat).
 */
const GET_METRIC_DATA_PAGE_DATAPOINTS = 100_800;

/** The periods CloudWatch keeps for 14 days of history, finest first. */
const HISTORY_PERIODS_SECONDS = [60, 300, 3600] as const;

/** The target groups whose RequestCount make a service's demand: each unit's, and the consolidated Service's. */
export function historySeriesCount(service: InferenceService): number {
  return service.units.length + (service.consolidatedService === undefined ? 0 : 1);
}

/**
 * The finest period at which `seriesCount` series of `days` days fit one GetMetricData
 * page: five SD2.1 units and their consolidated Service (6 series) read 14 days at 300 s
 * (6 × 4,032 = 24,192 datapoints; at 60 s, 6 × 20,160 = 120,960 would take two pages),
 * a two-unit LLM service with its consolidated Service (3 series) at 60 s (60,480).
 */
export function historyPeriodSeconds(seriesCount: number, days: number): number {
  for (const period of HISTORY_PERIODS_SECONDS) {
    if (seriesCount * Math.ceil((days * DAY) / (period * SECOND)) <= GET_METRIC_DATA_PAGE_DATAPOINTS) {
      return period;
    }
  }
  // More target groups than an hourly page holds (300 at 14 days) cannot be: a config
  // has at most 5 units per service, and the reader pages past 100,800 anyway.
  return 3600;
}

/** The window of one history read: whole periods, ending at the last period that has ended `lagMs` before `now`. */
export function historyWindow(
  now: EpochMs,
  days: number,
  periodSeconds: number,
  lagMs: number,
): { readonly start: EpochMs; readonly end: EpochMs; readonly periodMs: number } {
  const periodMs = periodSeconds * SECOND;
  const end = Math.floor((now - lagMs) / periodMs) * periodMs;
  return { start: end - Math.ceil((days * DAY) / periodMs) * periodMs, end, periodMs };
}

/**
 * Sums the target groups' RequestCount per period into the service's requests/s. Each
 * series maps period start → requests in that period; a period absent from every series
 * is unknown (null), one absent from some only is 0 for those.
 */
export function demandHistoryOf(
  window: { readonly start: EpochMs; readonly end: EpochMs; readonly periodMs: number },
  series: readonly ReadonlyMap<EpochMs, number>[],
): DemandHistory {
  const count = Math.max(0, Math.round((window.end - window.start) / window.periodMs));
  const seconds = window.periodMs / SECOND;
  const rps = new Array<number | null>(count).fill(null);
  for (const points of series) {
    for (const [at, requests] of points) {
      const index = Math.round((at - window.start) / window.periodMs);
      if (index >= 0 && index < count && Number.isFinite(requests)) {
        rps[index] = (rps[index] ?? 0) + requests / seconds;
      }
    }
  }
  return { start: window.start, periodMs: window.periodMs, rps };
}

/** The end of the history: the start of the first period it does not hold. */
export function historyEnd(history: DemandHistory): EpochMs {
  return history.start + history.rps.length * history.periodMs;
}
