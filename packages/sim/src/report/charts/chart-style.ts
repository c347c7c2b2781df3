import type { EpochMs } from "@switchyard/core";
import type { Config, TopLevelSpec } from "vega-lite";
// Vega-Lite exports its spec parts only under types_unstable; the spec as a whole is TopLevelSpec.
import type { Field, PositionFieldDef } from "vega-lite/types_unstable/channeldef.js";
import type { FacetMapping } from "vega-lite/types_unstable/spec/facet.js";
import type { UnitSpec } from "vega-lite/types_unstable/spec/unit.js";

// What the report's charts share: the chart type, the names tests find marks by, the
// colours, sizes and fonts, the time axis and the row per policy.

/** A Vega-Lite specification; `renderChart` draws it. */
export type ChartSpec = TopLevelSpec;

/** One layer of a chart: a mark over the rows its transform keeps. */
export type ChartLayer = UnitSpec<Field>;

/** A position channel (x or y) drawn from a field of the rows. */
export type PositionField = PositionFieldDef<Field>;

export interface ChartDefinition {
  /** File name without extension. */
  readonly name: string;
  readonly title: string;
  /** One sentence under the chart in report.md: how to read it. */
  readonly caption: string;
  readonly spec: ChartSpec;
}

/**
 * Names of the marks a reader is meant to see, so tests can find them in the rendered scene
 * (Vega-Lite names a layer's marks `<name>_marks`).
 */
export const CHART_MARKS = {
  modeStrip: "mode_strip",
  modeBand: "mode_band",
  outageStrip: "outage_strip",
  outageBand: "outage_band",
  stack: "unit_stack",
  failed: "failed_band",
  latency: "latency_line",
  clipped: "latency_clipped",
  latencyFailed: "latency_failed",
  slo: "slo_rule",
  costLine: "cost_line",
  costMarker: "cost_marker",
  costLabel: "cost_label",
  readyPods: "ready_pods",
  desiredPods: "desired_pods",
  weight: "unit_weight",
} as const;

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Colours per unit, in config order: Tableau 10 without its red (failed requests) and its
 * purple (capacity mode), so no unit shares a colour with what the charts mark.
 */
const UNIT_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];
/** The colours of `count` units, the palette repeating past its eight. */
export function unitColours(count: number): string[] {
  return Array.from({ length: count }, (_, i) => UNIT_PALETTE[i % UNIT_PALETTE.length] as string);
}
/** Per policy, in the report's order: static-capacity in the purple of capacity mode, where it always routes. */
export const POLICY_COLOURS = ["#4e79a7", "#f28e2b", "#9c755f", "#7b4f9d", "#59a14f"];
/** Capacity mode: a purple no unit is drawn in, strong on the strip, faint behind the data. */
export const CAPACITY_STRIP = "#7b4f9d";
const CAPACITY_BAND = "#e9e0f1";
export const COST_STRIP = "#e4e4e4";
/** EC2 capacity windows: a dark strip, and a light band with dashed edges behind every chart's data. */
export const OUTAGE = "#3c3c3c";
export const OUTAGE_BAND = "#ececec";
/** Failed requests, and minutes that broke the SLO: red, which nothing else is drawn in. */
export const FAILED = "#d62728";
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
export const WIDTH = 920;

export const CONFIG: Config = {
  font: FONT,
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, labelFontWeight: "bold" },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start", subtitleColor: "#555555" },
};

/** The time axis, ending where the data ends (no "nice" rounding past the last minute). */
export function timeAxis(format: string, from: EpochMs, end: EpochMs): PositionField {
  return {
    field: "t",
    type: "temporal",
    title: null,
    scale: { type: "utc", domain: [from, end], nice: false },
    axis: { format, labelAngle: 0, tickCount: 12 },
  };
}

/** One chart row per value of `field` (a policy, a unit), in the given order, labelled at its top left. */
function rowsBy(field: string, order: readonly string[]): FacetMapping<Field> {
  return {
    row: {
      field,
      type: "nominal",
      sort: [...order],
      title: null,
      header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top" },
    },
  };
}

/** A chart of one row per policy, each row `height` pixels of the layers over the policy's rows of `values`. */
export function rowPerPolicy(chart: {
  readonly title: string;
  readonly subtitle: string[];
  readonly values: object[];
  readonly policies: readonly string[];
  readonly height: number;
  readonly layer: ChartLayer[];
  /** Each row with its own y scale (its own maximum), not one shared by all. */
  readonly independentY?: boolean;
}): ChartSpec {
  return {
    $schema: SCHEMA,
    title: { text: chart.title, subtitle: chart.subtitle },
    data: { values: chart.values },
    facet: rowsBy("policy", chart.policies),
    spec: { width: WIDTH, height: chart.height, layer: chart.layer },
    ...(chart.independentY === true ? { resolve: { scale: { y: "independent" } } } : {}),
    config: CONFIG,
  };
}

/**
 * A chart of one row per unit (`unit` of each data row), each row `height` pixels: the
 * `left` layers on a y scale of their own, the `right` layers on another with its axis on
 * the right, every row with its own scales.
 */
export function rowPerUnit(chart: {
  readonly title: string;
  readonly subtitle: string[];
  readonly values: object[];
  readonly units: readonly string[];
  readonly height: number;
  readonly left: ChartLayer[];
  readonly right: ChartLayer[];
}): ChartSpec {
  return {
    $schema: SCHEMA,
    title: { text: chart.title, subtitle: chart.subtitle },
    data: { values: chart.values },
    facet: rowsBy("unit", chart.units),
    spec: {
      width: WIDTH,
      height: chart.height,
      layer: [{ layer: chart.left }, { layer: chart.right }],
      resolve: { scale: { y: "independent" } },
    },
    resolve: { scale: { y: "independent" } },
    config: CONFIG,
  } as ChartSpec;
}

/**
 * The faint purple behind a row's data where the policy ran in capacity mode: the rows of
 * kind `band` (start, end), from `top` to `bottom` pixels of the row.
 */
export function capacityBand(x: PositionField, top: number, bottom: number): ChartLayer {
  return {
    name: CHART_MARKS.modeBand,
    transform: [{ filter: "datum.kind === 'band'" }],
    mark: { type: "rect", color: CAPACITY_BAND },
    encoding: {
      x: { ...x, field: "start" },
      x2: { field: "end" },
      y: { value: top },
      y2: { value: bottom },
    },
  };
}
