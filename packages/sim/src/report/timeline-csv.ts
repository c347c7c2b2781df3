import type { SimulationReport } from "./simulation-report.ts";

/** Rows per chunk of `timelineCsvChunks`: big enough to write fast, small enough to hold nothing much. */
const ROWS_PER_CHUNK = 2000;

/**
 * Every minute of every policy, one row each, for a spreadsheet: the mode the ALB routed
 * in, demand, requests, failures, latency at the SLO's statistic (`p95_ms`, `p99_ms`,
 * `average_ms`), whether the minute broke the SLO, cost, and per
 * unit its requests/s, ready, billed and pending pods and the weight reaching it.
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
    ...units.flatMap((u) => [`${u}_rps`, `${u}_ready`, `${u}_pods`, `${u}_pending`, `${u}_weight`]),
  ];
  let lines = [header.join(",")];
  for (const policy of report.policies) {
    const m = policy.minutes;
    const columns = units.map((name) => m.units.indexOf(name));
    for (let i = 0; i < m.length; i += 1) {
      const latency = m.value(i, "latencyMs");
      const cells: (string | number)[] = [
        policy.summary.name,
        new Date(m.timeAt(i)).toISOString(),
        m.modeAt(i),
        m.value(i, "demandRps").toFixed(2),
        Math.round(m.value(i, "requests")),
        Math.round(m.value(i, "failed")),
        Number.isNaN(latency) ? "" : latency.toFixed(1),
        m.violatedAt(i) ? 1 : 0,
        m.value(i, "costUsd").toFixed(5),
        m.value(i, "hourlyCost").toFixed(4),
      ];
      for (const u of columns) {
        if (u < 0) {
          cells.push("", "", "", "", "");
        } else {
          cells.push(
            m.unitValue(i, u, "rps").toFixed(2),
            m.unitValue(i, u, "readyPods"),
            m.unitValue(i, u, "billedPods"),
            m.unitValue(i, u, "pendingPods"),
            m.unitValue(i, u, "weight"),
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
