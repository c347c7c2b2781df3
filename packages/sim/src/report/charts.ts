import type { EpochMs } from "@switchyard/core";
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

const MINUTE = 60_000;
/** Colours per unit, in config order (colour-blind-safe Tableau 10). */
const UNIT_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];
const POLICY_COLOURS = ["#4e79a7", "#e15759", "#9c755f", "#b07aa1", "#59a14f"];
const CAPACITY_BAND = "#fbd9b5";
const OUTAGE = "#d62728";
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

const CONFIG = {
  font: FONT,
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, labelFontWeight: "bold" },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start", subtitleColor: "#555555" },
};

const timeAxis = (format: string) => ({
  field: "t",
  type: "temporal",
  title: null,
  scale: { type: "utc" },
  axis: { format, labelAngle: 0, tickCount: 12 },
});

/** The charts of a report: throughput with mode bands (whole run and around the trouble), latency at the SLO's statistic against it, cost per hour. */
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

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Spans of consecutive minutes in capacity mode. */
function capacitySpans(
  minutes: readonly MinuteRecord[],
  from: EpochMs,
  to: EpochMs,
): { start: EpochMs; end: EpochMs }[] {
  const spans: { start: EpochMs; end: EpochMs }[] = [];
  let open: EpochMs | null = null;
  for (const m of minutes) {
    if (m.at < from || m.at >= to) {
      continue;
    }
    if (m.mode === "capacity" && open === null) {
      open = m.at;
    } else if (m.mode !== "capacity" && open !== null) {
      spans.push({ start: open, end: m.at });
      open = null;
    }
  }
  if (open !== null) {
    spans.push({ start: open, end: to });
  }
  return spans;
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
  const values: Record<string, unknown>[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    for (const group of binned(policy.minutes, from, to, bin)) {
      const t = (group[0] as MinuteRecord).at;
      units.forEach((unit, order) => {
        const rps = mean(group.map((m) => m.units.find((u) => u.name === unit)?.rps ?? 0));
        values.push({ kind: "rps", policy: p, t, unit, order, rps });
      });
      values.push({ kind: "failed", policy: p, t, failed: mean(group.map((m) => m.failed / 60)) });
    }
    for (const span of capacitySpans(policy.minutes, from, to)) {
      values.push({ kind: "band", policy: p, start: span.start, end: span.end });
    }
    for (const w of report.scenario.capacity) {
      if (w.to > from && w.from < to) {
        values.push({
          kind: "outage",
          policy: p,
          start: Math.max(w.from, from),
          end: Math.min(w.to, to),
          type: w.instanceType,
        });
      }
    }
  }
  const x = timeAxis(name === "incident" ? "%H:%M" : "%d %b %H:%M");
  const whole = name === "throughput";
  return {
    name,
    title: whole ? "Requests/s per unit, whole run" : "Requests/s per unit around the capacity trouble",
    caption: `Stacked requests/s reaching each unit's pods (${bin}-minute ${bin === 1 ? "values" : "means"}); shaded: the ALB routes in capacity mode (round-robin); red strip: EC2 capacity windows; black line: failed requests/s.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${report.scenario.name}: ${whole ? "throughput per unit" : "throughput per unit around the capacity trouble"}`,
        subtitle:
          "shaded = capacity mode (round-robin) · red strip = no EC2 capacity for the unit's instance type · black = failed req/s",
      },
      data: { values },
      facet: policyRows(policies),
      spec: {
        width: 920,
        height: whole ? 95 : 120,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'band'" }],
            mark: { type: "rect", color: CAPACITY_BAND, opacity: 0.9 },
            encoding: { x: { ...x, field: "start" }, x2: { field: "end" } },
          },
          {
            transform: [{ filter: "datum.kind === 'rps'" }],
            mark: { type: "area", interpolate: "step-after", opacity: 0.9 },
            encoding: {
              x,
              y: { field: "rps", type: "quantitative", stack: "zero", title: "req/s" },
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
            transform: [{ filter: "datum.kind === 'failed'" }],
            mark: { type: "line", color: "#000000", strokeWidth: 1.2, interpolate: "step-after" },
            encoding: { x, y: { field: "failed", type: "quantitative" } },
          },
          {
            transform: [{ filter: "datum.kind === 'outage'" }],
            mark: { type: "rect", color: OUTAGE, opacity: 0.85 },
            encoding: {
              x: { ...x, field: "start" },
              x2: { field: "end" },
              y: { value: 0 },
              y2: { value: 5 },
            },
          },
        ],
      },
      resolve: { scale: { y: "independent" } },
      config: CONFIG,
    },
  };
}

function latencyChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const slo = scenario.service.slo;
  const policies = report.policies.map((p) => p.summary.name);
  const values: Record<string, unknown>[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    values.push({ kind: "slo", policy: p, slo: slo.latencyMs });
    for (const group of binned(policy.minutes, scenario.start, scenario.end, 5)) {
      const t = (group[0] as MinuteRecord).at;
      const known = group.map((m) => m.latencyMs).filter((v): v is number => v !== null);
      if (known.length > 0) {
        values.push({ kind: "latency", policy: p, t, latency: Math.max(...known) });
      }
      const broken = group.filter((m) => m.sloViolated).length;
      if (broken > 0) {
        values.push({ kind: "violation", policy: p, t, broken });
      }
    }
  }
  const x = timeAxis("%d %b %H:%M");
  return {
    name: "latency",
    title: `${slo.statistic} latency against the SLO`,
    caption: `The service's ${slo.statistic} response time over every unit (worst minute of each 5, log scale); dashed: the ${slo.latencyMs} ms objective; red ticks on top: 5-minute spans with SLO-violation minutes (slow or failed requests).`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${scenario.name}: ${slo.statistic} latency against the ${slo.latencyMs} ms SLO`,
        subtitle:
          "worst minute of every 5 · log scale · dashed = SLO · red ticks = minutes that broke the SLO (slow or failed)",
      },
      data: { values },
      facet: policyRows(policies),
      spec: {
        width: 920,
        height: 70,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'latency'" }],
            mark: { type: "line", strokeWidth: 1.4, interpolate: "step-after", color: "#4e79a7" },
            encoding: {
              x,
              y: {
                field: "latency",
                type: "quantitative",
                scale: { type: "log", domain: [300, 10_000], clamp: true, nice: false },
                title: `${slo.statistic} ms`,
              },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'slo'" }],
            mark: { type: "rule", color: OUTAGE, strokeDash: [6, 4], strokeWidth: 1.3 },
            encoding: { y: { field: "slo", type: "quantitative" } },
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

function costChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const policies = report.policies.map((p) => p.summary.name);
  const values: Record<string, unknown>[] = [];
  for (const policy of report.policies) {
    for (const group of binned(policy.minutes, scenario.start, scenario.end, 5)) {
      values.push({
        policy: policy.summary.name,
        t: (group[0] as MinuteRecord).at,
        cost: mean(group.map((m) => m.hourlyCost)),
      });
    }
  }
  return {
    name: "cost",
    title: "Cost per hour",
    caption:
      "USD per hour of the pods (instances) each policy runs, 5-minute means; the area under each line is its bill.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${scenario.name}: cost per hour`,
        subtitle: "USD per hour of running instances · 5-minute means",
      },
      width: 920,
      height: 260,
      data: { values },
      mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
      encoding: {
        x: timeAxis("%d %b %H:%M"),
        y: { field: "cost", type: "quantitative", title: "USD / hour", scale: { zero: false } },
        color: {
          field: "policy",
          type: "nominal",
          scale: { domain: policies, range: POLICY_COLOURS.slice(0, policies.length) },
          legend: { orient: "top", title: null },
        },
        strokeDash: {
          field: "policy",
          type: "nominal",
          scale: {
            domain: policies,
            range: [
              [1, 0],
              [6, 3],
              [2, 2],
              [8, 2, 2, 2],
              [1, 0],
            ],
          },
        },
      },
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
