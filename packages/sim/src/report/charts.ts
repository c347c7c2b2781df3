import type { EpochMs } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { MinuteRecord } from "./minute-series.ts";
import type { SimulationReport } from "./simulation-report.ts";

/** A Vega-Lite specification (plain JSON); `renderChart` draws it. */
export type ChartSpec = Record<string, unknown>;

export interface ChartDefinition {
  /** File name without extension. */
  readonly name: string;
  readonly title: string;
  /** One sentence under the chart in report.md: how to read it. */
  readonly caption: string;
  readonly spec: ChartSpec;
}

/**
 * Names of the marks a reader is meant to see, so tests can find them in the rendered scene
 * (Vega-Lite names a layer's marks `<name>_marks`).
 */
export const CHART_MARKS = {
  modeStrip: "mode_strip",
  modeBand: "mode_band",
  outageStrip: "outage_strip",
  stack: "unit_stack",
  failed: "failed_line",
  latency: "latency_line",
  clipped: "latency_clipped",
  slo: "slo_rule",
  costLine: "cost_line",
  costMarker: "cost_marker",
} as const;

/** Colours per unit, in config order (colour-blind-safe Tableau 10). */
const UNIT_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];
const POLICY_COLOURS = ["#4e79a7", "#e15759", "#9c755f", "#b07aa1", "#59a14f"];
/** Capacity mode: a purple no unit is drawn in, strong on the strip, faint behind the data. */
const CAPACITY_STRIP = "#7b4f9d";
const CAPACITY_BAND = "#e9e0f1";
const COST_STRIP = "#e4e4e4";
const OUTAGE = "#d62728";
const FAILED = "#000000";
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const WIDTH = 920;
/** Pixels at the top of each throughput row: the EC2 capacity strip, then the mode strip, then the stack. */
const OUTAGE_STRIP_PX = [0, 10] as const;
const MODE_STRIP_PX = [12, 24] as const;
const STACK_TOP_PX = 30;
/** Width of a strip label's character at font size 9, generously. */
const LABEL_CHAR_PX = 5.6;

const CONFIG = {
  font: FONT,
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, labelFontWeight: "bold" },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start", subtitleColor: "#555555" },
};

/** The time axis, ending where the data ends (no "nice" rounding past the last minute). */
const timeAxis = (format: string, from: EpochMs, end: EpochMs) => ({
  field: "t",
  type: "temporal",
  title: null,
  scale: { type: "utc", domain: [from, end], nice: false },
  axis: { format, labelAngle: 0, tickCount: 12 },
});

/** The charts of a report: throughput with mode strips (whole run and around the trouble), latency at the SLO's statistic against it, cost per hour. */
export function chartsOf(report: SimulationReport): ChartDefinition[] {
  const charts = [throughputChart(report, report.scenario.start, report.scenario.end, 5, "throughput")];
  const zoom = incidentWindow(report);
  if (zoom !== null) {
    charts.push(throughputChart(report, zoom.from, zoom.to, 1, "incident"));
  }
  charts.push(latencyChart(report), costChart(report));
  return charts;
}

/** From an hour before the first capacity window to 90 minutes after the last one. */
function incidentWindow(report: SimulationReport): { from: EpochMs; to: EpochMs } | null {
  const windows = report.scenario.capacity;
  if (windows.length === 0) {
    return null;
  }
  const from = Math.max(report.scenario.start, Math.min(...windows.map((w) => w.from)) - 60 * MINUTE);
  const to = Math.min(report.scenario.end, Math.max(...windows.map((w) => w.to)) + 90 * MINUTE);
  return { from, to };
}

/** The end of the last minute any policy recorded in [from, to): where the time axis stops. */
function dataEnd(report: SimulationReport, from: EpochMs, to: EpochMs): EpochMs {
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
function binned(minutes: readonly MinuteRecord[], from: EpochMs, to: EpochMs, bin: number): MinuteRecord[][] {
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
function steps(groups: readonly MinuteRecord[][], end: EpochMs): { t: EpochMs; group: MinuteRecord[] }[] {
  const points = groups.map((group) => ({ t: (group[0] as MinuteRecord).at, group }));
  const last = points[points.length - 1];
  if (last !== undefined && last.t < end) {
    points.push({ t: end, group: last.group });
  }
  return points;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Spans of consecutive minutes in capacity mode, each ending where the next cost-mode minute starts. */
function capacitySpans(
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

/**
 * A strip's label: inside the strip when it fits in the span's width on a chart `WIDTH`
 * pixels wide over [from, end), else just right of it (`outside`).
 */
function stripLabel(text: string, span: { start: EpochMs; end: EpochMs }, from: EpochMs, end: EpochMs) {
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

function throughputChart(
  report: SimulationReport,
  from: EpochMs,
  to: EpochMs,
  bin: number,
  name: "throughput" | "incident",
): ChartDefinition {
  const units = report.scenario.service.units.map((u) => u.name);
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, from, to);
  const values: Record<string, unknown>[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    const failed: { t: EpochMs; failed: number }[] = [];
    for (const { t, group } of steps(binned(policy.minutes, from, to, bin), end)) {
      units.forEach((unit, order) => {
        const rps = mean(group.map((m) => m.units.find((u) => u.name === unit)?.rps ?? 0));
        values.push({ kind: "rps", policy: p, t, unit, order, rps });
      });
      failed.push({ t, failed: mean(group.map((m) => m.failed / 60)) });
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
  const x = timeAxis(name === "incident" ? "%H:%M" : "%d %b %H:%M", from, end);
  const whole = name === "throughput";
  const height = whole ? 125 : 150;
  const strip = (px: readonly [number, number]) => ({ y: { value: px[0] }, y2: { value: px[1] } });
  /** The label inside the strip (white, from its start) and the one beside it (in the strip's colour, from its end). */
  const stripText = (kind: string, px: readonly [number, number], colour: string) =>
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
    caption: `Stacked requests/s reaching each unit's pods (${bin}-minute ${bin === 1 ? "values" : "means"}); purple strip (and the faint purple behind the stack): the ALB routes in capacity mode (round-robin), grey: cost mode; red strip above it: the EC2 capacity windows, named by instance type${instanceTypes === "" ? "" : ` (${instanceTypes})`}; black line: failed requests/s, drawn only where requests failed.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${report.scenario.name}: ${whole ? "throughput per unit" : "throughput per unit around the capacity trouble"}`,
        subtitle: [
          "top strips: red = no EC2 capacity for the named instance type · purple = capacity mode (round-robin), grey = cost mode",
          "dashed black = failed req/s (drawn only where requests failed)",
        ],
      },
      data: { values },
      facet: policyRows(policies),
      spec: {
        width: WIDTH,
        height,
        layer: [
          {
            name: CHART_MARKS.modeBand,
            transform: [{ filter: "datum.kind === 'band'" }],
            mark: { type: "rect", color: CAPACITY_BAND },
            encoding: {
              x: { ...x, field: "start" },
              x2: { field: "end" },
              y: { value: STACK_TOP_PX },
              y2: { value: height },
            },
          },
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
      },
      resolve: { scale: { y: "independent" } },
      config: CONFIG,
    },
  };
}

/**
 * A linear latency scale chosen from the data around the SLO: from a little under the
 * fastest minute (at most three quarters of the SLO) to the slowest minute, at least 1.5×
 * and at most 2× the SLO. A log scale over 300–10,000 ms puts 600 and 900 ms a few pixels
 * apart; this puts the SLO near the middle, so crossing it shows.
 */
function latencyDomain(latencies: readonly number[], sloMs: number): [number, number] {
  const fastest = latencies.length === 0 ? sloMs : Math.min(...latencies);
  const slowest = latencies.length === 0 ? sloMs : Math.max(...latencies);
  const low = Math.max(0, Math.floor((Math.min(fastest, 0.75 * sloMs) * 0.9) / 100) * 100);
  const high = Math.ceil(Math.min(2 * sloMs, Math.max(1.5 * sloMs, slowest)) / 100) * 100;
  return [low, high];
}

function latencyChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const slo = scenario.service.slo;
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, scenario.start, scenario.end);
  const values: Record<string, unknown>[] = [];
  const latencies: number[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    values.push({ kind: "slo", policy: p, slo: slo.latencyMs });
    for (const span of capacitySpans(policy.minutes, scenario.start, scenario.end)) {
      values.push({ kind: "band", policy: p, start: span.start, end: span.end });
    }
    for (const { t, group } of steps(binned(policy.minutes, scenario.start, scenario.end, 5), end)) {
      const known = group.map((m) => m.latencyMs).filter((v): v is number => v !== null);
      if (known.length > 0) {
        const latency = Math.max(...known);
        latencies.push(latency);
        values.push({ kind: "latency", policy: p, t, latency });
      }
      const broken = group.filter((m) => m.sloViolated).length;
      if (broken > 0 && t < end) {
        values.push({ kind: "violation", policy: p, t, broken });
      }
    }
  }
  const [low, high] = latencyDomain(latencies, slo.latencyMs);
  for (const v of values) {
    if (v.kind === "latency" && (v.latency as number) > high && (v.t as number) < end) {
      values.push({ kind: "clipped", policy: v.policy, t: v.t, latency: high });
    }
  }
  const x = timeAxis("%d %b %H:%M", scenario.start, end);
  const y = {
    field: "latency",
    type: "quantitative",
    scale: { type: "linear", domain: [low, high], clamp: true, nice: false, zero: false },
    title: `${slo.statistic} ms`,
  };
  const height = 90;
  return {
    name: "latency",
    title: `${slo.statistic} latency against the SLO`,
    caption: `The service's ${slo.statistic} response time over every unit (worst minute of each 5) on a linear scale from ${low} to ${high} ms; slower minutes are drawn at the top edge with a ▲; dashed: the ${slo.latencyMs} ms objective; faint purple: capacity mode; red ticks on top: 5-minute spans with SLO-violation minutes (slow or failed requests).`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${scenario.name}: ${slo.statistic} latency against the ${slo.latencyMs} ms SLO`,
        subtitle: [
          `worst minute of every 5 · linear ${low}–${high} ms, ▲ = slower (clipped at the top) · dashed = SLO`,
          "faint purple = capacity mode · red ticks = minutes that broke the SLO (slow or failed)",
        ],
      },
      data: { values },
      facet: policyRows(policies),
      spec: {
        width: WIDTH,
        height,
        layer: [
          {
            name: CHART_MARKS.modeBand,
            transform: [{ filter: "datum.kind === 'band'" }],
            mark: { type: "rect", color: CAPACITY_BAND },
            encoding: {
              x: { ...x, field: "start" },
              x2: { field: "end" },
              y: { value: 0 },
              y2: { value: height },
            },
          },
          {
            name: CHART_MARKS.latency,
            transform: [{ filter: "datum.kind === 'latency'" }],
            mark: { type: "line", strokeWidth: 1.4, interpolate: "step-after", color: "#4e79a7", clip: true },
            encoding: { x, y },
          },
          {
            name: CHART_MARKS.clipped,
            transform: [{ filter: "datum.kind === 'clipped'" }],
            mark: {
              type: "point",
              shape: "triangle-up",
              filled: true,
              size: 30,
              color: "#4e79a7",
              yOffset: 4,
            },
            encoding: { x, y },
          },
          {
            name: CHART_MARKS.slo,
            transform: [{ filter: "datum.kind === 'slo'" }],
            mark: { type: "rule", color: OUTAGE, strokeDash: [6, 4], strokeWidth: 1.3 },
            encoding: { y: { ...y, field: "slo" } },
          },
          {
            transform: [{ filter: "datum.kind === 'violation'" }],
            mark: { type: "tick", color: OUTAGE, thickness: 2, orient: "vertical" },
            encoding: { x, y: { value: 4 } },
          },
        ],
      },
      config: CONFIG,
    },
  };
}

/** Per policy, in the report's order: drawn first means drawn widest, so a later line lying on it leaves its edges showing. */
const COST_WIDTHS = [5, 3.6, 2.4, 1.6, 1.1];
const COST_DASHES = [
  [1, 0],
  [7, 3],
  [2, 2],
  [9, 2, 2, 2],
  [4, 1],
];
const COST_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross"];
const MARKER_EVERY = 4 * 60 * MINUTE;

function costChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, scenario.start, scenario.end);
  const values: Record<string, unknown>[] = [];
  report.policies.forEach((policy, index) => {
    const points = steps(binned(policy.minutes, scenario.start, scenario.end, 5), end).map(
      ({ t, group }) => ({
        t,
        cost: mean(group.map((m) => m.hourlyCost)),
      }),
    );
    for (const point of points) {
      values.push({ kind: "line", policy: policy.summary.name, ...point });
    }
    // Markers at times staggered per policy: two equal series still show two sets of marks.
    const offset = (index * MARKER_EVERY) / Math.max(1, policies.length);
    for (let at = scenario.start + MARKER_EVERY / 2 + offset; at < end; at += MARKER_EVERY) {
      const point = [...points].reverse().find((p) => p.t <= at);
      if (point !== undefined) {
        values.push({ kind: "marker", policy: policy.summary.name, t: at, cost: point.cost });
      }
    }
  });
  const n = policies.length;
  const scale = <T>(range: readonly T[]) => ({
    domain: policies,
    range: policies.map((_, i) => range[i % range.length]),
  });
  const legend = { orient: "top", title: null };
  const x = timeAxis("%d %b %H:%M", scenario.start, end);
  const y = { field: "cost", type: "quantitative", title: "USD / hour", scale: { zero: false } };
  const color = { field: "policy", type: "nominal", scale: scale(POLICY_COLOURS), legend };
  return {
    name: "cost",
    title: "Cost per hour",
    caption:
      "USD per hour of the pods (instances) each policy runs, 5-minute means; the area under each line is its bill. Each policy has its own width, dash and marker, so lines that coincide stay visible.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${scenario.name}: cost per hour`,
        subtitle: [
          "USD per hour of running instances · 5-minute means",
          "each policy has its own width, dash and marker: equal lines show as a wide line under a narrow one",
        ],
      },
      width: WIDTH,
      height: 260,
      data: { values },
      layer: [
        ...policies.map((policy, i) => ({
          name: i === 0 ? CHART_MARKS.costLine : `${CHART_MARKS.costLine}_${i}`,
          transform: [
            { filter: { field: "kind", equal: "line" } },
            { filter: { field: "policy", equal: policy } },
          ],
          mark: {
            type: "line",
            interpolate: "step-after",
            strokeWidth: COST_WIDTHS[Math.min(i, COST_WIDTHS.length - 1)],
            strokeDash: COST_DASHES[i % COST_DASHES.length],
            opacity: i === 0 || n === 1 ? 0.55 : 0.95,
          },
          encoding: { x, y, color },
        })),
        {
          name: CHART_MARKS.costMarker,
          transform: [{ filter: { field: "kind", equal: "marker" } }],
          mark: { type: "point", filled: true, size: 45, opacity: 1 },
          encoding: {
            x,
            y,
            color,
            shape: { field: "policy", type: "nominal", scale: scale(COST_SHAPES), legend },
          },
        },
      ],
      config: CONFIG,
    },
  };
}

/** One chart row per policy, in the report's order, labelled at its top left. */
function policyRows(policies: readonly string[]) {
  return {
    row: {
      field: "policy",
      type: "nominal",
      sort: policies,
      title: null,
      header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top" },
    },
  } as const;
}
