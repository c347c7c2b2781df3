import type { EpochMs } from "@switchyard/core";
import { shortUtc } from "../figures.ts";
import type { SimulationReport } from "../simulation-report.ts";
import {
  CAPACITY_STRIP,
  CHART_MARKS,
  type ChartDefinition,
  COST_STRIP,
  capacityBand,
  FAILED,
  rowPerPolicy,
  timeAxis,
  unitColours,
} from "./chart-style.ts";
import { binsOf, binWords, type ChartWindow, capacitySpans, closedAt, meanOver } from "./minute-bins.ts";
import {
  type OutageRow,
  outageBand,
  outageEdges,
  outageRows,
  outageStrip,
  type StripLabel,
  stripLabel,
  stripText,
} from "./outage-bands.ts";

/** Pixels at the top of each throughput row: the EC2 capacity strip, then the mode strip, then the stack. */
const OUTAGE_STRIP_PX = [0, 10] as const;
const MODE_STRIP_PX = [12, 24] as const;
const STACK_TOP_PX = 30;
const FAILED_LABEL = "failed requests";

/** The rows of the throughput chart's data, by `kind`. */
type ThroughputRow =
  | { kind: "rps"; policy: string; t: EpochMs; unit: string; order: number; rps: number }
  | { kind: "failed"; policy: string; t: EpochMs; unit: string; answered: number; top: number }
  | { kind: "cost-strip"; policy: string; start: EpochMs; end: EpochMs }
  | ({ kind: "band"; policy: string; start: EpochMs; end: EpochMs } & StripLabel)
  | OutageRow;

/** Every policy's rows of the chart over the window. */
function throughputRows(report: SimulationReport, window: ChartWindow): ThroughputRow[] {
  const { from, to, end } = window;
  const units = report.scenario.service.units.map((u) => u.name);
  const values: ThroughputRow[] = [];
  for (const policy of report.policies) {
    const p = policy.summary.name;
    const m = policy.minutes;
    const columns = units.map((name) => m.units.indexOf(name));
    const points = binsOf(m, window).map((bin) => {
      // What each unit's pods answered: the requests that reached them less those they refused.
      const answered = columns.map((u) =>
        u < 0
          ? 0
          : Math.max(
              0,
              meanOver(bin, (i) => m.unitValue(i, u, "rps") - m.unitValue(i, u, "failed") / 60),
            ),
      );
      const total = answered.reduce((sum, rps) => sum + rps, 0);
      return { t: bin.t, answered, total, failed: meanOver(bin, (i) => m.value(i, "failed") / 60) };
    });
    for (const point of closedAt(points, end)) {
      units.forEach((unit, order) => {
        values.push({
          kind: "rps",
          policy: p,
          t: point.t,
          unit,
          order,
          rps: point.answered[order] as number,
        });
      });
      values.push({
        kind: "failed",
        policy: p,
        t: point.t,
        unit: FAILED_LABEL,
        answered: point.total,
        top: point.total + point.failed,
      });
    }
    values.push({ kind: "cost-strip", policy: p, start: from, end });
    for (const span of capacitySpans(m, from, to)) {
      const label = stripLabel("capacity mode · round-robin", span, from, end);
      values.push({ kind: "band", policy: p, start: span.start, end: span.end, ...label });
    }
  }
  values.push(
    ...outageRows(
      report,
      window,
      report.policies.map((p) => p.summary.name),
    ),
  );
  return values;
}

/**
 * Requests/s each unit answered, stacked, with the requests that failed (refused by a full
 * queue, or answered 503 by the ALB with no healthy target) as a red band on top: the top
 * edge is the demand. One row per policy, under two strips: the EC2 capacity windows and
 * the ALB's mode. `name` is `throughput` for the whole run, `incident…` for a window
 * around capacity trouble.
 */
export function throughputChart(
  report: SimulationReport,
  window: ChartWindow,
  name: string,
): ChartDefinition {
  const units = report.scenario.service.units.map((u) => u.name);
  const policies = report.policies.map((p) => p.summary.name);
  const values = throughputRows(report, window);
  const whole = name === "throughput";
  const days = (window.end - window.from) / (24 * 3600 * 1000);
  const x = timeAxis(!whole && days <= 1 ? "%H:%M" : "%d %b %H:%M", window.from, window.end);
  const height = whole ? 125 : 150;
  const strip = (px: readonly [number, number]) => ({ y: { value: px[0] }, y2: { value: px[1] } });
  const y = { type: "quantitative" as const, title: "req/s", scale: { range: [height, STACK_TOP_PX] } };
  const color = {
    field: "unit",
    type: "nominal",
    scale: { domain: [...units, FAILED_LABEL], range: [...unitColours(units.length), FAILED] },
    legend: { orient: "top", title: null },
  } as const;
  const instanceTypes = [...new Set(report.scenario.capacity.map((w) => w.instanceType))].join(", ");
  const bins = binWords(window.binMinutes, "means");
  const troubleFrom = report.scenario.capacity
    .filter((w) => w.to > window.from && w.from < window.end)
    .reduce<EpochMs | undefined>(
      (first, w) => (first === undefined || w.from < first ? w.from : first),
      undefined,
    );
  return {
    name,
    title: whole ? "Requests/s per unit, whole run" : "Requests/s per unit around the capacity trouble",
    caption: `Stacked requests/s each unit's pods answered, with the requests that failed as a red band on top (refused by a full queue, or a 503 from the ALB with no healthy target), so the top edge is the demand (${bins}); dark strip and grey band with dashed edges: the EC2 capacity windows, named by instance type${instanceTypes === "" ? "" : ` (${instanceTypes})`}; purple strip (and the faint purple behind the stack): the ALB routes in capacity mode (round-robin), grey strip: cost mode.`,
    spec: rowPerPolicy({
      title: `${report.scenario.name}: ${whole ? "requests/s answered per unit, and failed" : `requests/s around the capacity trouble${troubleFrom === undefined ? "" : ` of ${shortUtc(troubleFrom)}`}`}`,
      subtitle: [
        `${bins} · red on top = failed requests/s · dark strip and grey band = no EC2 capacity for the named instance type`,
        "purple strip and faint purple = capacity mode (round-robin), grey strip = cost mode",
      ],
      values,
      policies,
      height,
      layer: [
        outageBand(x, STACK_TOP_PX, height),
        capacityBand(x, STACK_TOP_PX, height),
        {
          name: CHART_MARKS.stack,
          transform: [{ filter: "datum.kind === 'rps'" }],
          mark: { type: "area", interpolate: "step-after", opacity: 0.9 },
          encoding: {
            x,
            y: { ...y, field: "rps", stack: "zero" },
            color,
            order: { field: "order", type: "quantitative" },
          },
        },
        {
          name: CHART_MARKS.failed,
          transform: [{ filter: "datum.kind === 'failed'" }],
          mark: { type: "area", interpolate: "step-after", opacity: 0.95 },
          encoding: { x, y: { ...y, field: "top" }, y2: { field: "answered" }, color },
        },
        ...outageEdges(x, STACK_TOP_PX, height),
        {
          transform: [{ filter: "datum.kind === 'cost-strip'" }],
          mark: { type: "rect", color: COST_STRIP },
          encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, ...strip(MODE_STRIP_PX) },
        },
        {
          name: CHART_MARKS.modeStrip,
          transform: [{ filter: "datum.kind === 'band'" }],
          mark: { type: "rect", color: CAPACITY_STRIP },
          encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, ...strip(MODE_STRIP_PX) },
        },
        ...stripText(x, "band", MODE_STRIP_PX, CAPACITY_STRIP),
        ...outageStrip(x, OUTAGE_STRIP_PX),
      ],
      independentY: true,
    }),
  };
}
