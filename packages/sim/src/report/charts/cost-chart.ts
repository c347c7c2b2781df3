import type { EpochMs } from "@switchyard/core";
import { usd } from "../figures.ts";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CHART_MARKS,
  type ChartDefinition,
  type ChartLayer,
  CONFIG,
  POLICY_COLOURS,
  type PositionField,
  SCHEMA,
  timeAxis,
  WIDTH,
} from "./chart-style.ts";
import { binsOf, type ChartWindow } from "./minute-bins.ts";
import { type OutageRow, outageBand, outageEdges, outageRows } from "./outage-bands.ts";

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
/** Markers per line across the chart. */
const MARKERS = 6;
const HEIGHT = 280;
/** Pixels between two end labels, at font size 11. */
const LABEL_GAP_PX = 13;
const CHART = "cost";

/** The rows of the cost chart's data: each policy's line, its markers, its end label. */
type CostRow =
  | { kind: "line" | "marker"; policy: string; t: EpochMs; cost: number }
  | { kind: "label"; policy: string; t: EpochMs; cost: number; text: string }
  | OutageRow;

/**
 * The end labels' heights in USD: each at its line's total, moved apart just enough that no
 * two overlap (labels of lines that end close together would write over each other).
 */
function labelHeights(totals: readonly number[], top: number): number[] {
  const gap = (LABEL_GAP_PX / HEIGHT) * top;
  const order = totals.map((cost, i) => ({ cost, i })).sort((a, b) => a.cost - b.cost);
  const placed: number[] = [];
  for (const { cost } of order) {
    const below = placed[placed.length - 1];
    placed.push(below === undefined ? cost : Math.max(cost, below + gap));
  }
  const heights = new Array<number>(totals.length);
  order.forEach(({ i }, k) => {
    heights[i] = placed[k] as number;
  });
  return heights;
}

/**
 * Each policy's bill so far (USD since the start), one line per policy on one chart: the
 * gaps between the lines are what one policy saved over another, and each line ends in its
 * total. Each policy has its own width, dash and marker, so lines that coincide stay visible.
 */
export function costChart(report: SimulationReport, window: ChartWindow): ChartDefinition {
  const { scenario } = report;
  const policies = report.policies.map((p) => p.summary.name);
  const values: CostRow[] = [];
  const totals: number[] = [];
  const markerEvery = (window.end - window.from) / MARKERS;
  report.policies.forEach((policy, index) => {
    const m = policy.minutes;
    const p = policy.summary.name;
    // The cost so far at the end of each bin: the line is exact at every point it draws.
    let sum = 0;
    const points = [{ t: window.from, cost: 0 }];
    for (const bin of binsOf(m, window)) {
      for (let i = bin.first; i < bin.end; i += 1) {
        sum += m.value(i, "costUsd");
      }
      points.push({ t: Math.min(window.end, bin.t + window.binMinutes * 60_000), cost: sum });
    }
    totals.push(sum);
    for (const point of points) {
      values.push({ kind: "line", policy: p, ...point });
    }
    // Markers at times staggered per policy: two equal series still show two sets of marks.
    const offset = (index * markerEvery) / Math.max(1, policies.length);
    for (let at = window.from + markerEvery / 2 + offset; at < window.end; at += markerEvery) {
      const before = points.filter((q) => q.t <= at).pop();
      const after = points.find((q) => q.t > at);
      if (before !== undefined) {
        const share = after === undefined ? 0 : (at - before.t) / (after.t - before.t);
        const cost = before.cost + share * ((after?.cost ?? before.cost) - before.cost);
        values.push({ kind: "marker", policy: p, t: at, cost });
      }
    }
  });
  const top = Math.max(1, ...totals) * 1.06;
  labelHeights(totals, top).forEach((cost, i) => {
    const policy = policies[i] as string;
    values.push({
      kind: "label",
      policy,
      t: window.end,
      cost,
      text: `${policy} ${usd(totals[i] as number, 0)}`,
    });
  });
  values.push(...outageRows(report, window, [CHART]));
  const n = policies.length;
  const scale = <T>(range: readonly T[]) => ({
    domain: policies,
    range: policies.map((_, i) => range[i % range.length] as T),
  });
  const legend = { orient: "top", title: null } as const;
  const x = timeAxis("%d %b %H:%M", window.from, window.end);
  const y: PositionField = {
    field: "cost",
    type: "quantitative",
    title: "USD since the start",
    scale: { domain: [0, top], nice: false },
    axis: { format: "$,.0f" },
  };
  const color = { field: "policy", type: "nominal", scale: scale(POLICY_COLOURS), legend } as const;
  const lines = policies.map(
    (policy, i): ChartLayer => ({
      name: i === 0 ? CHART_MARKS.costLine : `${CHART_MARKS.costLine}_${i}`,
      transform: [
        { filter: { field: "kind", equal: "line" } },
        { filter: { field: "policy", equal: policy } },
      ],
      mark: {
        type: "line",
        strokeWidth: COST_WIDTHS[Math.min(i, COST_WIDTHS.length - 1)] as number,
        strokeDash: COST_DASHES[i % COST_DASHES.length] as number[],
        opacity: i === 0 || n === 1 ? 0.55 : 0.95,
      },
      encoding: { x, y, color },
    }),
  );
  return {
    name: "cost",
    title: "Cumulative cost",
    caption:
      "Each policy's bill so far (USD of the pods' instances since the start), one line per policy ending in its total: the gap between two lines is what one saved over the other by then; it widens where one runs dearer pods. A cheaper line is not a better policy where it failed requests (the throughput chart's red band): pods that are gone cost nothing. Each policy has its own width, dash and marker, so lines that coincide stay visible; grey band with dashed edges: an EC2 capacity window.",
    spec: {
      $schema: SCHEMA,
      title: {
        text: `${scenario.name}: cumulative cost per policy`,
        subtitle: [
          "USD of running instances since the start, each line ending in its total · the gap between two lines is a saving",
          "own width, dash and marker per policy: equal lines show as a wide line under a narrow one · grey band = no EC2 capacity",
        ],
      },
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      layer: [
        outageBand(x, 0, HEIGHT),
        ...lines,
        ...outageEdges(x, 0, HEIGHT),
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
        {
          name: CHART_MARKS.costLabel,
          transform: [{ filter: { field: "kind", equal: "label" } }],
          mark: { type: "text", align: "left", baseline: "middle", dx: 6, fontSize: 11, fontWeight: "bold" },
          encoding: { x, y, color, text: { field: "text" } },
        },
      ],
      config: CONFIG,
    },
  };
}
