import type { EpochMs } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { ChartDefinition } from "./charts/chart-style.ts";
import { costChart } from "./charts/cost-chart.ts";
import { frontierChart } from "./charts/frontier-chart.ts";
import { latencyChart } from "./charts/latency-chart.ts";
import { throughputChart } from "./charts/throughput-chart.ts";
import type { SimulationReport } from "./simulation-report.ts";

export { CHART_MARKS, type ChartDefinition, type ChartSpec } from "./charts/chart-style.ts";

/** The charts of a report: throughput with mode strips (whole run and around the trouble), latency at the SLO's statistic against it, cost per hour. */
export function chartsOf(report: SimulationReport): ChartDefinition[] {
  const charts = [throughputChart(report, report.scenario.start, report.scenario.end, 5, "throughput")];
  const zoom = incidentWindow(report);
  if (zoom !== null) {
    charts.push(throughputChart(report, zoom.from, zoom.to, 1, "incident"));
  }
  charts.push(latencyChart(report), costChart(report));
  const frontier = frontierChart(report);
  return frontier === null ? charts : [...charts, frontier];
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
