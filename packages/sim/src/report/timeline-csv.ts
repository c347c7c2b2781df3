import type { SimulationReport } from "./simulation-report.ts";

/**
 * Every minute of every policy, one row each, for a spreadsheet: the mode the ALB routed
 * in, demand, requests, failures, latency at the SLO's statistic (`p95_ms`, `p99_ms`,
 * `average_ms`), whether the minute broke the SLO, cost, the demand forecast for the
 * minute as made a pod start-up ahead (`forecast_rps`, switchyard with a forecast floor;
 * empty otherwise), and per unit its requests/s, ready, billed and pending pods, the
 * weight reaching it and its ScaledObject's minReplicaCount (`min_replicas`: a forecast
 * floor raises it).
 */
export function timelineCsv(report: SimulationReport): string {
  const units = report.scenario.service.units.map((u) => u.name);
  const header = [
    "policy",
    "minute",
    "mode",
    "demand_rps",
    "requests",
    "failed",
    `${report.scenario.service.slo.statistic}_ms`,
    "slo_violated",
    "cost_usd",
    "hourly_cost_usd",
    "forecast_rps",
    ...units.flatMap((u) => [
      `${u}_rps`,
      `${u}_ready`,
      `${u}_pods`,
      `${u}_pending`,
      `${u}_weight`,
      `${u}_min_replicas`,
    ]),
  ];
  const lines = [header.join(",")];
  for (const policy of report.policies) {
    const forecasts = new Map(policy.result.forecasts.map((f) => [f.at, f.rps]));
    for (const m of policy.minutes) {
      const forecast = forecasts.get(m.at);
      const cells: (string | number)[] = [
        policy.summary.name,
        new Date(m.at).toISOString(),
        m.mode,
        m.demandRps.toFixed(2),
        Math.round(m.requests),
        Math.round(m.failed),
        m.latencyMs === null ? "" : m.latencyMs.toFixed(1),
        m.sloViolated ? 1 : 0,
        m.costUsd.toFixed(5),
        m.hourlyCost.toFixed(4),
        forecast === undefined ? "" : forecast.toFixed(2),
      ];
      for (const name of units) {
        const u = m.units.find((x) => x.name === name);
        cells.push(
          u === undefined ? "" : u.rps.toFixed(2),
          u?.readyPods ?? "",
          u?.billedPods ?? "",
          u?.pendingPods ?? "",
          u?.weight ?? "",
          u?.minReplicas ?? "",
        );
      }
      lines.push(cells.join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
