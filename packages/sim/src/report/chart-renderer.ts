import { Resvg } from "@resvg/resvg-js";
import { None, parse, View } from "vega";
import { compile } from "vega-lite";
import type { ChartSpec } from "./charts.ts";

/** Vega-Lite's warnings are for chart authors, not for someone running a simulation. */
const SILENT = {
  level: () => SILENT,
  error: () => SILENT,
  warn: () => SILENT,
  info: () => SILENT,
  debug: () => SILENT,
};

interface RenderedChart {
  readonly svg: string;
  readonly png: Uint8Array;
}

/**
 * Vega-Lite → Vega → SVG with a headless View (no browser, no canvas), then resvg draws the
 * SVG to a PNG at twice the size, with the system's fonts.
 */
export async function renderChart(spec: ChartSpec): Promise<RenderedChart> {
  const vega = compile(spec, { logger: SILENT }).spec;
  const view = new View(parse(vega), { renderer: "none", logLevel: None });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "#ffffff",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
  return { svg, png: new Uint8Array(png) };
}
