// One home for the units every module shares: durations in milliseconds (the unit of
// every timestamp in Switchyard), the tolerance below which two rates or costs are the
// same number, and the one-decimal rounding used in evidence and reports.

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Floating-point noise, not a difference: rates and costs closer than this are equal. */
export const EPSILON = 1e-9;

/** A rate or duration as evidence and reports show it: one decimal. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
