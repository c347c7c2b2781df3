import {
  DAY,
  type DemandHistory,
  demandHistoryOf,
  forecastAt,
  HOUR,
  historyPeriodSeconds,
  historyWindow,
  MINUTE,
} from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { forecastDemand } from "../../../packages/core/src/forecast/seasonal.ts";

const T0 = Date.parse("2024-11-14T00:00:00Z");
const options = { maxGrowth: 0.5 };

/** A daily wave from `min` to `max` RPS peaking at 15:00, as the SD2.1 scenarios' demand. */
function wave(at: number, min = 300, max = 4000): number {
  const minute = ((at - T0) / MINUTE) % (24 * 60);
  return min + ((max - min) * (1 + Math.cos((2 * Math.PI * (minute - 15 * 60)) / (24 * 60)))) / 2;
}

/** `days` days of history at `periodSeconds`, ending at `end`; `scale(day)` scales each day (0 = the newest). */
function history(
  end: number,
  days: number,
  periodSeconds = 300,
  scale: (daysBack: number) => number | null = () => 1,
): DemandHistory {
  const periodMs = periodSeconds * 1000;
  const start = end - days * DAY;
  const rps: (number | null)[] = [];
  for (let at = start; at < end; at += periodMs) {
    const factor = scale(Math.floor((end - at - 1) / DAY));
    rps.push(factor === null ? null : wave(at + periodMs / 2) * factor);
  }
  return { start, periodMs, rps };
}

/** The measured minutes before `now` (the last 12, the newest ending 3 minutes before now). */
function recent(now: number, rps: (at: number) => number = wave): { at: number; rps: number }[] {
  return Array.from({ length: 12 }, (_, i) => {
    const at = now - (3 + 12 - i) * MINUTE;
    return { at, rps: rps(at + MINUTE / 2) };
  });
}

describe("Function: historyPeriodSeconds", () => {
  it.each([
    [5, 60, "five units without a consolidated Service: 5 × 20,160 = 100,800, one page at 60 s"],
    [6, 300, "five SD2.1 units and their consolidated Service: 6 × 20,160 > 100,800, so 300 s (24,192)"],
    [3, 60, "the LLM service's two units and its consolidated Service: 60,480 at 60 s"],
    [25, 300, "25 target groups: 25 × 4,032 = 100,800 at 300 s"],
    [26, 3600, "26 target groups need hourly periods (26 × 336)"],
    [120, 3600, "twenty SD2.1 services: 120 × 336 = 40,320 at 3600 s"],
  ])("%i series of 14 days read at %i s: %s", (series, period) => {
    expect(historyPeriodSeconds(series, 14)).toBe(period);
  });
});

describe("Function: historyWindow and demandHistoryOf", () => {
  it("ends at the last whole period before the metrics lag and starts the days before", () => {
    const now = T0 + 10 * DAY + 7 * MINUTE + 20_000;
    const window = historyWindow(now, 14, 300, 2 * MINUTE);
    expect(new Date(window.end).toISOString()).toBe("2024-11-24T00:05:00.000Z");
    expect(window.end - window.start).toBe(14 * DAY);
  });

  it("sums the target groups per period into requests/s, and leaves a period no group reported unknown", () => {
    const window = { start: T0, end: T0 + 3 * 300_000, periodMs: 300_000 };
    const unit = new Map([
      [T0, 30_000],
      [T0 + 300_000, 60_000],
    ]);
    const consolidated = new Map([[T0, 15_000]]);
    expect(demandHistoryOf(window, [unit, consolidated]).rps).toEqual([150, 200, null]);
  });
});

describe("Function: forecastDemand", () => {
  it("forecasts the same minute on earlier days: a ramp a history of three days knows, an hour ahead", () => {
    const now = T0 + 3 * DAY + 5 * HOUR; // on the morning ramp
    const forecast = forecastDemand(history(now - 2 * MINUTE, 3), recent(now), now, options);
    expect(forecast.days).toBe(3);
    expect(forecast.level).toBeCloseTo(1, 2);
    for (const ahead of [0, 10, 30, 60]) {
      const at = now + ahead * MINUTE;
      expect(forecastAt(forecast, at)).toBeCloseTo(wave(at), -1);
    }
  });

  it("scales history by today's level: on a holiday at 40 % it forecasts 40 %, not the usual day", () => {
    const now = T0 + 3 * DAY + 5 * HOUR;
    const holiday = (at: number) => 0.4 * wave(at);
    const forecast = forecastDemand(history(now - 2 * MINUTE, 3), recent(now, holiday), now, options);
    expect(forecast.level).toBeCloseTo(0.4, 2);
    const at = now + 10 * MINUTE;
    expect(forecastAt(forecast, at) ?? 0).toBeLessThan(1.1 * holiday(at));
  });

  it("caps growth: a launch at three times the usual is forecast at most 1 + maxGrowth times history", () => {
    const now = T0 + 3 * DAY + 12 * HOUR; // near the peak: no trend to speak of
    const launch = (at: number) => 3 * wave(at);
    const forecast = forecastDemand(history(now - 2 * MINUTE, 3), recent(now, launch), now, options);
    expect(forecast.level).toBe(1.5);
    const at = now + 10 * MINUTE;
    // The trend of the recent minutes keeps the forecast at today's level at least.
    expect(forecastAt(forecast, at) ?? 0).toBeGreaterThanOrEqual(1.5 * wave(at) - 1);
    expect(forecastAt(forecast, at) ?? 0).toBeLessThanOrEqual(launch(at) * 1.05);
  });

  it("leaves out days with no datapoint (before the service existed): they are unknown, not zero", () => {
    const now = T0 + 3 * DAY + 5 * HOUR;
    // 14 days read, only the newest 2 measured.
    const sparse = history(now - 2 * MINUTE, 14, 300, (back) => (back < 2 ? 1 : null));
    const forecast = forecastDemand(sparse, recent(now), now, options);
    expect(forecast.days).toBe(2);
    const at = now + 30 * MINUTE;
    expect(forecastAt(forecast, at)).toBeCloseTo(wave(at), -1);
  });

  it("weighs the days: one odd day among usual ones moves the forecast less than its share", () => {
    const now = T0 + 7 * DAY + 5 * HOUR;
    // Yesterday was a holiday at half the usual demand; the six days before were usual.
    const odd = history(now - 2 * MINUTE, 7, 300, (back) => (back === 0 ? 0.5 : 1));
    const forecast = forecastDemand(odd, [], now, options);
    const at = now + 30 * MINUTE;
    const seasonal = forecastAt(forecast, at) ?? 0;
    expect(seasonal).toBeGreaterThan(0.9 * wave(at));
    expect(seasonal).toBeLessThan(wave(at));
  });

  it("projects the recent rise when there is no history yet (a fresh deploy's first ramp)", () => {
    const now = T0 + 5 * HOUR;
    const forecast = forecastDemand(null, recent(now), now, options);
    expect(forecast.days).toBe(0);
    expect(forecast.trend?.slope ?? 0).toBeGreaterThan(0);
    const at = now + 9 * MINUTE;
    expect(forecastAt(forecast, at)).toBeCloseTo(wave(at), -1);
  });

  it("holds the level on a fall (the floor never drains), and has no forecast without any data", () => {
    const now = T0 + 20 * HOUR; // the evening fall
    const forecast = forecastDemand(null, recent(now), now, options);
    expect(forecast.trend?.slope).toBe(0);
    expect(forecastAt(forecast, now + 30 * MINUTE)).toBeCloseTo(forecast.trend?.rps ?? 0, 6);
    expect(forecastAt(forecastDemand(null, [], now, options), now + MINUTE)).toBeNull();
  });

  it("reads a step as a step: a doubling holds the new level, its height is not projected as a slope", () => {
    const now = T0 + 5 * HOUR;
    const step = (at: number) => (at < now - 8 * MINUTE ? 1000 : 2000);
    const forecast = forecastDemand(null, recent(now, step), now, options);
    expect(forecast.trend?.rps).toBeCloseTo(2000, 6);
    expect(forecastAt(forecast, now + 30 * MINUTE)).toBeCloseTo(2000, 6);
  });

  it("caps the trend: a ramp of 5 % a minute projects at most 1 + maxGrowth times the level", () => {
    const now = T0 + 5 * HOUR;
    const ramp = (at: number) => 1000 * (1 + (0.05 * (at - (now - 20 * MINUTE))) / MINUTE);
    const forecast = forecastDemand(null, recent(now, ramp), now, options);
    const level = forecast.trend?.rps ?? 0;
    expect(forecast.trend?.slope).toBeGreaterThan(0);
    expect(forecastAt(forecast, now + 60 * MINUTE)).toBeCloseTo(1.5 * level, 6);
  });

  it("measures how far single minutes stray from the trend (±5 % noise is a spread of about 3 %)", () => {
    const now = T0 + 12 * HOUR;
    const noisy = recent(now, () => 1000).map((m, i) => ({ ...m, rps: m.rps * (i % 2 === 0 ? 1.05 : 0.95) }));
    const forecast = forecastDemand(null, noisy, now, options);
    expect(forecast.trend?.spread).toBeGreaterThan(0.04);
    expect(forecast.trend?.spread).toBeLessThan(0.06);
    expect(
      forecastDemand(
        null,
        recent(now, () => 1000),
        now,
        options,
      ).trend?.spread,
    ).toBe(0);
  });
});

describe("Function: forecastDemand — noise is not a trend", () => {
  it("projects no rise from minutes that only scatter around a flat level", () => {
    const now = T0 + 12 * HOUR;
    // Flat 1,000 RPS, the newest minutes a little high by chance: a line tilts up, within its noise.
    const scatter = [1, 1, 0.96, 1.04, 0.97, 1.03, 0.96, 1.05, 0.97, 1.03, 0.98, 1.03];
    const noisy = recent(now, () => 1000).map((m, i) => ({ ...m, rps: m.rps * (scatter[i] ?? 1) }));
    const forecast = forecastDemand(null, noisy, now, options);
    expect(forecast.trend?.slope).toBe(0);
  });
});
