import { DAY, HOUR, MINUTE, SECOND } from "@switchyard/core";

/**
 * Durations in scenario files are written the way operators say them: `90s`, `15m`,
 * `2h`, `1h30m`, `2d`. A bare number would leave the unit to guess, so it is refused.
 */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
export const DURATION_PATTERN = "^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$";
const WHOLE = new RegExp(DURATION_PATTERN);

/** Each unit's length, longest first (the order `formatDuration` writes them in). */
const UNIT_MS: Readonly<Record<string, number>> = { d: DAY, h: HOUR, m: MINUTE, s: SECOND, ms: 1 };

/** Milliseconds of a duration such as `1h30m`, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) {
    return null;
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
  }
  return total;
}

/** The shortest readable form: 5400000 → `1h30m`, 61000 → `1m1s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return "0s";
  }
  const parts: string[] = [];
  let left = Math.round(ms);
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(left / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      left -= n * size;
    }
  }
  return parts.join("");
}
