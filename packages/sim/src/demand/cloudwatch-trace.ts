import type { EpochMs } from "@switchyard/core";
import { MAX_DEMAND_RPS, MINUTE, parseDecimal, SECOND } from "@switchyard/core";
import { readCsvRows } from "./csv-rows.ts";

/** Where the trace's datapoints sit on the run's clock. */
export type TraceAlignment = "first-datapoint" | "wall-clock";

/** A request-count series as CloudWatch returned it, oldest first. */
export interface CloudWatchTrace {
  readonly format: "get-metric-data" | "console-csv";
  /** The series' label (get-metric-data `Label`, the CSV column's header). */
  readonly label: string;
  readonly periodSeconds: number;
  readonly points: readonly { readonly at: EpochMs; readonly count: number }[];
}

type TraceResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** A trace laid over a run: requests/s of each minute, and what the trace left out. */
interface TraceDemand {
  readonly rpsByMinute: readonly number[];
  /** Minutes of the run that no datapoint covers: no traffic, as CloudWatch means it. */
  readonly emptyMinutes: number;
  /** The trace's time that the run's start replays. */
  readonly traceStart: EpochMs;
}

/**
 * Reads `RequestCount` Sum per period from the output of `aws cloudwatch get-metric-data`
 * (JSON: `MetricDataResults[].Timestamps/Values`, newest first unless `--scan-by
 * TimestampAscending`; pages the CLI merged are joined by `Id`) or from a CSV exported
 * from the CloudWatch console (a header row, then a timestamp and one value per series
 * in each row, quoted or not). `series` picks the result `Id` or `Label`, or the CSV
 * column (header or 0-based index), when the file holds more than one.
 */
export function parseCloudWatchTrace(text: string, series?: string | number): TraceResult<CloudWatchTrace> {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  return trimmed.startsWith("{") ? fromGetMetricData(trimmed, series) : fromConsoleCsv(text, series);
}

interface MetricDataResult {
  readonly Id?: unknown;
  readonly Label?: unknown;
  readonly Timestamps?: unknown;
  readonly Values?: unknown;
  readonly StatusCode?: unknown;
}

function fromGetMetricData(text: string, series: string | number | undefined): TraceResult<CloudWatchTrace> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `is not valid JSON: ${(error as Error).message}` };
  }
  const results = (document as { MetricDataResults?: unknown }).MetricDataResults;
  if (!Array.isArray(results) || results.length === 0) {
    return {
      ok: false,
      problem:
        "has no MetricDataResults: expected the JSON `aws cloudwatch get-metric-data` prints (MetricDataResults[].Timestamps and Values)",
    };
  }
  if (typeof (document as { NextToken?: unknown }).NextToken === "string") {
    return {
      ok: false,
      problem:
        "ends with a NextToken: it is one page of a longer result; run get-metric-data without --no-paginate or --max-items so the CLI fetches every page",
    };
  }
  // The CLI's automatic pagination concatenates each page's MetricDataResults, so one
  // query Id can appear once per page.
  const byId = new Map<string, MetricDataResult[]>();
  for (const [index, result] of (results as MetricDataResult[]).entries()) {
    const id = typeof result?.Id === "string" ? result.Id : `#${index}`;
    byId.set(id, [...(byId.get(id) ?? []), result]);
  }
  const ids = [...byId.keys()];
  const labelOf = (id: string) => {
    const label = byId.get(id)?.[0]?.Label;
    return typeof label === "string" ? label : id;
  };
  let chosen: string | undefined;
  if (series === undefined) {
    if (ids.length > 1) {
      return {
        ok: false,
        problem: `holds ${ids.length} series (${ids.map((id) => `${id} "${labelOf(id)}"`).join(", ")}): set demand.series to the Id of the RequestCount one`,
      };
    }
    chosen = ids[0];
  } else {
    chosen = ids.find((id) => id === String(series)) ?? ids.find((id) => labelOf(id) === String(series));
    if (chosen === undefined) {
      return {
        ok: false,
        problem: `has no series with Id or Label "${series}" (it has ${ids.map((id) => `${id} "${labelOf(id)}"`).join(", ")})`,
      };
    }
  }
  const parts = byId.get(chosen as string) ?? [];
  const points: { at: number; count: number }[] = [];
  for (const part of parts) {
    const status = part.StatusCode;
    if (status === "InternalError" || status === "Forbidden") {
      return {
        ok: false,
        problem: `series ${chosen} has StatusCode ${status}: CloudWatch did not return its data; fetch it again`,
      };
    }
    const timestamps = Array.isArray(part.Timestamps) ? part.Timestamps : null;
    const values = Array.isArray(part.Values) ? part.Values : null;
    if (timestamps === null || values === null || timestamps.length !== values.length) {
      return {
        ok: false,
        problem: `series ${chosen} must have Timestamps and Values lists of the same length (got ${timestamps?.length ?? "none"} and ${values?.length ?? "none"})`,
      };
    }
    for (const [i, stamp] of timestamps.entries()) {
      const at = instantOf(stamp);
      const count = values[i];
      if (at === null) {
        return {
          ok: false,
          problem: `series ${chosen}: Timestamps[${i}] is not a time (got ${JSON.stringify(stamp)})`,
        };
      }
      if (typeof count !== "number" || !Number.isFinite(count) || count < 0) {
        return {
          ok: false,
          problem: `series ${chosen}: Values[${i}] must be a request count, a number >= 0 (got ${JSON.stringify(count)})`,
        };
      }
      points.push({ at, count });
    }
  }
  return withPeriod("get-metric-data", labelOf(chosen as string), points, (i) => `Timestamps[${i}]`);
}

function fromConsoleCsv(text: string, series: string | number | undefined): TraceResult<CloudWatchTrace> {
  const parsed = readCsvRows(text);
  if (!parsed.ok) {
    return { ok: false, problem: `${parsed.line === null ? "" : `line ${parsed.line}: `}${parsed.problem}` };
  }
  const [header, ...rows] = parsed.rows;
  if (header === undefined || header.cells.length < 2) {
    return {
      ok: false,
      problem:
        "is neither get-metric-data JSON nor a CloudWatch CSV export: expected a header row, then a timestamp and a request count on each row",
    };
  }
  let column: number;
  if (series === undefined) {
    if (header.cells.length > 2) {
      return {
        ok: false,
        problem: `has ${header.cells.length - 1} series (${header.cells.slice(1).join(", ")}): set demand.series to the RequestCount column's header`,
      };
    }
    column = 1;
  } else {
    column = typeof series === "number" ? series : header.cells.indexOf(series);
    if (column < 1 || column >= header.cells.length) {
      return {
        ok: false,
        problem: `has no series column ${JSON.stringify(series)} (columns: ${header.cells.join(", ")}; the first holds the timestamps)`,
      };
    }
  }
  const points: { at: number; count: number }[] = [];
  const lines: number[] = [];
  for (const row of rows) {
    const stamp = row.cells[0] ?? "";
    const cell = row.cells[column] ?? "";
    const at = instantOf(stamp);
    if (at === null) {
      return {
        ok: false,
        problem: `line ${row.line}: the first cell must be a time such as 2024-11-14T00:00:00Z or 2024-11-14 00:00:00 (UTC) (got "${stamp}")`,
      };
    }
    if (cell === "") {
      continue; // the console leaves the cell of a period with no datapoint empty
    }
    const count = parseDecimal(cell) ?? Number.NaN;
    if (!Number.isFinite(count) || count < 0) {
      return {
        ok: false,
        problem: `line ${row.line}: column ${column} (${header.cells[column]}) must be a request count, a number >= 0 (got "${cell}")`,
      };
    }
    points.push({ at, count });
    lines.push(row.line);
  }
  return withPeriod("console-csv", header.cells[column] ?? "", points, (i) => `line ${lines[i]}`);
}

/** ISO 8601 (with or without offset, `T` or space; no offset is UTC) or epoch seconds. */
function instantOf(value: unknown): number | null {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value * SECOND : null;
  }
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value.trim())) {
    return null;
  }
  const iso = value.trim().replace(" ", "T");
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`;
  const at = Date.parse(withZone);
  return Number.isFinite(at) ? at : null;
}

/**
 * Sorts the datapoints oldest first and finds the period: the most common gap between
 * neighbours. Every gap must be a whole number of periods (a missing datapoint leaves a
 * gap of two); two datapoints at one time are refused.
 */
function withPeriod(
  format: CloudWatchTrace["format"],
  label: string,
  unsorted: readonly { at: number; count: number }[],
  where: (index: number) => string,
): TraceResult<CloudWatchTrace> {
  if (unsorted.length < 2) {
    return {
      ok: false,
      problem: `has ${unsorted.length} datapoint${unsorted.length === 1 ? "" : "s"}: at least two are needed to tell the period`,
    };
  }
  const order = unsorted.map((_, i) => i).sort((a, b) => (unsorted[a]?.at ?? 0) - (unsorted[b]?.at ?? 0));
  const points = order.map((i) => unsorted[i] as { at: number; count: number });
  const gaps = new Map<number, number>();
  for (let i = 1; i < points.length; i += 1) {
    const gap = (points[i]?.at ?? 0) - (points[i - 1]?.at ?? 0);
    if (gap === 0) {
      return {
        ok: false,
        problem: `has two datapoints at ${new Date(points[i]?.at ?? 0).toISOString()} (${where(order[i - 1] ?? 0)} and ${where(order[i] ?? 0)})`,
      };
    }
    gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
  }
  const [periodMs] = [...gaps.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] as [number, number];
  // ALB metrics are regular resolution: GetMetricData's Period for them is 60 s or a
  // multiple of it (CloudWatch API reference, MetricStat.Period), so a 90 s step is no
  // period CloudWatch returns: the file was resampled or hand-made.
  if (periodMs % MINUTE !== 0) {
    return {
      ok: false,
      problem: `has datapoints ${periodMs / SECOND} s apart: CloudWatch returns ALB RequestCount per 60 s or a multiple of it (get-metric-data MetricStat.Period); fetch it again with one such period`,
    };
  }
  for (const [i, point] of points.entries()) {
    const rps = point.count / (periodMs / SECOND);
    if (rps > MAX_DEMAND_RPS.value) {
      return {
        ok: false,
        problem: `${where(order[i] ?? 0)}: ${point.count} requests in ${periodMs / SECOND} s is more than ${MAX_DEMAND_RPS.value} requests per second: ${MAX_DEMAND_RPS.why}`,
      };
    }
  }
  for (let i = 1; i < points.length; i += 1) {
    const gap = (points[i]?.at ?? 0) - (points[i - 1]?.at ?? 0);
    if (gap % periodMs !== 0) {
      return {
        ok: false,
        problem: `has datapoints off its ${periodMs / SECOND} s period: ${new Date(points[i - 1]?.at ?? 0).toISOString()} then ${new Date(points[i]?.at ?? 0).toISOString()}; fetch it with one period (get-metric-data MetricStat.Period)`,
      };
    }
  }
  return { ok: true, value: { format, label, periodSeconds: periodMs / SECOND, points } };
}

/**
 * Lays a trace over the run [start, end): each datapoint is `count` requests spread evenly
 * over its period, so a minute's demand is the requests that fall in it ÷ 60 (a 5-minute
 * Sum of 30,000 is 100 RPS in each of its minutes). With `first-datapoint`, the first
 * datapoint's period begins at the run's start; with `wall-clock`, datapoints keep their
 * own times. Minutes that no datapoint covers are no traffic and are counted: an ALB's
 * metrics are "reported only when requests are flowing … If there are no requests … the
 * metric is not reported" (Application Load Balancers guide, CloudWatch metrics). The trace must cover the
 * whole run, from its first datapoint to the end of its last period.
 */
export function traceDemand(
  trace: CloudWatchTrace,
  start: EpochMs,
  end: EpochMs,
  align: TraceAlignment,
): TraceResult<TraceDemand> {
  const periodMs = trace.periodSeconds * SECOND;
  const first = trace.points[0]?.at ?? 0;
  const last = (trace.points.at(-1)?.at ?? 0) + periodMs;
  const shift = align === "first-datapoint" ? start - first : 0;
  const iso = (at: number) => new Date(at).toISOString().replace(":00.000Z", "Z");
  if (first + shift > start) {
    return {
      ok: false,
      problem: `starts at ${iso(first)}, ${minutesText(first - start)} after the run's start (${iso(start)}): no data for ${iso(start)} to ${iso(first)}; start the run later or fetch more of the trace`,
    };
  }
  if (last + shift < end) {
    return {
      ok: false,
      problem: `covers ${iso(first)} to ${iso(last)}, so the run (${iso(start - shift)} to ${iso(end - shift)} in the trace's time) has no data from ${iso(last)} to ${iso(end - shift)} (${minutesText(end - shift - last)}): shorten the run or fetch more of the trace`,
    };
  }
  const minutes = Math.ceil((end - start) / MINUTE);
  const requests = new Array<number>(minutes).fill(0);
  const covered = new Array<boolean>(minutes).fill(false);
  for (const point of trace.points) {
    const from = point.at + shift - start;
    const to = from + periodMs;
    const rate = point.count / periodMs;
    for (let m = Math.max(0, Math.floor(from / MINUTE)); m < minutes && m * MINUTE < to; m += 1) {
      const overlap = Math.min(to, (m + 1) * MINUTE) - Math.max(from, m * MINUTE);
      if (overlap > 0) {
        requests[m] = (requests[m] ?? 0) + rate * overlap;
        covered[m] = true;
      }
    }
  }
  return {
    ok: true,
    value: {
      rpsByMinute: requests.map((r) => r / 60),
      emptyMinutes: covered.filter((c) => !c).length,
      traceStart: start - shift,
    },
  };
}

function minutesText(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE);
  return minutes >= 120 && minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
