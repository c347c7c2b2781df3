import type { EpochMs } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { MinuteSeries } from "../minute-series.ts";
import type { SimulationReport } from "../simulation-report.ts";

// The report's minutes as the charts draw them: cut to a window and grouped into bins
// sized so that a chart draws at most about one point per pixel, whatever the run's
// length (a month of minutes is 44,640 points per line: far more than 920 pixels can
// show, and slow to draw), with the spans a policy spent in capacity mode.

/** Bin sizes a chart may use, in minutes; the smallest that keeps the points under the limit wins. */
const BIN_MINUTES = [1, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440];
/** About one point per pixel of a chart `WIDTH` pixels wide. */
const MAX_POINTS = 900;

/** What a chart shows of the run: [from, to), the axis ending at `end`, `binMinutes` a point. */
export interface ChartWindow {
  readonly from: EpochMs;
  readonly to: EpochMs;
  /** The end of the last minute with data in [from, to): where the time axis stops. */
  readonly end: EpochMs;
  readonly binMinutes: number;
}

/** The window [from, to) of the report, binned to at most `MAX_POINTS` points (and at least `minBin` minutes). */
export function chartWindow(report: SimulationReport, from: EpochMs, to: EpochMs, minBin = 1): ChartWindow {
  const end = dataEnd(report, from, to);
  const minutes = Math.max(1, (end - from) / MINUTE);
  const binMinutes =
    BIN_MINUTES.find((b) => b >= minBin && minutes / b <= MAX_POINTS) ??
    (BIN_MINUTES[BIN_MINUTES.length - 1] as number);
  return { from, to, end, binMinutes };
}

/** The end of the last minute any policy recorded in [from, to). */
function dataEnd(report: SimulationReport, from: EpochMs, to: EpochMs): EpochMs {
  let last = from;
  for (const policy of report.policies) {
    const i = policy.minutes.indexAt(to) - 1;
    if (i >= 0 && policy.minutes.timeAt(i) >= from) {
      last = Math.max(last, policy.minutes.timeAt(i) + MINUTE);
    }
  }
  return last;
}

/** One bin: minutes [first, end) of a series, starting at `t`. */
interface Bin {
  readonly t: EpochMs;
  readonly first: number;
  readonly end: number;
}

/** The series' minutes in the window, `binMinutes` at a time from the window's start; empty bins left out. */
export function binsOf(series: MinuteSeries, window: ChartWindow): Bin[] {
  const size = window.binMinutes * MINUTE;
  const bins: Bin[] = [];
  const last = series.indexAt(window.to);
  let i = series.indexAt(window.from);
  while (i < last) {
    const start = window.from + Math.floor((series.timeAt(i) - window.from) / size) * size;
    let end = i + 1;
    while (end < last && series.timeAt(end) < start + size) {
      end += 1;
    }
    bins.push({ t: start, first: i, end });
    i = end;
  }
  return bins;
}

/** The mean of `value` over the bin's minutes. */
export function meanOver(bin: Bin, value: (i: number) => number): number {
  let sum = 0;
  for (let i = bin.first; i < bin.end; i += 1) {
    sum += value(i);
  }
  return sum / (bin.end - bin.first);
}

/** The largest `value` over the bin's minutes, NaN (no value) left out; NaN when none has one. */
export function maxOver(bin: Bin, value: (i: number) => number): number {
  let max = Number.NaN;
  for (let i = bin.first; i < bin.end; i += 1) {
    const v = value(i);
    if (!Number.isNaN(v) && !(v <= max)) {
      max = v;
    }
  }
  return max;
}

/**
 * The points with the end of the data repeating the last one: a step-after line or area
 * draws a value until the next point, so without that closing point the last bin would
 * have no width.
 */
export function closedAt<T extends { readonly t: EpochMs }>(points: readonly T[], end: EpochMs): T[] {
  const last = points[points.length - 1];
  return last !== undefined && last.t < end ? [...points, { ...last, t: end }] : [...points];
}

/** Spans of consecutive minutes in capacity mode in [from, to), each ending where the next cost-mode minute starts. */
export function capacitySpans(
  minutes: MinuteSeries,
  from: EpochMs,
  to: EpochMs,
): { start: EpochMs; end: EpochMs }[] {
  const spans: { start: EpochMs; end: EpochMs }[] = [];
  let open: EpochMs | null = null;
  let last: EpochMs = from;
  const stop = minutes.indexAt(to);
  for (let i = minutes.indexAt(from); i < stop; i += 1) {
    const at = minutes.timeAt(i);
    last = at + MINUTE;
    const capacity = minutes.modeAt(i) === "capacity";
    if (capacity && open === null) {
      open = at;
    } else if (!capacity && open !== null) {
      spans.push({ start: open, end: at });
      open = null;
    }
  }
  if (open !== null) {
    spans.push({ start: open, end: last });
  }
  return spans;
}

/** "5-minute means" / "hourly means" / "minute by minute": how a caption names the bins. */
export function binWords(binMinutes: number, what: "means" | "worst"): string {
  if (binMinutes === 1) {
    return "minute by minute";
  }
  const size = binMinutes % 60 === 0 ? `${binMinutes / 60}-hour` : `${binMinutes}-minute`;
  return what === "means" ? `${size} means` : `worst minute of each ${size} span`;
}
