import type { EpochMs } from "@switchyard/core";
import type { CapacityWindow } from "../../scenario/types.ts";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CHART_MARKS,
  type ChartLayer,
  OUTAGE,
  OUTAGE_BAND,
  type PositionField,
  WIDTH,
} from "./chart-style.ts";
import type { ChartWindow } from "./minute-bins.ts";

// The EC2 capacity windows, drawn the same way on every chart: a light band with dashed
// dark edges behind the data (and, on the throughput charts, a dark strip named by
// instance type above it).

/** Width of a strip label's character at font size 9, generously. */
const LABEL_CHAR_PX = 5.6;

/** A strip's label: drawn inside the strip (`label`) or just right of it (`outside`), the other empty. */
export interface StripLabel {
  readonly label: string;
  readonly outside: string;
}

/** A capacity window as a chart's data row, in one policy's row of the chart (or the chart's only one). */
export interface OutageRow extends StripLabel {
  readonly kind: "outage";
  readonly policy: string;
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly type: string;
}

/**
 * A strip's label: inside the strip when it fits in the span's width on a chart `WIDTH`
 * pixels wide over [from, end), else just right of it (`outside`).
 */
export function stripLabel(
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
 * than `gapMs` after the previous one ends joins its cluster.
 */
export function windowClusters(
  windows: readonly CapacityWindow[],
  from: EpochMs,
  end: EpochMs,
  gapMs: number,
): CapacityWindow[][] {
  const sorted = windows.filter((w) => w.to > from && w.from < end).sort((a, b) => a.from - b.from);
  const clusters: CapacityWindow[][] = [];
  for (const w of sorted) {
    const last = clusters[clusters.length - 1];
    const latestEnd = last === undefined ? Number.NEGATIVE_INFINITY : Math.max(...last.map((x) => x.to));
    if (last !== undefined && w.from - latestEnd < gapMs) {
      last.push(w);
    } else {
      clusters.push([w]);
    }
  }
  return clusters;
}

/**
 * The capacity windows of the chart's window as rows for each of `policies` (one label per
 * cluster of windows too close to label apart, on its last window: a flapping pool's
 * windows every ten minutes would otherwise write their labels over each other).
 */
export function outageRows(
  report: SimulationReport,
  window: ChartWindow,
  policies: readonly string[],
): OutageRow[] {
  const { from, end } = window;
  const labelMs = ((30 * LABEL_CHAR_PX) / WIDTH) * (end - from);
  const rows: OutageRow[] = [];
  for (const cluster of windowClusters(report.scenario.capacity, from, end, labelMs)) {
    const types = [...new Set(cluster.map((c) => c.instanceType))].join(", ");
    cluster.forEach((w, i) => {
      const span = { start: Math.max(w.from, from), end: Math.min(w.to, end) };
      const label =
        i === cluster.length - 1
          ? stripLabel(`no ${types} capacity`, span, from, end)
          : { label: "", outside: "" };
      for (const policy of policies) {
        rows.push({ kind: "outage", policy, ...span, type: w.instanceType, ...label });
      }
    });
  }
  return rows;
}

/** The band behind the data, from `top` to `bottom` pixels of the row: a light fill (its edges: `outageEdges`). */
export function outageBand(x: PositionField, top: number, bottom: number): ChartLayer {
  return {
    name: CHART_MARKS.outageBand,
    transform: [{ filter: "datum.kind === 'outage'" }],
    mark: { type: "rect", color: OUTAGE_BAND },
    encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, y: { value: top }, y2: { value: bottom } },
  };
}

/** The band's dashed dark edges, drawn over the data so they show across a full stack or a capacity-mode band. */
export function outageEdges(x: PositionField, top: number, bottom: number): ChartLayer[] {
  return (["start", "end"] as const).map((field) => ({
    transform: [{ filter: "datum.kind === 'outage'" }],
    mark: { type: "rule", color: OUTAGE, strokeDash: [4, 3], strokeWidth: 1.2, opacity: 0.85 },
    encoding: { x: { ...x, field }, y: { value: top }, y2: { value: bottom } },
  }));
}

/** The dark strip from `px[0]` to `px[1]` pixels of the row, with its instance-type label. */
export function outageStrip(x: PositionField, px: readonly [number, number]): ChartLayer[] {
  return [
    {
      name: CHART_MARKS.outageStrip,
      transform: [{ filter: "datum.kind === 'outage'" }],
      mark: { type: "rect", color: OUTAGE },
      encoding: {
        x: { ...x, field: "start" },
        x2: { field: "end" },
        y: { value: px[0] },
        y2: { value: px[1] },
      },
    },
    ...stripText(x, "outage", px, OUTAGE),
  ];
}

/** A strip's label inside it (white, from its start) and beside it (in the strip's colour, from its end). */
export function stripText(
  x: PositionField,
  kind: string,
  px: readonly [number, number],
  colour: string,
): ChartLayer[] {
  return (["inside", "outside"] as const).map((where) => ({
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
}
