import type { SimulationReport } from "../simulation-report.ts";
import { type ChartDefinition, CONFIG, POLICY_COLOURS, SCHEMA, WIDTH } from "./chart-style.ts";

/** The name of the frontier's points, for tests that find them in the rendered scene. */
const FRONTIER_MARKS = {
  point: "frontier_point",
  path: "frontier_path",
  label: "frontier_label",
} as const;

/**
 * The cost–risk frontier: total cost against failed requests for Switchyard at each risk
 * budget (joined in the order of the budgets) and for the baselines, each point named.
 * Failed requests are on a symmetric log scale, so 0 and millions fit one axis.
 */
export function frontierChart(report: SimulationReport): ChartDefinition | null {
  const rows = report.frontier;
  if (rows === undefined || rows.length === 0) {
    return null;
  }
  const values = rows.map((row) => ({
    run: row.label,
    kind: row.maxLossShare === null ? row.label : "switchyard",
    budget: row.maxLossShare === null ? "" : `hedge ${row.maxLossShare}`,
    cost: Math.round(row.totalCost * 100) / 100,
    failed: Math.round(row.failedRequests),
    order: row.maxLossShare ?? 2,
  }));
  const kinds = ["switchyard", "seed-reference", "static-cost", "oracle"];
  const color = {
    field: "kind",
    type: "nominal",
    title: null,
    scale: { domain: kinds, range: kinds.map((_, i) => POLICY_COLOURS[i % POLICY_COLOURS.length] as string) },
    legend: { orient: "top", title: null },
  } as const;
  const x = {
    field: "failed",
    type: "quantitative",
    title: "failed requests (symmetric log scale)",
    scale: { type: "symlog", constant: 1000 },
  } as const;
  const y = {
    field: "cost",
    type: "quantitative",
    title: "total cost (USD)",
    scale: { zero: false },
  } as const;
  return {
    name: "frontier",
    title: "Cost–risk frontier",
    caption:
      "Total cost against failed requests: Switchyard at each risk budget (policy.hedge.maxLossShare, joined from the tightest to none) and the baselines. Down and to the left is better; each budget buys its failures at the cost shown.",
    spec: {
      $schema: SCHEMA,
      title: {
        text: `${report.scenario.name}: cost–risk frontier`,
        subtitle: ["Switchyard at each policy.hedge.maxLossShare, beside the baselines"],
      },
      width: WIDTH,
      height: 320,
      data: { values },
      layer: [
        {
          name: FRONTIER_MARKS.path,
          transform: [{ filter: { field: "kind", equal: "switchyard" } }],
          mark: { type: "line", strokeWidth: 1.5, opacity: 0.6 },
          encoding: { x, y, order: { field: "order", type: "quantitative" }, color },
        },
        {
          name: FRONTIER_MARKS.point,
          mark: { type: "point", filled: true, size: 90, opacity: 1 },
          encoding: { x, y, color, shape: { field: "kind", type: "nominal", legend: null } },
        },
        {
          name: FRONTIER_MARKS.label,
          mark: { type: "text", dx: 8, dy: -8, align: "left", fontSize: 11 },
          encoding: {
            x,
            y,
            text: { condition: { test: "datum.budget !== ''", field: "budget" }, field: "run" },
          },
        },
      ],
      config: CONFIG,
    },
  };
}
