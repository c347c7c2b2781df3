import { parse, View } from "vega";
import { compile } from "vega-lite";
import type { ChartSpec } from "../../packages/sim/src/report/charts.ts";

/** One drawn item of a mark, with the policy row (facet) it is drawn in. */
export interface SceneItem {
  readonly policy: string | undefined;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly text: string | undefined;
  readonly stroke: string | undefined;
  readonly fill: string | undefined;
  readonly strokeWidth: number | undefined;
  readonly strokeDash: readonly number[] | undefined;
  readonly shape: string | undefined;
  /** false where a line is broken (a null value). */
  readonly defined: boolean;
  readonly datum: Record<string, unknown>;
}

export interface ChartScene {
  /** The items of the layer named `name` (Vega-Lite calls its marks `<name>_marks`), in drawing order. */
  items(name: string): SceneItem[];
  /** Every text drawn in the chart's marks (labels, not axes or titles). */
  texts(): string[];
  /** Time (ms) at a horizontal pixel, and the x scale's domain as times. */
  timeAt(px: number): number;
  readonly xDomain: readonly [number, number];
  /** The y scale of a policy's row (or of the chart, when it has no rows). */
  yScale(policy?: string): (value: number) => number;
  /** The height of one row's plot. */
  readonly height: number;
}

interface SceneNode {
  marktype?: string;
  name?: string;
  items?: SceneNode[];
  datum?: Record<string, unknown>;
  context?: unknown;
  [key: string]: unknown;
}

/**
 * Renders a chart's Vega-Lite spec headlessly (as `renderChart` does) and returns the
 * scene graph Vega drew: item positions in pixels, with their stroke, dash and text.
 */
export async function chartScene(spec: ChartSpec): Promise<ChartScene> {
  const vega = compile(spec).spec;
  const view = new View(parse(vega), { renderer: "none" });
  await view.runAsync();
  const found = new Map<string, SceneItem[]>();
  const yScales = new Map<string | undefined, (value: number) => number>();
  const walk = (node: SceneNode, policy: string | undefined) => {
    if (node.marktype !== undefined && node.name !== undefined) {
      const list = found.get(node.name) ?? [];
      for (const item of node.items ?? []) {
        list.push(itemOf(item, policy));
      }
      found.set(node.name, list);
    }
    for (const child of node.items ?? []) {
      // A facet's cell is a group item whose datum is its row key, with the row's own scales.
      const row =
        typeof child.datum?.policy === "string" && child.marktype === undefined ? child.datum.policy : policy;
      const scales = (
        child.context as { scales?: Record<string, { value: (v: number) => number }> } | undefined
      )?.scales;
      const y = scales?.child_y?.value;
      if (row !== undefined && y !== undefined && !yScales.has(row)) {
        yScales.set(row, y);
      }
      walk(child, row);
    }
  };
  // The typings call it a Scene; at run time it is the Scenegraph, whose root is the top group.
  walk((view.scenegraph() as unknown as { root: SceneNode }).root, undefined);
  const x = view.scale("x") as { invert: (px: number) => Date | number; domain: () => (Date | number)[] };
  const domain = x.domain().map(Number) as [number, number];
  const y = lookUp(() => view.scale("y") as (value: number) => number);
  const height = Number(lookUp(() => view.signal("child_height")) ?? view.signal("height"));
  view.finalize();
  return {
    items: (name) => found.get(`${name}_marks`) ?? [],
    texts: () =>
      [...found.values()].flatMap((items) =>
        items.map((i) => i.text).filter((t): t is string => t !== undefined),
      ),
    timeAt: (px) => Number(x.invert(px)),
    xDomain: domain,
    yScale: (policy) => {
      const scale = policy === undefined ? y : (yScales.get(policy) ?? y);
      if (scale === undefined) {
        throw new Error(`no y scale for ${policy ?? "the chart"}`);
      }
      return scale;
    },
    height,
  };
}

function itemOf(item: SceneNode, policy: string | undefined): SceneItem {
  const num = (key: string) => (typeof item[key] === "number" ? (item[key] as number) : 0);
  return {
    policy,
    x: num("x"),
    y: num("y"),
    width: num("width"),
    height: num("height"),
    text: typeof item.text === "string" ? item.text : undefined,
    stroke: typeof item.stroke === "string" ? item.stroke : undefined,
    fill: typeof item.fill === "string" ? item.fill : undefined,
    strokeWidth: typeof item.strokeWidth === "number" ? item.strokeWidth : undefined,
    strokeDash: Array.isArray(item.strokeDash) ? (item.strokeDash as number[]) : undefined,
    shape: typeof item.shape === "string" ? item.shape : undefined,
    defined: item.defined !== false,
    datum: (item.datum ?? {}) as Record<string, unknown>,
  };
}

/** A scale or signal the chart may not have (Vega throws on an unknown name). */
function lookUp<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
