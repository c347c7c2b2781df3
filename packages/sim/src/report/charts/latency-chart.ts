import type { EpochMs } from "@switchyard/core";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CHART_MARKS,
  type ChartDefinition,
  capacityBand,
  FAILED,
  type PositionField,
  rowPerPolicy,
  timeAxis,
} from "./chart-style.ts";
import { binsOf, binWords, type ChartWindow, capacitySpans, closedAt, maxOver } from "./minute-bins.ts";
import { type OutageRow, outageBand, outageEdges, outageRows } from "./outage-bands.ts";

const LINE = "#4e79a7";

/** The rows of the latency chart's data, by `kind`. */
type LatencyRow =
  | { kind: "slo"; policy: string; slo: number }
  | { kind: "band"; policy: string; start: EpochMs; end: EpochMs }
  | { kind: "latency" | "clipped" | "failed"; policy: string; t: EpochMs; latency: number }
  | { kind: "violation"; policy: string; t: EpochMs; broken: number }
  | OutageRow;

/**
 * A linear latency scale chosen from the data around the SLO: from a little under the
 * fastest minute (at most three quarters of the SLO) to the slowest minute, at least 1.5×
 * and at most 2× the SLO. A log scale over 300–10,000 ms puts 600 and 900 ms a few pixels
 * apart; this puts the SLO near the middle, so crossing it shows.
 */
function latencyDomain(latencies: readonly number[], sloMs: number): [number, number] {
  const finite = latencies.filter((v) => Number.isFinite(v));
  const fastest = finite.length === 0 ? sloMs : Math.min(...finite);
  const slowest = latencies.length === 0 ? sloMs : Math.max(...latencies);
  const low = Math.max(0, Math.floor((Math.min(fastest, 0.75 * sloMs) * 0.9) / 100) * 100);
  const high = Math.ceil(Math.min(2 * sloMs, Math.max(1.5 * sloMs, slowest)) / 100) * 100;
  return [low, high];
}

/**
 * The service's latency at the SLO's statistic over all requests, a failed request counted
 * as too slow (so a minute whose failures alone fill the SLO's tail has no finite value and
 * is drawn at the top with a red ✕), worst minute of each bin, one row per policy, against
 * the objective; minutes slower than the scale are drawn at its top edge with a ▲.
 */
export function latencyChart(report: SimulationReport, window: ChartWindow): ChartDefinition {
  const { scenario } = report;
  const slo = scenario.service.slo;
  const policies = report.policies.map((p) => p.summary.name);
  const { from, to, end } = window;
  const values: LatencyRow[] = [];
  const latencies: number[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    const m = policy.minutes;
    values.push({ kind: "slo", policy: p, slo: slo.latencyMs });
    for (const span of capacitySpans(m, from, to)) {
      values.push({ kind: "band", policy: p, start: span.start, end: span.end });
    }
    const points: { t: EpochMs; latency: number }[] = [];
    for (const bin of binsOf(m, window)) {
      const latency = maxOver(bin, (i) => m.value(i, "latencyAllMs"));
      if (!Number.isNaN(latency)) {
        latencies.push(latency);
        points.push({ t: bin.t, latency });
      }
      let broken = 0;
      for (let i = bin.first; i < bin.end; i += 1) {
        broken += m.violatedAt(i) ? 1 : 0;
      }
      if (broken > 0) {
        values.push({ kind: "violation", policy: p, t: bin.t, broken });
      }
    }
    for (const point of closedAt(points, end)) {
      values.push({ kind: "latency", policy: p, ...point });
    }
  }
  const [low, high] = latencyDomain(latencies, slo.latencyMs);
  const marks: LatencyRow[] = [];
  for (const v of values) {
    if (v.kind === "latency" && v.latency > high && v.t < end) {
      marks.push({
        kind: Number.isFinite(v.latency) ? "clipped" : "failed",
        policy: v.policy,
        t: v.t,
        latency: high,
      });
    }
  }
  // A failed minute's statistic has no value: its line runs along the top edge.
  const drawn = values.map((v) =>
    v.kind === "latency" && !Number.isFinite(v.latency) ? { ...v, latency: high } : v,
  );
  drawn.push(...marks, ...outageRows(report, window, policies));
  const x = timeAxis("%d %b %H:%M", from, end);
  const y: PositionField = {
    field: "latency",
    type: "quantitative",
    scale: { type: "linear", domain: [low, high], clamp: true, nice: false, zero: false },
    title: `${slo.statistic} ms`,
  };
  const height = 90;
  const bins = binWords(window.binMinutes, "worst");
  const topMark = (kind: "clipped" | "failed", shape: string, colour: string, name: string) => ({
    name,
    transform: [{ filter: `datum.kind === '${kind}'` }],
    mark: { type: "point" as const, shape, filled: true, size: 30, color: colour, yOffset: 4 },
    encoding: { x, y },
  });
  return {
    name: "latency",
    title: `${slo.statistic} latency of all requests against the SLO`,
    caption: `The service's ${slo.statistic} response time over all requests, a failed request counted as too slow (${bins}), on a linear scale from ${low} to ${high} ms: over the dashed ${slo.latencyMs} ms objective exactly when a minute broke the SLO. Slower minutes are drawn at the top edge with a ▲; a red ✕ marks minutes in which more than the SLO's tail of requests failed (their ${slo.statistic} is a failure, not a time); red ticks above the row: spans with SLO-violation minutes; faint purple: capacity mode; grey band with dashed edges: an EC2 capacity window.`,
    spec: rowPerPolicy({
      title: `${scenario.name}: ${slo.statistic} latency of all requests against the ${slo.latencyMs} ms SLO`,
      subtitle: [
        `failed requests count as too slow · ${bins} · dashed red = the SLO`,
        `▲ = slower than ${high} ms · red ✕ = more than the SLO's tail failed · red ticks above = minutes that broke the SLO`,
        "faint purple = capacity mode · grey band = no EC2 capacity",
      ],
      values: drawn,
      policies,
      height,
      layer: [
        outageBand(x, 0, height),
        capacityBand(x, 0, height),
        {
          name: CHART_MARKS.latency,
          transform: [{ filter: "datum.kind === 'latency'" }],
          mark: { type: "line", strokeWidth: 1.4, interpolate: "step-after", color: LINE, clip: true },
          encoding: { x, y },
        },
        ...outageEdges(x, 0, height),
        topMark("clipped", "triangle-up", LINE, CHART_MARKS.clipped),
        topMark("failed", "cross", FAILED, CHART_MARKS.latencyFailed),
        {
          name: CHART_MARKS.slo,
          transform: [{ filter: "datum.kind === 'slo'" }],
          mark: { type: "rule", color: FAILED, strokeDash: [6, 4], strokeWidth: 1.3 },
          encoding: { y: { ...y, field: "slo" } },
        },
        {
          transform: [{ filter: "datum.kind === 'violation'" }],
          // Above the row, clear of the ▲ and ✕ drawn at its top edge.
          mark: { type: "tick", color: FAILED, thickness: 2, orient: "vertical", size: 7 },
          encoding: { x, y: { value: -5 } },
        },
      ],
    }),
  };
}
