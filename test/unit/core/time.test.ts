import {
  DURATION_PATTERN,
  formatDuration,
  formatRfc3339,
  parseDuration,
  parseRfc3339,
} from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("Function: parseRfc3339", () => {
  it.each([
    ["2026-12-02T01:00:00Z", Date.UTC(2026, 11, 2, 1)],
    ["2026-12-02t01:00:00z", Date.UTC(2026, 11, 2, 1)],
    ["2026-12-02T03:00:00+02:00", Date.UTC(2026, 11, 2, 1)],
    ["2026-12-01T20:30:00-04:30", Date.UTC(2026, 11, 2, 1)],
    ["2026-12-02T01:00:00.250Z", Date.UTC(2026, 11, 2, 1, 0, 0, 250)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)],
    ["0001-01-01T00:00:00Z", -62_135_596_800_000],
  ])("reads %s", (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  // Each of these Date.parse accepts (February 30 as March 1, "1" as 2001-01-01 local time).
  it.each([
    "12/31",
    "1",
    "2026-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-12-02T24:00:00Z",
    "2026-12-02T01:00Z",
    "2026-12-02T01:00:00",
    "2026-12-02 01:00:00Z",
    "2026-12-02",
    "2026-12-02T01:00:00+24:00",
    "2026-12-31T23:59:60Z",
    " 2026-12-02T01:00:00Z",
    "Wed, 02 Dec 2026 01:00:00 GMT",
  ])("refuses %j", (text) => {
    expect(parseRfc3339(text)).toBeNull();
  });

  it("reads back every instant it writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), (seconds) => {
        expect(parseRfc3339(formatRfc3339(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});

describe("Function: parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
    ["250ms", 250],
    ["1m30s500ms", 90_500],
  ])("reads %s", (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each(["", "1", "2 hours", "-1h", "1w", "30m1h", "1h1h", "h", ".5h", "1e3s", `${"9".repeat(30)}d`])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it("writes durations the same grammar reads back, and the JSON Schema pattern agrees", () => {
    const pattern = new RegExp(DURATION_PATTERN);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 * 86_400_000 }), (ms) => {
        const text = formatDuration(ms);
        expect(pattern.test(text)).toBe(true);
        expect(parseDuration(text)).toBe(ms);
      }),
    );
  });
});
