import type { EpochMs } from "@switchyard/core";
import { HOUR } from "@switchyard/core";
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
import { binned, dataEnd, mean, steps } from "./minute-bins.ts";

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
const MARKER_EVERY = 4 * HOUR;

/** The rows of the cost chart's data: each policy's line, and its markers. */
interface CostRow {
  readonly kind: "line" | "marker";
  readonly policy: string;
  readonly t: EpochMs;
  readonly cost: number;
}

/**
 * USD per hour of the pods each policy runs, one line per policy on one chart; each policy
 * has its own width, dash and marker, so lines that coincide stay visible.
 */
export function costChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, scenario.start, scenario.end);
  const values: CostRow[] = [];
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
    range: policies.map((_, i) => range[i % range.length] as T),
  });
  const legend = { orient: "top", title: null } as const;
  const x = timeAxis("%d %b %H:%M", scenario.start, end);
  const y: PositionField = {
    field: "cost",
    type: "quantitative",
    title: "USD / hour",
    scale: { zero: false },
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
        interpolate: "step-after",
        strokeWidth: COST_WIDTHS[Math.min(i, COST_WIDTHS.length - 1)] as number,
        strokeDash: COST_DASHES[i % COST_DASHES.length] as number[],
        opacity: i === 0 || n === 1 ? 0.55 : 0.95,
      },
      encoding: { x, y, color },
    }),
  );
  return {
    name: "cost",
    title: "Cost per hour",
    caption:
      "USD per hour of the pods (instances) each policy runs, 5-minute means; the area under each line is its bill. Each policy has its own width, dash and marker, so lines that coincide stay visible.",
    spec: {
      $schema: SCHEMA,
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
        ...lines,
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
