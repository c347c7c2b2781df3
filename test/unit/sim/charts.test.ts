import type { Mode } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { CHART_MARKS, type ChartDefinition, chartsOf } from "../../../packages/sim/src/report/charts.ts";
import { type MinuteRecord, MinuteSeries } from "../../../packages/sim/src/report/minute-series.ts";
import type { SimulationReport } from "../../../packages/sim/src/report/simulation-report.ts";
import { chartScene } from "../../support/chart-scene.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2024-11-14T00:00:00Z");
/** The run's minutes: a day that stops at 23:17, so a rounded ("nice") axis would run past it. */
const MINUTES = 23 * 60 + 17;
const UNITS = ["sd21-inf2", "sd21-trn1", "sd21-a10g-triton"];
const UNIT_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f"];
const OUTAGE = {
  instanceType: "inf2.xlarge",
  from: T0 + 13 * 60 * MINUTE,
  to: T0 + 15 * 60 * MINUTE,
  podsLost: false,
};

interface MinuteShape {
  mode?: (i: number) => Mode;
  /** Requests the first unit's pods refused in minute i (of its 60,000). */
  failed?: (i: number) => number;
  /** The SLO's statistic of answered requests. */
  latencyMs?: (i: number) => number;
  /** The SLO's statistic of all requests, failed ones counted as too slow. */
  latencyAllMs?: (i: number) => number;
  hourlyCost?: (i: number) => number;
  readyPods?: (i: number) => number;
  replicas?: (i: number) => number;
  weight?: (i: number) => number;
  /** Each unit's ScaledObject minReplicaCount in minute i. */
  minReplicas?: (i: number) => number;
  length?: number;
}

/** A policy's minutes: demand filling the stack to its top all day, so anything drawn under it is hidden. */
function minutes(shape: MinuteShape): MinuteSeries {
  const records = Array.from({ length: shape.length ?? MINUTES }, (_, i): MinuteRecord => {
    const latencyAllMs = shape.latencyAllMs?.(i) ?? shape.latencyMs?.(i) ?? 600;
    const hourlyCost = shape.hourlyCost?.(i) ?? 30;
    return {
      at: T0 + i * MINUTE,
      demandRps: 3000,
      mode: shape.mode?.(i) ?? "cost",
      requests: 180_000,
      failed: shape.failed?.(i) ?? 0,
      latencyMs: shape.latencyMs?.(i) ?? 600,
      latencyAllMs,
      sloViolated: latencyAllMs > 900,
      costUsd: hourlyCost / 60,
      hourlyCost,
      units: UNITS.map((name, u) => ({
        name,
        rps: 1000,
        failed: u === 0 ? (shape.failed?.(i) ?? 0) : 0,
        readyPods: shape.readyPods?.(i) ?? 10,
        billedPods: 10,
        pendingPods: 0,
        replicas: shape.replicas?.(i) ?? 10,
        weight: shape.weight?.(i) ?? 1,
        p95Ms: 600,
        minReplicas: shape.minReplicas?.(i) ?? 1,
      })),
    };
  });
  return MinuteSeries.of(UNITS, records);
}

function reportOf(
  policies: Record<string, MinuteSeries>,
  end = T0 + 24 * 60 * MINUTE,
  forecasts: Record<string, { at: number; madeAt: number; rps: number }[]> = {},
): SimulationReport {
  return {
    scenario: {
      name: "charts",
      start: T0,
      end,
      capacity: [OUTAGE],
      service: {
        units: UNITS.map((name) => ({ name, maxRps: 100 })),
        slo: { latencyMs: 900, statistic: "p95" },
      },
    },
    reference: { floorCost: 0, lowerBoundCost: 0, boundBrokenBy: [] },
    policies: Object.entries(policies).map(([name, m]) => ({
      result: { forecasts: forecasts[name] ?? [] },
      minutes: m,
      summary: { name },
    })),
  } as unknown as SimulationReport;
}

function chart(report: SimulationReport, name: string): ChartDefinition {
  const found = chartsOf(report).find((c) => c.name === name);
  if (found === undefined) {
    throw new Error(`no ${name} chart`);
  }
  return found;
}

/** Capacity mode in three spells: 05:00–06:59, 13:30–15:29, 20:00–20:09. */
const threeSpells = (i: number): Mode =>
  (i >= 300 && i < 420) || (i >= 810 && i < 930) || (i >= 1200 && i < 1210) ? "capacity" : "cost";
const CAPACITY_MINUTES = 120 + 120 + 10;

describe("Function: chartsOf", () => {
  it("draws capacity mode as a strip above the stack whose extent is the capacity-mode minutes", async () => {
    const report = reportOf({ switchyard: minutes({ mode: threeSpells }), "static-cost": minutes({}) });

    const scene = await chartScene(chart(report, "throughput").spec);

    const strips = scene.items(CHART_MARKS.modeStrip);
    const stack = scene.items(CHART_MARKS.stack);
    expect(strips.map((s) => s.policy)).toEqual(["switchyard", "switchyard", "switchyard"]);
    const drawnMinutes = strips.reduce(
      (sum, s) => sum + (scene.timeAt(s.x + s.width) - scene.timeAt(s.x)) / MINUTE,
      0,
    );
    expect(drawnMinutes).toBeCloseTo(CAPACITY_MINUTES, 6);
    expect(scene.timeAt(strips[0]?.x ?? 0)).toBe(T0 + 300 * MINUTE);
    // Nothing of the stack is drawn over the strip: the areas start below its bottom edge.
    const stackTop = Math.min(...stack.map((item) => item.y));
    for (const strip of strips) {
      expect(strip.y + strip.height).toBeLessThan(stackTop);
      expect(strip.height).toBeGreaterThanOrEqual(10);
    }
  });

  it("names the instance type on the EC2 capacity strip", async () => {
    const report = reportOf({ switchyard: minutes({}) });

    for (const name of ["throughput", "incident"]) {
      const scene = await chartScene(chart(report, name).spec);

      const outage = scene.items(CHART_MARKS.outageStrip);
      expect(outage).toHaveLength(1);
      expect(scene.texts()).toContain("no inf2.xlarge capacity");
    }
  });

  it("ends the time axis of every chart at the last data minute", async () => {
    const report = reportOf({ switchyard: minutes({ mode: threeSpells }), oracle: minutes({}) });

    for (const name of ["throughput", "latency", "cost", "pods"]) {
      const scene = await chartScene(chart(report, name).spec);

      expect([name, scene.xDomain[1]]).toEqual([name, T0 + MINUTES * MINUTE]);
      expect([name, scene.xDomain[0]]).toEqual([name, T0]);
    }
  });

  it("stacks only the requests each unit answered, with the failed ones as a red band on top", async () => {
    // From 13:40 to 14:09 the first unit's pods refuse 54,000 of their 60,000 requests a minute.
    const failed = (i: number) => (i >= 820 && i < 850 ? 54_000 : 0);
    const report = reportOf({ "seed-reference": minutes({ failed }) });

    const scene = await chartScene(chart(report, "incident").spec);

    const y = scene.yScale("seed-reference");
    const at = (items: ReturnType<typeof scene.items>, t: number) =>
      items.filter((item) => Math.abs(scene.timeAt(item.x) - t) < MINUTE / 2);
    const during = T0 + 830 * MINUTE;
    // The stack's top during the failures is what was answered: 100 + 1,000 + 1,000 req/s, not the 3,000 that reached the pods.
    const stackTop = Math.min(...at(scene.items(CHART_MARKS.stack), during).map((item) => item.y));
    expect(stackTop).toBeCloseTo(y(2100), 0);
    // The band on top runs from there to the demand (900 failed req/s), in red, which no unit is drawn in.
    const band = at(scene.items(CHART_MARKS.failed), during);
    expect(band).toHaveLength(1);
    expect(band[0]?.y).toBeCloseTo(y(3000), 0);
    expect((band[0]?.datum.top as number) - (band[0]?.datum.answered as number)).toBeCloseTo(900, 6);
    expect(band[0]?.fill).toBe("#d62728");
    expect(UNIT_COLOURS).not.toContain(band[0]?.fill);
    // Outside the failures the band is empty: its top is the stack's.
    const before = at(scene.items(CHART_MARKS.failed), T0 + 800 * MINUTE)[0];
    expect(before?.datum.top).toBe(before?.datum.answered);
  });

  it("draws switchyard's forecast a start-up ahead and its floor over the stack, only where it forecast", async () => {
    // Forecasts for 12:00-12:59 only; the floor raised from 1 to 3 pods a unit from 12:30.
    const forecasts = Array.from({ length: 60 }, (_, i) => ({
      at: T0 + (720 + i) * MINUTE,
      madeAt: T0 + (711 + i) * MINUTE,
      rps: 3100,
    }));
    const raised = minutes({ minReplicas: (i) => (i >= 750 ? 3 : 1) });
    const report = reportOf({ switchyard: raised, oracle: minutes({}) }, undefined, {
      switchyard: forecasts,
    });

    const scene = await chartScene(chart(report, "throughput").spec);

    const forecast = scene.items(CHART_MARKS.forecast);
    expect(new Set(forecast.map((p) => p.policy))).toEqual(new Set(["switchyard"]));
    // From the first forecast minute to the end of the last one (5-minute bins, the last closed).
    const times = forecast.map((p) => scene.timeAt(p.x));
    expect(Math.min(...times)).toBe(T0 + 720 * MINUTE);
    expect(Math.max(...times)).toBe(T0 + 780 * MINUTE);
    const y = scene.yScale("switchyard");
    expect(forecast[0]?.y).toBeCloseTo(y(3100), 0);
    // The floor line: 3 units × 100 req/s per pod, × 1 then × 3 pods.
    const floor = scene.items(CHART_MARKS.floor);
    expect(floor.length).toBe(forecast.length);
    expect(new Set(floor.map((p) => Math.round(p.y)))).toEqual(
      new Set([Math.round(y(300)), Math.round(y(900))]),
    );
    expect(floor[0]?.strokeDash?.length).toBeGreaterThan(0);
    expect(forecast[0]?.strokeDash ?? []).toHaveLength(0);
    // In a colour of its own: far from every unit's, the failed requests' red, capacity mode's purple.
    const unitFills = [...new Set(scene.items(CHART_MARKS.stack).map((item) => item.fill))];
    const purple = scene.items(CHART_MARKS.modeStrip)[0]?.fill ?? "#7b4f9d";
    for (const colour of [...unitFills, "#d62728", purple]) {
      for (const line of [forecast[0]?.stroke, floor[0]?.stroke]) {
        expect(
          hueDistance(line as string, colour as string),
          `${line} against ${colour}`,
        ).toBeGreaterThanOrEqual(30);
      }
    }
  });

  it("keeps the row's scale to the demand: a floor far above it is drawn at 1.25× the demand with a ▲", async () => {
    const forecasts = Array.from({ length: MINUTES }, (_, i) => ({
      at: T0 + i * MINUTE,
      madeAt: T0 + (i - 9) * MINUTE,
      rps: 3000,
    }));
    // 12:00-12:09: every unit's minReplicaCount at 100 pods, 30,000 req/s of floor against 3,000 of demand.
    const spike = minutes({ minReplicas: (i) => (i >= 720 && i < 730 ? 100 : 10) });
    const report = reportOf({ switchyard: spike }, undefined, { switchyard: forecasts });

    const throughput = chart(report, "throughput");
    const scene = await chartScene(throughput.spec);

    expect(throughput.caption).toContain(
      "a ▲ marks a bin where either ran above 1.25× the row's highest demand",
    );
    expect(JSON.stringify(throughput.spec.title)).toContain("▲ = above 1.25× the row's demand");
    const y = scene.yScale("switchyard");
    const floor = scene.items(CHART_MARKS.floor);
    const top = Math.min(...floor.map((p) => p.y));
    expect(top).toBeCloseTo(y(3750), 0);
    const marks = scene.items(CHART_MARKS.forecastClipped);
    expect(marks.map((m) => scene.timeAt(m.x))).toEqual([T0 + 720 * MINUTE, T0 + 725 * MINUTE]);
    expect(marks[0]?.fill).toBe(floor[0]?.stroke);
    // Inside the row, under the strips above it.
    expect(marks[0]?.y).toBeGreaterThan(y(3750));
    // The scale ends near the cap, not at the spike: 3,000 req/s of stack fill most of the row.
    expect(y(3000) - y(0)).toBeLessThan(-0.7 * (y(0) - y(4000)));
  });

  it("draws no forecast line for a run without forecasts", async () => {
    const report = reportOf({ switchyard: minutes({}) });

    const throughput = chart(report, "throughput");
    const scene = await chartScene(throughput.spec);

    expect(scene.items(CHART_MARKS.forecast)).toHaveLength(0);
    expect(scene.items(CHART_MARKS.floor)).toHaveLength(0);
    expect(throughput.caption).not.toContain("forecast");
  });

  it("plots the SLO's statistic over all requests: a minute most of whose requests failed reads as failed, not fast", async () => {
    // 600 ms answered all day; from 14:00 to 14:29, 92 % of requests fail while the few answered still take 700 ms.
    const failing = (i: number) => i >= 840 && i < 870;
    const report = reportOf({
      "static-cost": minutes({
        latencyMs: (i) => (failing(i) ? 700 : 600),
        latencyAllMs: (i) => (failing(i) ? Number.POSITIVE_INFINITY : 600),
      }),
    });

    const scene = await chartScene(chart(report, "latency").spec);

    const y = scene.yScale();
    const line = scene.items(CHART_MARKS.latency);
    const during = line.filter(
      (p) => scene.timeAt(p.x) >= T0 + 840 * MINUTE && scene.timeAt(p.x) < T0 + 870 * MINUTE,
    );
    expect(during.length).toBeGreaterThan(0);
    // Drawn at the top edge (over the SLO), never at the 700 ms the answered requests took.
    for (const point of during) {
      expect(point.y).toBeLessThan(y(900));
    }
    const crosses = scene.items(CHART_MARKS.latencyFailed).map((m) => scene.timeAt(m.x));
    expect(crosses).toHaveLength(6);
    expect(Math.min(...crosses)).toBe(T0 + 840 * MINUTE);
    expect(scene.items(CHART_MARKS.latencyFailed)[0]?.fill).toBe("#d62728");
  });

  it("puts the SLO in the middle of the latency scale, far enough from typical latency to see it crossed", async () => {
    // 600 ms all day, 950 ms from 13:00 for an hour, 5 s spike at 14:00.
    const latencyMs = (i: number) => (i === 840 ? 5000 : i >= 780 && i < 840 ? 950 : 600);
    const report = reportOf({ "static-cost": minutes({ latencyMs, mode: threeSpells }) });

    const scene = await chartScene(chart(report, "latency").spec);

    const y = scene.yScale();
    const h = scene.height;
    const sloPx = y(900);
    expect(sloPx).toBeGreaterThan(0.25 * h);
    expect(sloPx).toBeLessThan(0.75 * h);
    // 600 → 900 ms spans at least a fifth of the row (a 300–10,000 ms log scale gives it a ninth).
    expect(y(600) - sloPx).toBeGreaterThan(0.2 * h);
    // The 5 s spike is clipped at the top, with a marker saying so.
    expect(scene.items(CHART_MARKS.clipped).map((m) => scene.timeAt(m.x))).toEqual([T0 + 840 * MINUTE]);
    // Capacity mode is shaded here too, over the same minutes.
    const bands = scene.items(CHART_MARKS.modeBand);
    const shaded = bands.reduce(
      (sum, b) => sum + (scene.timeAt(b.x + b.width) - scene.timeAt(b.x)) / MINUTE,
      0,
    );
    expect(shaded).toBeCloseTo(CAPACITY_MINUTES, 6);
  });

  it("draws the EC2 capacity window as a band over the same minutes on every chart", async () => {
    const report = reportOf({ switchyard: minutes({}), oracle: minutes({}) });

    for (const name of ["throughput", "incident", "latency", "cost", "pods"]) {
      const scene = await chartScene(chart(report, name).spec);

      const bands = scene.items(CHART_MARKS.outageBand);
      expect([name, bands.length > 0]).toEqual([name, true]);
      for (const band of bands) {
        expect([name, scene.timeAt(band.x)]).toEqual([name, OUTAGE.from]);
        expect([name, scene.timeAt(band.x + band.width)]).toEqual([name, OUTAGE.to]);
      }
    }
  });

  it("draws cumulative cost per policy, each line ending in its total, so a saving is the gap between two lines", async () => {
    const report = reportOf({
      "static-capacity": minutes({ hourlyCost: () => 60 }),
      switchyard: minutes({ hourlyCost: (i) => (i < 600 ? 20 : 40) }),
    });

    const scene = await chartScene(chart(report, "cost").spec);

    const y = scene.yScale();
    const dearer = scene.items(CHART_MARKS.costLine);
    const cheaper = scene.items(`${CHART_MARKS.costLine}_1`);
    // The last point of each line is the policy's bill: 23 h 17 min at $60/h; 10 h at $20/h and the rest at $40/h.
    const dearerTotal = (60 * MINUTES) / 60;
    const cheaperTotal = (20 * 600 + 40 * (MINUTES - 600)) / 60;
    expect(dearer[dearer.length - 1]?.y).toBeCloseTo(y(dearerTotal), 3);
    expect(cheaper[cheaper.length - 1]?.y).toBeCloseTo(y(cheaperTotal), 3);
    // Never falling: a bill only grows.
    for (const line of [dearer, cheaper]) {
      line.slice(1).forEach((point, k) => {
        expect(point.y).toBeLessThanOrEqual((line[k] as { y: number }).y + 1e-9);
      });
    }
    expect(scene.texts()).toEqual(
      expect.arrayContaining(["static-capacity $1,397", `switchyard $${Math.round(cheaperTotal)}`]),
    );
  });

  it("keeps two identical cost series distinguishable: different dash, the one below wider, markers apart", async () => {
    const hourlyCost = (i: number) => 20 + 10 * Math.sin(i / 200);
    const report = reportOf({
      "seed-reference": minutes({ hourlyCost }),
      "static-cost": minutes({ hourlyCost }),
    });

    const scene = await chartScene(chart(report, "cost").spec);

    const below = scene.items(CHART_MARKS.costLine);
    const above = scene.items(`${CHART_MARKS.costLine}_1`);
    expect(below.length).toBeGreaterThan(0);
    expect(above.map((p) => [p.x, p.y])).toEqual(below.map((p) => [p.x, p.y]));
    expect(below[0]?.strokeDash).not.toEqual(above[0]?.strokeDash);
    expect(below[0]?.stroke).not.toBe(above[0]?.stroke);
    expect(below[0]?.strokeWidth).toBeGreaterThanOrEqual((above[0]?.strokeWidth ?? 0) + 1);
    const markers = scene.items(CHART_MARKS.costMarker);
    const xs = (policy: string) => markers.filter((m) => m.datum.policy === policy).map((m) => m.x);
    expect(xs("seed-reference").length).toBeGreaterThan(3);
    expect(xs("static-cost").length).toBeGreaterThan(3);
    expect(xs("seed-reference").filter((x) => xs("static-cost").some((o) => Math.abs(o - x) < 10))).toEqual(
      [],
    );
    expect(new Set(markers.map((m) => m.shape)).size).toBe(2);
    // Their end labels do not write over each other.
    const labels = scene.items(CHART_MARKS.costLabel);
    expect(labels).toHaveLength(2);
    expect(Math.abs((labels[0]?.y ?? 0) - (labels[1]?.y ?? 0))).toBeGreaterThanOrEqual(12);
  });

  it("draws switchyard's ready and desired pods and the weight reaching each unit", async () => {
    // Desired pods jump from 10 to 16 at 10:00; the new pods are ready 10 minutes later; the weight goes from 1 to 5 at 10:05.
    const report = reportOf({
      switchyard: minutes({
        replicas: (i) => (i >= 600 ? 16 : 10),
        readyPods: (i) => (i >= 610 ? 16 : 10),
        weight: (i) => (i >= 605 ? 5 : 1),
      }),
      "static-cost": minutes({ replicas: () => 99 }),
    });

    const definition = chart(report, "pods");
    const scene = await chartScene(definition.spec);

    expect(definition.title).toBe("switchyard: pods and weights per unit");
    const valuesAt = (name: string, field: string, t: number) =>
      scene
        .items(name)
        .filter((item) => item.datum.t === t)
        .map((item) => [item.datum.unit, item.datum[field]]);
    // One row per unit, switchyard's only (static-cost's 99 desired pods appear nowhere).
    expect(valuesAt(CHART_MARKS.desiredPods, "desired", T0 + 605 * MINUTE)).toEqual(
      UNITS.map((u) => [u, 16]),
    );
    expect(valuesAt(CHART_MARKS.readyPods, "ready", T0 + 605 * MINUTE)).toEqual(UNITS.map((u) => [u, 10]));
    expect(valuesAt(CHART_MARKS.readyPods, "ready", T0 + 610 * MINUTE)).toEqual(UNITS.map((u) => [u, 16]));
    // The weight at the end of each 5-minute bin: 1 until the bin that starts at 10:05.
    expect(valuesAt(CHART_MARKS.weight, "weight", T0 + 600 * MINUTE)).toEqual(UNITS.map((u) => [u, 1]));
    expect(valuesAt(CHART_MARKS.weight, "weight", T0 + 605 * MINUTE)).toEqual(UNITS.map((u) => [u, 5]));
  });

  it("gives no unit the red of failed requests or the colour of the capacity windows", async () => {
    const report = reportOf({ switchyard: minutes({ failed: (i) => (i === 820 ? 30_000 : 0) }) });

    const scene = await chartScene(chart(report, "throughput").spec);

    const unitFills = [...new Set(scene.items(CHART_MARKS.stack).map((item) => item.fill))];
    const marked = [scene.items(CHART_MARKS.failed)[0]?.fill, scene.items(CHART_MARKS.outageStrip)[0]?.fill];
    expect(unitFills).toHaveLength(UNITS.length);
    for (const colour of marked) {
      expect(colour).toBeDefined();
      for (const fill of unitFills) {
        expect(
          hueDistance(fill as string, colour as string),
          `${fill} against ${colour}`,
        ).toBeGreaterThanOrEqual(30);
      }
    }
  });

  it("draws a month in about one point per pixel, whatever the run's length", async () => {
    const month = 31 * 24 * 60;
    const report = reportOf({ switchyard: minutes({ length: month }) }, T0 + month * MINUTE);

    for (const name of ["throughput", "latency", "cost", "pods"]) {
      const scene = await chartScene(chart(report, name).spec);

      const mark = {
        throughput: CHART_MARKS.stack,
        latency: CHART_MARKS.latency,
        cost: CHART_MARKS.costLine,
        pods: CHART_MARKS.readyPods,
      }[name] as string;
      const perLine =
        scene.items(mark).length / (name === "throughput" || name === "pods" ? UNITS.length : 1);
      expect([name, perLine]).toEqual([name, expect.toSatisfy((n: number) => n > 300 && n <= 1000)]);
    }
  });
});

/** Degrees between the hues of two colours; a grey (no saturation) is far from every hue. */
function hueDistance(a: string, b: string): number {
  const hsl = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [
      number,
      number,
      number,
    ];
    const max = Math.max(r, g, bl);
    const min = Math.min(r, g, bl);
    const d = max - min;
    const hue =
      d === 0 ? 0 : max === r ? ((g - bl) / d + 6) % 6 : max === g ? (bl - r) / d + 2 : (r - g) / d + 4;
    return { hue: hue * 60, saturation: d };
  };
  const x = hsl(a);
  const y = hsl(b);
  if (x.saturation < 0.1 || y.saturation < 0.1) {
    return 180;
  }
  const diff = Math.abs(x.hue - y.hue);
  return Math.min(diff, 360 - diff);
}
