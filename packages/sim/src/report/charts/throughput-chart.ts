import type { EpochMs } from "@switchyard/core";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CAPACITY_STRIP,
  CHART_MARKS,
  type ChartDefinition,
  type ChartLayer,
  COST_STRIP,
  capacityBand,
  FAILED,
  FLOOR,
  FORECAST,
  OUTAGE,
  rowPerPolicy,
  timeAxis,
  UNIT_COLOURS,
  WIDTH,
} from "./chart-style.ts";
import { binned, capacitySpans, dataEnd, mean, steps } from "./minute-bins.ts";

/** Pixels at the top of each throughput row: the EC2 capacity strip, then the mode strip, then the stack. */
const OUTAGE_STRIP_PX = [0, 10] as const;
const MODE_STRIP_PX = [12, 24] as const;
const STACK_TOP_PX = 30;
/** Width of a strip label's character at font size 9, generously. */
const LABEL_CHAR_PX = 5.6;

/** A strip's label: drawn inside the strip (`label`) or just right of it (`outside`), the other empty. */
interface StripLabel {
  readonly label: string;
  readonly outside: string;
}

/** The rows of the throughput chart's data, by `kind`. */
type ThroughputRow =
  | { kind: "rps"; policy: string; t: EpochMs; unit: string; order: number; rps: number }
  | { kind: "failed"; policy: string; t: EpochMs; failed: number | null }
  | { kind: "forecast"; policy: string; t: EpochMs; forecast: number; floor: number }
  | { kind: "cost-strip"; policy: string; start: EpochMs; end: EpochMs }
  | ({ kind: "band"; policy: string; start: EpochMs; end: EpochMs } & StripLabel)
  | ({ kind: "outage"; policy: string; start: EpochMs; end: EpochMs; type: string } & StripLabel);

/**
 * A strip's label: inside the strip when it fits in the span's width on a chart `WIDTH`
 * pixels wide over [from, end), else just right of it (`outside`).
 */
function stripLabel(
  text: string,
  span: { start: EpochMs; end: EpochMs },
  from: EpochMs,
  end: EpochMs,
): StripLabel {
  const px = ((span.end - span.start) / (end - from)) * WIDTH;
  const inside = px >= text.length * LABEL_CHAR_PX + 6;
  return { label: inside ? text : "", outside: inside ? "" : text };
}

/**
 * The capacity windows drawn in [from, end), by start, in clusters: a window starting less
 * than a label's width after the previous one ends joins its cluster (a flapping pool's
 * windows every ten minutes would otherwise write their labels over each other).
 */
function outageClusters(report: SimulationReport, from: EpochMs, end: EpochMs) {
  const windows = report.scenario.capacity
    .filter((w) => w.to > from && w.from < end)
    .sort((a, b) => a.from - b.from);
  const labelMs = ((30 * LABEL_CHAR_PX) / WIDTH) * (end - from);
  const clusters: (typeof windows)[] = [];
  for (const w of windows) {
    const last = clusters[clusters.length - 1];
    const previous = last?.[last.length - 1];
    if (last !== undefined && previous !== undefined && w.from - previous.to < labelMs) {
      last.push(w);
    } else {
      clusters.push([w]);
    }
  }
  return clusters;
}

/**
 * Failed requests/s with the zero stretches left out (null breaks a Vega-Lite line), keeping
 * the zero either side of a failure so its rise and fall are drawn: a line lying on the
 * x-axis reads as the axis, not as "nothing failed".
 */
function failedPoints(
  points: readonly { t: EpochMs; failed: number }[],
): { t: EpochMs; failed: number | null }[] {
  return points.map((p, i) => {
    const near = [points[i - 1], p, points[i + 1]].some((q) => q !== undefined && q.failed > 0);
    return { t: p.t, failed: near ? p.failed : null };
  });
}

/** Every policy's rows of the chart over [from, to), `bin` minutes a point, the axis ending at `end`. */
function throughputRows(report: SimulationReport, from: EpochMs, to: EpochMs, end: EpochMs, bin: number) {
  const units = report.scenario.service.units.map((u) => u.name);
  const values: ThroughputRow[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    const failed: { t: EpochMs; failed: number }[] = [];
    const forecasts = new Map(policy.result.forecasts.map((f) => [f.at, f.rps]));
    for (const { t, group } of steps(binned(policy.minutes, from, to, bin), end)) {
      units.forEach((unit, order) => {
        const rps = mean(group.map((m) => m.units.find((u) => u.name === unit)?.rps ?? 0));
        values.push({ kind: "rps", policy: p, t, unit, order, rps });
      });
      failed.push({ t, failed: mean(group.map((m) => m.failed / 60)) });
      const forecast = group.flatMap((m) => {
        const rps = forecasts.get(m.at);
        return rps === undefined ? [] : [rps];
      });
      if (forecast.length > 0) {
        // What the minReplicaCount pods serve at their breaking points: the forecast floor.
        const floor = mean(
          group.map((m) =>
            report.scenario.service.units.reduce(
              (sum, unit) =>
                sum + (m.units.find((u) => u.name === unit.name)?.minReplicas ?? 0) * unit.maxRps,
              0,
            ),
          ),
        );
        values.push({ kind: "forecast", policy: p, t, forecast: mean(forecast), floor });
      }
    }
    for (const point of failedPoints(failed)) {
      values.push({ kind: "failed", policy: p, ...point });
    }
    values.push({ kind: "cost-strip", policy: p, start: from, end });
    for (const span of capacitySpans(policy.minutes, from, to)) {
      const label = stripLabel("capacity mode · round-robin", span, from, end);
      values.push({ kind: "band", policy: p, start: span.start, end: span.end, ...label });
    }
    for (const cluster of outageClusters(report, from, end)) {
      cluster.forEach((w, i) => {
        const span = { start: Math.max(w.from, from), end: Math.min(w.to, end) };
        // One label per cluster of windows too close to label apart, on its last window.
        const types = [...new Set(cluster.map((c) => c.instanceType))].join(", ");
        const label =
          i === cluster.length - 1
            ? stripLabel(`no ${types} capacity`, span, from, end)
            : { label: "", outside: "" };
        values.push({ kind: "outage", policy: p, ...span, type: w.instanceType, ...label });
      });
    }
  }
  return values;
}

/**
 * Requests/s per unit, stacked, one row per policy, under two strips: the EC2 capacity
 * windows and the ALB's mode. `throughput` is the whole run in 5-minute means; `incident`
 * the window around the capacity trouble, minute by minute.
 */
export function throughputChart(
  report: SimulationReport,
  from: EpochMs,
  to: EpochMs,
  bin: number,
  name: "throughput" | "incident",
): ChartDefinition {
  const units = report.scenario.service.units.map((u) => u.name);
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, from, to);
  const values = throughputRows(report, from, to, end, bin);
  const x = timeAxis(name === "incident" ? "%H:%M" : "%d %b %H:%M", from, end);
  const whole = name === "throughput";
  const height = whole ? 125 : 150;
  const strip = (px: readonly [number, number]) => ({ y: { value: px[0] }, y2: { value: px[1] } });
  /** The label inside the strip (white, from its start) and the one beside it (in the strip's colour, from its end). */
  const stripText = (kind: string, px: readonly [number, number], colour: string): ChartLayer[] =>
    (["inside", "outside"] as const).map((where) => ({
      transform: [{ filter: `datum.kind === '${kind}'` }],
      mark: {
        type: "text",
        color: where === "inside" ? "#ffffff" : colour,
        fontSize: 9,
        fontWeight: where === "inside" ? "normal" : "bold",
        align: "left",
        baseline: "middle",
        dx: 3,
      },
      encoding: {
        x: { ...x, field: where === "inside" ? "start" : "end" },
        y: { value: (px[0] + px[1]) / 2 },
        text: { field: where === "inside" ? "label" : "outside" },
      },
    }));
  const instanceTypes = [...new Set(report.scenario.capacity.map((w) => w.instanceType))].join(", ");
  return {
    name,
    title: whole ? "Requests/s per unit, whole run" : "Requests/s per unit around the capacity trouble",
    caption: `Stacked requests/s reaching each unit's pods (${bin}-minute ${bin === 1 ? "values" : "means"}); purple strip (and the faint purple behind the stack): the ALB routes in capacity mode (round-robin), grey: cost mode; red strip above it: the EC2 capacity windows, named by instance type${instanceTypes === "" ? "" : ` (${instanceTypes})`}; black line: failed requests/s, drawn only where requests failed; magenta line (switchyard): the demand it forecast for each minute a pod start-up before it; dotted grey: what the minReplicaCount pods serve at their breaking points — the forecast floor raising them ahead of a ramp.`,
    spec: rowPerPolicy({
      title: `${report.scenario.name}: ${whole ? "throughput per unit" : "throughput per unit around the capacity trouble"}`,
      subtitle: [
        "top strips: red = no EC2 capacity for the named instance type · purple = capacity mode (round-robin), grey = cost mode",
        "dashed black = failed req/s (drawn only where requests failed) · magenta = forecast a start-up ahead · dotted grey = forecast floor (req/s its pods serve)",
      ],
      values,
      policies,
      height,
      layer: [
        capacityBand(x, STACK_TOP_PX, height),
        {
          name: CHART_MARKS.stack,
          transform: [{ filter: "datum.kind === 'rps'" }],
          mark: { type: "area", interpolate: "step-after", opacity: 0.9 },
          encoding: {
            x,
            y: {
              field: "rps",
              type: "quantitative",
              stack: "zero",
              title: "req/s",
              scale: { range: [height, STACK_TOP_PX] },
            },
            color: {
              field: "unit",
              type: "nominal",
              scale: { domain: units, range: UNIT_COLOURS.slice(0, units.length) },
              legend: { orient: "top", title: null },
            },
            order: { field: "order", type: "quantitative" },
          },
        },
        {
          // A white halo under the line keeps it apart from the edges of the areas it crosses.
          transform: [{ filter: "datum.kind === 'failed'" }],
          mark: { type: "line", color: "#ffffff", strokeWidth: 4.5, interpolate: "step-after" },
          encoding: { x, y: { field: "failed", type: "quantitative" } },
        },
        {
          name: CHART_MARKS.failed,
          transform: [{ filter: "datum.kind === 'failed'" }],
          mark: {
            type: "line",
            color: FAILED,
            strokeWidth: 2,
            strokeDash: [5, 2],
            interpolate: "step-after",
          },
          encoding: { x, y: { field: "failed", type: "quantitative" } },
        },
        {
          name: CHART_MARKS.floor,
          transform: [{ filter: "datum.kind === 'forecast'" }],
          mark: {
            type: "line",
            color: FLOOR,
            strokeWidth: 1.2,
            strokeDash: [2, 2],
            interpolate: "step-after",
          },
          encoding: { x, y: { field: "floor", type: "quantitative" } },
        },
        {
          name: CHART_MARKS.forecast,
          transform: [{ filter: "datum.kind === 'forecast'" }],
          mark: { type: "line", color: FORECAST, strokeWidth: 1.5, interpolate: "step-after" },
          encoding: { x, y: { field: "forecast", type: "quantitative" } },
        },
        {
          transform: [{ filter: "datum.kind === 'cost-strip'" }],
          mark: { type: "rect", color: COST_STRIP },
          encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, ...strip(MODE_STRIP_PX) },
        },
        {
          name: CHART_MARKS.modeStrip,
          transform: [{ filter: "datum.kind === 'band'" }],
          mark: { type: "rect", color: CAPACITY_STRIP },
          encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, ...strip(MODE_STRIP_PX) },
        },
        ...stripText("band", MODE_STRIP_PX, CAPACITY_STRIP),
        {
          name: CHART_MARKS.outageStrip,
          transform: [{ filter: "datum.kind === 'outage'" }],
          mark: { type: "rect", color: OUTAGE },
          encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, ...strip(OUTAGE_STRIP_PX) },
        },
        ...stripText("outage", OUTAGE_STRIP_PX, OUTAGE),
      ],
      independentY: true,
    }),
  };
}
