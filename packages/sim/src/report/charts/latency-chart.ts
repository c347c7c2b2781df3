import type { EpochMs } from "@switchyard/core";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CHART_MARKS,
  type ChartDefinition,
  capacityBand,
  OUTAGE,
  type PositionField,
  rowPerPolicy,
  timeAxis,
} from "./chart-style.ts";
import { binned, capacitySpans, dataEnd, steps } from "./minute-bins.ts";

/** The rows of the latency chart's data, by `kind`. */
type LatencyRow =
  | { kind: "slo"; policy: string; slo: number }
  | { kind: "band"; policy: string; start: EpochMs; end: EpochMs }
  | { kind: "latency" | "clipped"; policy: string; t: EpochMs; latency: number }
  | { kind: "violation"; policy: string; t: EpochMs; broken: number };

/**
 * A linear latency scale chosen from the data around the SLO: from a little under the
 * fastest minute (at most three quarters of the SLO) to the slowest minute, at least 1.5×
 * and at most 2× the SLO. A log scale over 300–10,000 ms puts 600 and 900 ms a few pixels
 * apart; this puts the SLO near the middle, so crossing it shows.
 */
function latencyDomain(latencies: readonly number[], sloMs: number): [number, number] {
  const fastest = latencies.length === 0 ? sloMs : Math.min(...latencies);
  const slowest = latencies.length === 0 ? sloMs : Math.max(...latencies);
  const low = Math.max(0, Math.floor((Math.min(fastest, 0.75 * sloMs) * 0.9) / 100) * 100);
  const high = Math.ceil(Math.min(2 * sloMs, Math.max(1.5 * sloMs, slowest)) / 100) * 100;
  return [low, high];
}

/**
 * The service's latency at the SLO's statistic (worst minute of every 5), one row per
 * policy, against the objective; minutes slower than the scale are drawn at its top edge.
 */
export function latencyChart(report: SimulationReport): ChartDefinition {
  const { scenario } = report;
  const slo = scenario.service.slo;
  const policies = report.policies.map((p) => p.summary.name);
  const end = dataEnd(report, scenario.start, scenario.end);
  const values: LatencyRow[] = [];
  const latencies: number[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    values.push({ kind: "slo", policy: p, slo: slo.latencyMs });
    for (const span of capacitySpans(policy.minutes, scenario.start, scenario.end)) {
      values.push({ kind: "band", policy: p, start: span.start, end: span.end });
    }
    for (const { t, group } of steps(binned(policy.minutes, scenario.start, scenario.end, 5), end)) {
      const known = group.map((m) => m.latencyMs).filter((v): v is number => v !== null);
      if (known.length > 0) {
        const latency = Math.max(...known);
        latencies.push(latency);
        values.push({ kind: "latency", policy: p, t, latency });
      }
      const broken = group.filter((m) => m.sloViolated).length;
      if (broken > 0 && t < end) {
        values.push({ kind: "violation", policy: p, t, broken });
      }
    }
  }
  const [low, high] = latencyDomain(latencies, slo.latencyMs);
  for (const v of values) {
    if (v.kind === "latency" && v.latency > high && v.t < end) {
      values.push({ kind: "clipped", policy: v.policy, t: v.t, latency: high });
    }
  }
  const x = timeAxis("%d %b %H:%M", scenario.start, end);
  const y: PositionField = {
    field: "latency",
    type: "quantitative",
    scale: { type: "linear", domain: [low, high], clamp: true, nice: false, zero: false },
    title: `${slo.statistic} ms`,
  };
  const height = 90;
  return {
    name: "latency",
    title: `${slo.statistic} latency against the SLO`,
    caption: `The service's ${slo.statistic} response time over every unit (worst minute of each 5) on a linear scale from ${low} to ${high} ms; slower minutes are drawn at the top edge with a ▲; dashed: the ${slo.latencyMs} ms objective; faint purple: capacity mode; red ticks on top: 5-minute spans with SLO-violation minutes (slow or failed requests).`,
    spec: rowPerPolicy({
      title: `${scenario.name}: ${slo.statistic} latency against the ${slo.latencyMs} ms SLO`,
      subtitle: [
        `worst minute of every 5 · linear ${low}–${high} ms, ▲ = slower (clipped at the top) · dashed = SLO`,
        "faint purple = capacity mode · red ticks = minutes that broke the SLO (slow or failed)",
      ],
      values,
      policies,
      height,
      layer: [
        capacityBand(x, 0, height),
        {
          name: CHART_MARKS.latency,
          transform: [{ filter: "datum.kind === 'latency'" }],
          mark: { type: "line", strokeWidth: 1.4, interpolate: "step-after", color: "#4e79a7", clip: true },
          encoding: { x, y },
        },
        {
          name: CHART_MARKS.clipped,
          transform: [{ filter: "datum.kind === 'clipped'" }],
          mark: {
            type: "point",
            shape: "triangle-up",
            filled: true,
            size: 30,
            color: "#4e79a7",
            yOffset: 4,
          },
          encoding: { x, y },
        },
        {
          name: CHART_MARKS.slo,
          transform: [{ filter: "datum.kind === 'slo'" }],
          mark: { type: "rule", color: OUTAGE, strokeDash: [6, 4], strokeWidth: 1.3 },
          encoding: { y: { ...y, field: "slo" } },
        },
        {
          transform: [{ filter: "datum.kind === 'violation'" }],
          mark: { type: "tick", color: OUTAGE, thickness: 2, orient: "vertical" },
          encoding: { x, y: { value: 4 } },
        },
      ],
    }),
  };
}
