// The one grammar for times and the one for durations that every input of Switchyard
// uses: the `switchyard.io/pin` annotation, `switchyard pin --until`, and scenario files
// (their `start`, instants and durations). Pure: the caller passes "now" where it matters.
import type { EpochMs } from "./signals/types.ts";
import { DAY, HOUR, MINUTE, SECOND } from "./units.ts";

/**
 * RFC 3339 `date-time` (section 5.6): `2026-12-02T01:00:00Z`, `2026-12-02T01:00:00.5+02:00`.
 * Seconds and the offset are required; `t`/`z` may be lower case (5.6, NOTE), and nothing
 * else is accepted — no date alone, no space for `T`, no `24:00`, no leap second.
 */
export const RFC3339_PATTERN =
  "^(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2}):(\\d{2})(\\.\\d{1,9})?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))$";
const DATE_TIME = new RegExp(RFC3339_PATTERN);

/** An example the messages give. */
export const RFC3339_EXAMPLE = "2026-12-02T01:00:00Z";

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * Milliseconds since the epoch of an RFC 3339 date-time, or null when `text` is not one
 * or names a day that does not exist (February 30, April 31). `Date.parse` is not used:
 * it accepts "12/31", "1" and February 30 (as March 1).
 */
export function parseRfc3339(text: string): EpochMs | null {
  const match = DATE_TIME.exec(text);
  if (match === null) {
    return null;
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
    return null;
  }
  // A leap second (:60) cannot be held by an epoch-millisecond clock; refused, not rounded.
  if (hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  let offset = 0;
  if (zulu === undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) {
      return null;
    }
    offset = (sign === "-" ? -1 : 1) * (offsetHours * HOUR + offsetMinutes * MINUTE);
  }
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0–99 to 1900–1999.
  const at = year < 100 ? new Date(utc).setUTCFullYear(year) : utc;
  return at - offset;
}

/** RFC 3339 in UTC, in whole seconds: `2026-12-02T01:00:00Z` (milliseconds dropped). */
export function formatRfc3339(at: EpochMs): string {
  return new Date(Math.floor(at / SECOND) * SECOND).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the instants RFC 3339's four-digit years span. */
const FIRST_INSTANT = -62_167_219_200_000;
const PAST_LAST_INSTANT = 253_402_300_800_000;

/** Whether `at` is an instant `formatRfc3339` can write (a four-digit year). */
export function isWritableInstant(at: number): boolean {
  return Number.isFinite(at) && at >= FIRST_INSTANT && at < PAST_LAST_INSTANT;
}

const DURATION_UNITS = [
  ["d", DAY],
  ["h", HOUR],
  ["m", MINUTE],
  ["s", SECOND],
  ["ms", 1],
] as const;

const AMOUNT = "\\d+(?:\\.\\d+)?";

/**
 * The duration grammar, as a JSON Schema `pattern`: one or more `<number><unit>` parts,
 * units largest first and each at most once: `90s`, `15m`, `2h`, `1h30m`, `1.5h`, `2d`,
 * `250ms`. A bare number would leave the unit to guess, so it is refused.
 */
export const DURATION_PATTERN = `^(?=\\d)${DURATION_UNITS.map(([unit]) => `(?:${AMOUNT}${unit})?`).join("")}$`;
const DURATION = new RegExp(`^${DURATION_UNITS.map(([unit]) => `(?:(${AMOUNT})${unit})?`).join("")}$`);
const WHOLE_DURATION = new RegExp(DURATION_PATTERN);

/** An example the messages give. */
export const DURATION_EXAMPLES = "90s, 15m, 2h, 1h30m or 1d";

/**
 * Milliseconds of a duration in the grammar above, or null when `text` is not one (or is
 * too long to count in milliseconds exactly).
 */
export function parseDuration(text: string): number | null {
  if (!WHOLE_DURATION.test(text)) {
    return null;
  }
  const match = DURATION.exec(text) as RegExpExecArray;
  let total = 0;
  DURATION_UNITS.forEach(([, size], index) => {
    const amount = match[index + 1];
    if (amount !== undefined) {
      total += Number(amount) * size;
    }
  });
  return Number.isFinite(total) && total <= Number.MAX_SAFE_INTEGER ? total : null;
}

/** The shortest readable form in the same grammar: 5400000 → `1h30m`, 61000 → `1m1s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return "0s";
  }
  const parts: string[] = [];
  let left = Math.round(ms);
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(left / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      left -= n * size;
    }
  }
  return parts.join("");
}
