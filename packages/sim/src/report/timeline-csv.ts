import type { SimulationReport } from "./simulation-report.ts";

/** Rows per chunk of `timelineCsvChunks`: big enough to write fast, small enough to hold nothing much. */
const ROWS_PER_CHUNK = 2000;

/**
 * Every minute of every policy, one row each, for a spreadsheet: the mode the ALB routed
 * in, demand, requests, failures, latency at the SLO's statistic (`p95_ms`, `p99_ms`,
 * `average_ms`), whether the minute broke the SLO, cost, the demand forecast for the
 * minute as made a pod start-up ahead (`forecast_rps`, switchyard with a forecast floor;
 * empty otherwise), and per unit its requests/s, ready, billed and pending pods, the
 * weight reaching it and its ScaledObject's minReplicaCount (`min_replicas`: a forecast
 * floor raises it).
 * Yields the file a few thousand rows at a time: a month of five policies is tens of
 * megabytes, written as it is made instead of built as one string.
 */
export function* timelineCsvChunks(report: SimulationReport): Generator<string> {
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
  let lines = [header.join(",")];
  for (const policy of report.policies) {
    const m = policy.minutes;
    const columns = units.map((name) => m.units.indexOf(name));
    // The forecasts are oldest first, as the minutes: read alongside them.
    const forecasts = policy.result.forecasts;
    let f = 0;
    for (let i = 0; i < m.length; i += 1) {
      const latency = m.value(i, "latencyMs");
      const at = m.timeAt(i);
      while (f < forecasts.length && (forecasts[f]?.at ?? at) < at) {
        f += 1;
      }
      const forecast = forecasts[f]?.at === at ? forecasts[f]?.rps : undefined;
      const cells: (string | number)[] = [
        policy.summary.name,
        new Date(at).toISOString(),
        m.modeAt(i),
        m.value(i, "demandRps").toFixed(2),
        Math.round(m.value(i, "requests")),
        Math.round(m.value(i, "failed")),
        Number.isNaN(latency) ? "" : latency.toFixed(1),
        m.violatedAt(i) ? 1 : 0,
        m.value(i, "costUsd").toFixed(5),
        m.value(i, "hourlyCost").toFixed(4),
        forecast === undefined ? "" : forecast.toFixed(2),
      ];
      for (const u of columns) {
        if (u < 0) {
          cells.push("", "", "", "", "", "");
        } else {
          cells.push(
            m.unitValue(i, u, "rps").toFixed(2),
            m.unitValue(i, u, "readyPods"),
            m.unitValue(i, u, "billedPods"),
            m.unitValue(i, u, "pendingPods"),
            m.unitValue(i, u, "weight"),
            m.unitValue(i, u, "minReplicas"),
          );
        }
      }
      lines.push(cells.join(","));
      if (lines.length >= ROWS_PER_CHUNK) {
        yield `${lines.join("\n")}\n`;
        lines = [];
      }
    }
  }
  if (lines.length > 0) {
    yield `${lines.join("\n")}\n`;
  }
}

/** The whole timeline.csv as one string (small runs and tests; the CLI writes the chunks). */
export function timelineCsv(report: SimulationReport): string {
  return [...timelineCsvChunks(report)].join("");
}
