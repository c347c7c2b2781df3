import type { Mode } from "@switchyard/core";
import { summarize } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { type MinuteRecord, MinuteSeries } from "../../../packages/sim/src/report/minute-series.ts";
import type { PolicyResult } from "../../../packages/sim/src/run/simulate.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2024-11-14T13:00:00Z");

/** A run's minutes in the given modes, one a minute from T0; only what the summary reads is filled. */
function minutesIn(modes: readonly Mode[]): MinuteSeries {
  const records = modes.map(
    (mode, i) =>
      ({
        at: T0 + i * MINUTE,
        demandRps: 100,
        mode,
        requests: 6000,
        failed: 0,
        latencyMs: 600,
        latencyAllMs: 600,
        sloViolated: false,
        costUsd: 0.1,
        hourlyCost: 6,
        units: [],
      }) as MinuteRecord,
  );
  return MinuteSeries.of([], records);
}

/** inf2 out from T0 to T0 + 20 min, its first error at T0. */
const scenario = {
  capacity: [{ instanceType: "inf2.xlarge", from: T0, to: T0 + 20 * MINUTE, podsLost: false }],
} as unknown as Scenario;
const result = {
  name: "switchyard",
  description: "",
  moves: [],
  capacityErrors: [{ instanceType: "inf2.xlarge", at: T0, code: "InsufficientInstanceCapacity", count: 1 }],
  wallMs: 0,
} as unknown as PolicyResult;
const reference = { floorCost: 0, lowerBoundCost: 0, lowerBoundBrokenBy: [] } as never;

describe("Function: summarize", () => {
  it("reports a return to cost mode before capacity came back as an early fallback, not 0 s after", () => {
    // Capacity mode from minute 2 to minute 11, cost mode from minute 12 while inf2 is still out.
    const modes: Mode[] = Array.from({ length: 40 }, (_, i) => (i >= 2 && i < 12 ? "capacity" : "cost"));

    const summary = summarize(result, minutesIn(modes), scenario, reference);

    expect(summary.capacityBackAt).toBe(T0 + 20 * MINUTE);
    expect(summary.fallbackAt).toBe(T0 + 12 * MINUTE);
    expect(summary.fallbackSeconds).toBe(-8 * 60);
  });

  it("measures a fallback after capacity came back from the end of the window", () => {
    const modes: Mode[] = Array.from({ length: 40 }, (_, i) => (i >= 2 && i < 25 ? "capacity" : "cost"));

    const summary = summarize(result, minutesIn(modes), scenario, reference);

    expect(summary.fallbackAt).toBe(T0 + 25 * MINUTE);
    expect(summary.fallbackSeconds).toBe(5 * 60);
  });
});
