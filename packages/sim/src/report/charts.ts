import type { EpochMs } from "@switchyard/core";
import { HOUR, MINUTE } from "@switchyard/core";
import type { ChartDefinition } from "./charts/chart-style.ts";
import { costChart } from "./charts/cost-chart.ts";
import { frontierChart } from "./charts/frontier-chart.ts";
import { latencyChart } from "./charts/latency-chart.ts";
import { chartWindow } from "./charts/minute-bins.ts";
import { windowClusters } from "./charts/outage-bands.ts";
import { podsChart } from "./charts/pods-chart.ts";
import { throughputChart } from "./charts/throughput-chart.ts";
import { shortUtc } from "./figures.ts";
import type { SimulationReport } from "./simulation-report.ts";

export { CHART_MARKS, type ChartDefinition, type ChartSpec } from "./charts/chart-style.ts";

/** What report.md says of a chart: its file, title and caption. */
export type ChartHeading = Omit<ChartDefinition, "spec">;

/** Capacity windows closer than this share one close-up chart. */
const SAME_INCIDENT_MS = 6 * HOUR;
/** Close-ups drawn at most: the first incidents of a run with many. */
const MAX_INCIDENTS = 3;

/**
 * The charts of a report: throughput (answered per unit, failed on top) with mode and
 * capacity strips over the whole run, then close to each capacity incident; latency of all
 * requests at the SLO's statistic; cumulative cost; switchyard's pods and weights per unit;
 * the cost–risk frontier of a run with one.
 * Each chart bins the minutes to about one point per pixel, so a month draws as fast as a day.
 */
export function chartsOf(report: SimulationReport): ChartDefinition[] {
  return chartMakers(report).map((make) => make());
}

/** The report's charts as functions that each build one: `reportFiles` holds one chart's data at a time. */
export function chartMakers(report: SimulationReport): (() => ChartDefinition)[] {
  const { start, end } = report.scenario;
  const whole = () => chartWindow(report, start, end, 5);
  const makers = [() => throughputChart(report, whole(), "throughput")];
  incidentWindows(report).forEach((zoom, i) => {
    makers.push(() => {
      const chart = throughputChart(
        report,
        chartWindow(report, zoom.from, zoom.to),
        i === 0 ? "incident" : `incident-${i + 1}`,
      );
      return i === 0 ? chart : { ...chart, title: `${chart.title} of ${shortUtc(zoom.from + HOUR)}` };
    });
  });
  makers.push(
    () => latencyChart(report, whole()),
    () => costChart(report, whole()),
  );
  const switchyard = report.policies.find((p) => p.summary.name === "switchyard");
  if (switchyard !== undefined) {
    makers.push(() => podsChart(report, switchyard, whole()));
  }
  // The cost–risk frontier, when the run has one (`simulate --hedge`).
  if (report.frontier !== undefined && report.frontier.length > 0) {
    makers.push(() => frontierChart(report) as ChartDefinition);
  }
  return makers;
}

/** Around each cluster of capacity windows: from an hour before its first to 90 minutes after its last. */
function incidentWindows(report: SimulationReport): { from: EpochMs; to: EpochMs }[] {
  const { scenario } = report;
  return windowClusters(scenario.capacity, scenario.start, scenario.end, SAME_INCIDENT_MS)
    .slice(0, MAX_INCIDENTS)
    .map((cluster) => ({
      from: Math.max(scenario.start, Math.min(...cluster.map((w) => w.from)) - 60 * MINUTE),
      to: Math.min(scenario.end, Math.max(...cluster.map((w) => w.to)) + 90 * MINUTE),
    }));
}
