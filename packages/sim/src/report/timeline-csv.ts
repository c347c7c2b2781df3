import type { SimulationReport } from "./simulation-report.ts";

/**
 * Every minute of every policy, one row each, for a spreadsheet: the mode the ALB routed
 * in, demand, requests, failures, latency at the SLO's statistic (`p95_ms`, `p99_ms`,
 * `average_ms`), whether the minute broke the SLO, cost, and per
 * unit its requests/s, ready, billed and pending pods and the weight reaching it.
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
    ...units.flatMap((u) => [`${u}_rps`, `${u}_ready`, `${u}_pods`, `${u}_pending`, `${u}_weight`]),
  ];
  const lines = [header.join(",")];
  for (const policy of report.policies) {
    for (const m of policy.minutes) {
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
      ];
      for (const name of units) {
        const u = m.units.find((x) => x.name === name);
        cells.push(
          u === undefined ? "" : u.rps.toFixed(2),
          u?.readyPods ?? "",
          u?.billedPods ?? "",
          u?.pendingPods ?? "",
          u?.weight ?? "",
        );
      }
      lines.push(cells.join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
