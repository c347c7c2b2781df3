import type { EpochMs } from "@switchyard/core";
import type { PolicyReport, SimulationReport } from "../simulation-report.ts";
import {
  CAPACITY_STRIP,
  CHART_MARKS,
  type ChartDefinition,
  type ChartLayer,
  capacityBand,
  rowPerUnit,
  timeAxis,
  unitColours,
} from "./chart-style.ts";
import { binsOf, binWords, type ChartWindow, capacitySpans, closedAt, meanOver } from "./minute-bins.ts";
import { type OutageRow, outageBand, outageEdges, outageRows } from "./outage-bands.ts";

const HEIGHT = 70;
const DESIRED = "#222222";

/** The rows of the pods chart's data, by `kind`, each in one unit's row. */
type PodsRow =
  | { kind: "pods"; unit: string; t: EpochMs; ready: number; desired: number; weight: number }
  | { kind: "band"; unit: string; start: EpochMs; end: EpochMs }
  | (OutageRow & { unit: string });

/**
 * One policy's state per unit, one row per unit: its ready pods (area, in the unit's colour)
 * against the pods its Deployment asks for (black line: KEDA's or a hold's replicas; the gap
 * is pods still starting or that cannot start), and the ALB weight reaching the unit (purple,
 * right axis), over the capacity-mode and capacity-window bands. `policy` is the one drawn
 * (switchyard, whose decisions this shows).
 */
export function podsChart(
  report: SimulationReport,
  policy: PolicyReport,
  window: ChartWindow,
): ChartDefinition {
  const units = report.scenario.service.units.map((u) => u.name);
  const m = policy.minutes;
  const name = policy.summary.name;
  const values: PodsRow[] = [];
  const spans = capacitySpans(m, window.from, window.to);
  const outages = outageRows(report, window, [name]);
  units.forEach((unit) => {
    const u = m.units.indexOf(unit);
    if (u < 0) {
      return;
    }
    const points = binsOf(m, window).map((bin) => ({
      t: bin.t,
      ready: meanOver(bin, (i) => m.unitValue(i, u, "readyPods")),
      desired: meanOver(bin, (i) => m.unitValue(i, u, "replicas")),
      // The weight as it stood at the bin's end: weights change in steps, a mean would invent values.
      weight: m.unitValue(bin.end - 1, u, "weight"),
    }));
    for (const point of closedAt(points, window.end)) {
      values.push({ kind: "pods", unit, ...point });
    }
    for (const span of spans) {
      values.push({ kind: "band", unit, ...span });
    }
    for (const outage of outages) {
      values.push({ ...outage, unit });
    }
  });
  // One weight scale for every row, so a unit's share of the rule reads the same in each.
  const maxWeight = Math.max(1, ...values.map((v) => (v.kind === "pods" ? v.weight : 0)));
  const x = timeAxis("%d %b %H:%M", window.from, window.end);
  // Whole pods on the axis: a row of one-pod units would otherwise read 0.5 pods.
  const pods = (field: string) => ({
    field,
    type: "quantitative" as const,
    title: "pods",
    axis: { tickMinStep: 1, format: "d" },
  });
  const rows = [{ filter: "datum.kind === 'pods'" }];
  const left: ChartLayer[] = [
    outageBand(x, 0, HEIGHT),
    capacityBand(x, 0, HEIGHT),
    {
      name: CHART_MARKS.readyPods,
      transform: rows,
      mark: { type: "area", interpolate: "step-after", opacity: 0.55 },
      encoding: {
        x,
        y: pods("ready"),
        color: {
          field: "unit",
          type: "nominal",
          scale: { domain: units, range: unitColours(units.length) },
          legend: null,
        },
      },
    },
    {
      name: CHART_MARKS.desiredPods,
      transform: rows,
      mark: { type: "line", interpolate: "step-after", color: DESIRED, strokeWidth: 1.2 },
      encoding: { x, y: pods("desired") },
    },
    ...outageEdges(x, 0, HEIGHT),
  ];
  const right: ChartLayer[] = [
    {
      name: CHART_MARKS.weight,
      transform: rows,
      mark: {
        type: "line",
        interpolate: "step-after",
        color: CAPACITY_STRIP,
        strokeWidth: 1.4,
        strokeDash: [4, 2],
      },
      encoding: {
        x,
        y: {
          field: "weight",
          type: "quantitative",
          title: "weight",
          scale: { domain: [0, maxWeight], nice: false },
          axis: { orient: "right", titleColor: CAPACITY_STRIP, labelColor: CAPACITY_STRIP },
        },
      },
    },
  ];
  const bins = binWords(window.binMinutes, "means");
  return {
    name: "pods",
    title: `${name}: pods and weights per unit`,
    caption: `What ${name} did to each unit (${bins}): ready pods (area, in the unit's colour) against the pods its Deployment asks for (black line: KEDA's replicas, or a hold's; where the line is above the area, pods are starting or cannot start), and the ALB weight reaching the unit (dashed purple, right axis: the unit's own target group, or the consolidated one in capacity mode). Faint purple: capacity mode; grey band with dashed edges: an EC2 capacity window.`,
    spec: rowPerUnit({
      title: `${report.scenario.name}: ${name}'s ready vs desired pods and ALB weight per unit`,
      subtitle: [
        `${bins} · area = ready pods, black = desired (spec.replicas), dashed purple = weight (right axis)`,
        "faint purple = capacity mode · grey band = no EC2 capacity",
      ],
      values,
      units,
      height: HEIGHT,
      left,
      right,
    }),
  };
}
