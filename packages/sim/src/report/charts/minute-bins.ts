import type { EpochMs } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { MinuteRecord } from "../minute-series.ts";
import type { SimulationReport } from "../simulation-report.ts";

// The report's minutes as the charts draw them: cut to a window, grouped into bins, with
// the spans a policy spent in capacity mode.

/** The end of the last minute any policy recorded in [from, to): where the time axis stops. */
export function dataEnd(report: SimulationReport, from: EpochMs, to: EpochMs): EpochMs {
  let last = from;
  for (const policy of report.policies) {
    for (const m of policy.minutes) {
      if (m.at >= from && m.at < to) {
        last = Math.max(last, m.at + MINUTE);
      }
    }
  }
  return last;
}

/** Minutes of [from, to) grouped `bin` minutes at a time: means of rates, max of latency. */
export function binned(
  minutes: readonly MinuteRecord[],
  from: EpochMs,
  to: EpochMs,
  bin: number,
): MinuteRecord[][] {
  const groups: MinuteRecord[][] = [];
  let current: MinuteRecord[] = [];
  let start = from;
  for (const m of minutes) {
    if (m.at < from || m.at >= to) {
      continue;
    }
    if (m.at >= start + bin * MINUTE && current.length > 0) {
      groups.push(current);
      current = [];
      start = from + Math.floor((m.at - from) / (bin * MINUTE)) * bin * MINUTE;
    }
    current.push(m);
  }
  if (current.length > 0) {
    groups.push(current);
  }
  return groups;
}

/**
 * Each group with the time it starts, plus the end of the data repeating the last group:
 * a step-after line or area draws a value until the next point, so without that closing
 * point the last bin would have no width.
 */
export function steps(
  groups: readonly MinuteRecord[][],
  end: EpochMs,
): { t: EpochMs; group: MinuteRecord[] }[] {
  const points = groups.map((group) => ({ t: (group[0] as MinuteRecord).at, group }));
  const last = points[points.length - 1];
  if (last !== undefined && last.t < end) {
    points.push({ t: end, group: last.group });
  }
  return points;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Spans of consecutive minutes in capacity mode, each ending where the next cost-mode minute starts. */
export function capacitySpans(
  minutes: readonly MinuteRecord[],
  from: EpochMs,
  to: EpochMs,
): { start: EpochMs; end: EpochMs }[] {
  const spans: { start: EpochMs; end: EpochMs }[] = [];
  let open: EpochMs | null = null;
  let last: EpochMs = from;
  for (const m of minutes) {
    if (m.at < from || m.at >= to) {
      continue;
    }
    last = m.at + MINUTE;
    if (m.mode === "capacity" && open === null) {
      open = m.at;
    } else if (m.mode !== "capacity" && open !== null) {
      spans.push({ start: open, end: m.at });
      open = null;
    }
  }
  if (open !== null) {
    spans.push({ start: open, end: last });
  }
  return spans;
}
