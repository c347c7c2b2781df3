import { describe, expect, it } from "vitest";
import { demandSlope, planningDemand } from "../../../packages/core/src/decision/demand-trend.ts";
import { MINUTE, T0 } from "../../support/decision-fixtures.ts";

/** One measured minute per value, oldest first, ending at T0. */
const series = (...rps: number[]) =>
  rps.map((value, i) => ({ at: T0 - (rps.length - i) * MINUTE, rps: value }));

describe("Function: demandSlope", () => {
  it.each([
    { case: "no minute", window: series(), slope: 0 },
    { case: "one minute: no trend", window: series(500), slope: 0 },
    { case: "flat", window: series(400, 400, 400, 400), slope: 0 },
    { case: "rising 20 RPS a minute", window: series(100, 120, 140, 160, 180), slope: 20 },
    { case: "falling 10 RPS a minute", window: series(200, 190, 180, 170), slope: -10 },
    // Least squares: a spike in the newest minute moves the slope by a fraction of its size.
    {
      case: "rising 20 RPS a minute, the last minute 200 RPS high",
      window: series(100, 120, 140, 160, 380),
      slope: 60,
    },
  ])("$case → $slope RPS/min", ({ window, slope }) => {
    expect(demandSlope(window)).toBeCloseTo(slope, 9);
  });
});

describe("Function: planningDemand", () => {
  it.each([
    {
      case: "rising: two sustain windows ahead on the trend",
      window: series(100, 120, 140, 160, 180),
      demandRps: 190,
      sustain: 15,
      expected: { rps: 190 + 20 * 30, slope: 20, horizonMinutes: 30 },
    },
    {
      case: "falling: the demand now",
      window: series(200, 190, 180),
      demandRps: 200,
      sustain: 15,
      expected: { rps: 200, slope: null, horizonMinutes: 30 },
    },
    {
      case: "flat: the demand now",
      window: series(300, 300),
      demandRps: 300,
      sustain: 5,
      expected: { rps: 300, slope: null, horizonMinutes: 10 },
    },
  ])("$case", ({ window, demandRps, sustain, expected }) => {
    const planned = planningDemand(window, demandRps, sustain);
    expect(planned.slope === null ? null : Number(planned.slope.toFixed(9))).toEqual(expected.slope);
    expect(planned.rps).toBeCloseTo(expected.rps, 6);
    expect(planned.horizonMinutes).toBe(expected.horizonMinutes);
  });
});
