import type { Mode } from "@switchyard/core";
import {
  CHART_MARKS,
  type ChartDefinition,
  chartsOf,
  type MinuteRecord,
  type SimulationReport,
} from "@switchyard/sim";
import { describe, expect, it } from "vitest";
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
  failed?: (i: number) => number;
  latencyMs?: (i: number) => number;
  hourlyCost?: (i: number) => number;
}

/** A policy's minutes: demand filling the stack to its top all day, so anything drawn under it is hidden. */
function minutes(shape: MinuteShape): MinuteRecord[] {
  return Array.from({ length: MINUTES }, (_, i) => ({
    at: T0 + i * MINUTE,
    demandRps: 3000,
    mode: shape.mode?.(i) ?? "cost",
    requests: 180_000,
    failed: shape.failed?.(i) ?? 0,
    latencyMs: shape.latencyMs?.(i) ?? 600,
    sloViolated: (shape.latencyMs?.(i) ?? 600) > 900,
    costUsd: 0.5,
    hourlyCost: shape.hourlyCost?.(i) ?? 30,
    units: UNITS.map((name) => ({
      name,
      rps: 1000,
      readyPods: 10,
      billedPods: 10,
      pendingPods: 0,
      minReplicas: 1,
      weight: 1,
      p95Ms: 600,
    })),
  }));
}

function reportOf(
  policies: Record<string, MinuteRecord[]>,
  forecasts: Record<string, { at: number; madeAt: number; rps: number }[]> = {},
): SimulationReport {
  return {
    scenario: {
      name: "charts",
      start: T0,
      end: T0 + 24 * 60 * MINUTE,
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

    for (const name of ["throughput", "latency", "cost"]) {
      const scene = await chartScene(chart(report, name).spec);

      expect([name, scene.xDomain[1]]).toEqual([name, T0 + MINUTES * MINUTE]);
      expect([name, scene.xDomain[0]]).toEqual([name, T0]);
    }
  });

  it("draws failed requests as a dashed line in a colour of no unit, only where requests failed", async () => {
    // 300 failed requests a minute from 13:40 to 14:09.
    const failed = (i: number) => (i >= 820 && i < 850 ? 300 : 0);
    const report = reportOf({ "seed-reference": minutes({ failed }) });

    const scene = await chartScene(chart(report, "incident").spec);

    const line = scene.items(CHART_MARKS.failed);
    const drawn = line.filter((p) => p.defined).map((p) => scene.timeAt(p.x));
    // From the minute before the first failure (the rise) to the one after the last (the fall).
    expect(Math.min(...drawn)).toBe(T0 + 819 * MINUTE);
    expect(Math.max(...drawn)).toBe(T0 + 850 * MINUTE);
    const stroke = line[0]?.stroke;
    expect(UNIT_COLOURS).not.toContain(stroke);
    expect(line[0]?.strokeDash?.length).toBeGreaterThan(0);
  });

  it("draws switchyard's forecast a start-up ahead and its floor over the stack, only where it forecast", async () => {
    // Forecasts for 12:00-12:59 only; the floor raised to 3 pods a unit from 12:30.
    const forecasts = Array.from({ length: 60 }, (_, i) => ({
      at: T0 + (720 + i) * MINUTE,
      madeAt: T0 + (711 + i) * MINUTE,
      rps: 3100,
    }));
    const raised = minutes({}).map((m, i) => ({
      ...m,
      units: m.units.map((u) => ({ ...u, minReplicas: i >= 750 ? 3 : 1 })),
    }));
    const report = reportOf({ switchyard: raised, oracle: minutes({}) }, { switchyard: forecasts });

    const scene = await chartScene(chart(report, "throughput").spec);

    const forecast = scene.items(CHART_MARKS.forecast);
    const times = forecast.map((p) => scene.timeAt(p.x));
    expect(Math.min(...times)).toBe(T0 + 720 * MINUTE);
    expect(Math.max(...times)).toBe(T0 + 775 * MINUTE);
    expect(UNIT_COLOURS).not.toContain(forecast[0]?.stroke);
    // The floor line: 5 units × 100 RPS per pod, × 1 then × 3 pods.
    const floor = scene.items(CHART_MARKS.floor);
    expect(floor.length).toBe(forecast.length);
    expect(new Set(floor.map((p) => Math.round(p.y ?? 0))).size).toBe(2);
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
  });
});
