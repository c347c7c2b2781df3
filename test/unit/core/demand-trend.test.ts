import { describe, expect, it } from "vitest";
import {
  demandNow,
  demandSlope,
  planningDemand,
  readDemand,
} from "../../../packages/core/src/decision/demand-trend.ts";
import { MINUTE, T0 } from "../../support/decision-fixtures.ts";

/** One measured minute per value, oldest first, ending at T0. */
const series = (...rps: number[]) =>
  rps.map((value, i) => ({ at: T0 - (rps.length - i) * MINUTE, rps: value }));
const at = (minutesBeforeT0: number) => T0 - minutesBeforeT0 * MINUTE;
const repeat = (rps: number, times: number) => Array.from({ length: times }, () => rps);
const JITTER = [0.9, -0.7, 0.2, -1, 0.6, -0.3, 1, -0.5];
/** ±`share` of `rps`, alternating and uneven: noise that no split explains. */
const noisy = (rps: number, share: number, times: number) =>
  Array.from({ length: times }, (_, i) => rps * (1 + share * (JITTER[i % JITTER.length] ?? 0)));

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

describe("Function: readDemand", () => {
  it.each([
    { case: "flat", window: series(...repeat(800, 15)), reading: { kind: "line", slope: 0 } },
    {
      case: "a clean trend, 20 RPS a minute",
      window: series(...Array.from({ length: 15 }, (_, i) => 1000 + 20 * i)),
      reading: { kind: "line", slope: 20 },
    },
    {
      // The flash crowd of issue 17: 800 RPS, ×4 within 5 minutes, then flat. The
      // least-squares slope of this window is 161 RPS/min; none of it is a trend.
      case: "a flash crowd: 800, a 5-minute ramp to 3,200, then flat",
      window: series(800, 800, 800, 800, 1280, 1760, 2240, 2720, 3200, 3200, 3200, 3200, 3200, 3200, 3200),
      // Split where the ramp meets the plateau: the minutes since rise 40 RPS/min (the
      // ramp's last minute), a quarter of the line's slope across the window.
      reading: { kind: "shift", at: at(8), afterRps: 3000, slope: 40 },
    },
    {
      case: "a step up in one minute",
      window: series(...repeat(800, 8), ...repeat(3200, 7)),
      reading: { kind: "shift", at: at(7), beforeRps: 800, afterRps: 3200, slope: 0 },
    },
    {
      case: "a step down in one minute",
      window: series(...repeat(3200, 10), ...repeat(800, 5)),
      reading: { kind: "shift", at: at(5), beforeRps: 3200, afterRps: 800, slope: 0 },
    },
    {
      case: "a ramp starting after a flat stretch: the minutes since rise 480 RPS/min",
      window: series(...repeat(800, 10), 1280, 1760, 2240),
      reading: { kind: "shift", at: at(4), beforeRps: 800, afterRps: 800, slope: 480 },
    },
    {
      case: "5 % noise around 2,000 RPS: no shift (the line misses no minute by more than the 10 % material share)",
      window: series(...noisy(2000, 0.05, 15)),
      reading: { kind: "line" },
    },
    {
      case: "20 % noise around 2,000 RPS over 15 minutes: two segments explain too little of it to be a shift",
      window: series(...noisy(2000, 0.2, 15)),
      reading: { kind: "line" },
    },
    {
      case: "a step of 5 % is within the material share: read as a line",
      window: series(...repeat(2000, 8), ...repeat(2100, 7)),
      reading: { kind: "line" },
    },
    {
      case: "three minutes are too few to tell a shift from noise",
      window: series(800, 800, 3200),
      reading: { kind: "line", slope: 1200 },
    },
  ])("$case", ({ window, reading }) => {
    const read = readDemand(window, 0.1);
    expect(read.kind).toBe(reading.kind);
    for (const [key, value] of Object.entries(reading)) {
      if (typeof value === "number") {
        expect(read[key as keyof typeof read] as number, key).toBeCloseTo(value, 6);
      }
    }
  });
});

describe("Function: planningDemand", () => {
  it.each([
    {
      case: "rising: two sustain windows ahead on the trend",
      window: series(100, 120, 140, 160, 180),
      demandRps: 190,
      sustain: 15,
      expected: { rps: 190 + 20 * 30, slope: 20, horizonMinutes: 30, shift: undefined },
    },
    {
      case: "falling: the demand now",
      window: series(200, 190, 180),
      demandRps: 200,
      sustain: 15,
      expected: { rps: 200, slope: null, horizonMinutes: 30, shift: undefined },
    },
    {
      case: "flat: the demand now",
      window: series(300, 300),
      demandRps: 300,
      sustain: 5,
      expected: { rps: 300, slope: null, horizonMinutes: 10, shift: undefined },
    },
    {
      // Issue 17: read as a trend, this window planned for 6,285.7 RPS ("3,200 now,
      // rising 102.9 RPS/min, looking 30 min ahead") and started twice the pods needed.
      case: "a step is not a trend: the demand now, with the shift named",
      window: series(800, 1280, 1760, 2240, 2720, ...repeat(3200, 10)),
      demandRps: 3200,
      sustain: 15,
      expected: {
        rps: 3200,
        slope: null,
        horizonMinutes: 30,
        shift: { at: at(10), fromRps: 2720, toRps: 3200, slope: 0 },
      },
    },
  ])("$case", ({ window, demandRps, sustain, expected }) => {
    const planned = planningDemand(window, demandRps, sustain, 0.1);
    expect(planned.slope === null ? null : Number(planned.slope.toFixed(9))).toEqual(expected.slope);
    expect(planned.rps).toBeCloseTo(expected.rps, 6);
    expect(planned.horizonMinutes).toBe(expected.horizonMinutes);
    expect(planned.shift).toEqual(expected.shift);
  });
});

describe("Function: demandNow", () => {
  it.each([
    {
      case: "a ramp under way: the newest minute carried forward over the lag on the ramp's slope",
      window: series(...repeat(800, 10), 1280, 1760, 2240),
      demandRps: 2240,
      lag: 3,
      expected: 2240 + 3 * 480,
    },
    {
      case: "a clean trend: carried forward on the window's slope",
      window: series(1000, 1010, 1020, 1030, 1040, 1050),
      demandRps: 1050,
      lag: 3,
      expected: 1080,
    },
    {
      case: "flat: the demand measured",
      window: series(...repeat(800, 6)),
      demandRps: 800,
      lag: 3,
      expected: 800,
    },
    {
      case: "a step already flat: the level after it, not the slope across it",
      window: series(...repeat(800, 6), ...repeat(3200, 6)),
      demandRps: 3200,
      lag: 3,
      expected: 3200,
    },
    {
      case: "falling: never below the demand measured",
      window: series(1050, 1040, 1030, 1020, 1010, 1000),
      demandRps: 1010,
      lag: 3,
      expected: 1010,
    },
    { case: "no minute: the demand given", window: series(), demandRps: 446, lag: 3, expected: 446 },
  ])("$case", ({ window, demandRps, lag, expected }) => {
    expect(demandNow(window, demandRps, lag, 0.1).rps).toBeCloseTo(expected, 6);
  });
});
