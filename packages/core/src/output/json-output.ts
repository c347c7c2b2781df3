/**
 * Significant digits a number keeps in JSON output: money to a millionth of a cent at
 * thousands of dollars, rates and shares well past what anyone reads, and no float
 * noise (`5.677` for the sum that computes to `5.6770000000000005`).
 */
export const JSON_SIGNIFICANT_DIGITS = 12;

/** A number as output JSON carries it: integers as they are, others to `JSON_SIGNIFICANT_DIGITS`. */
function outputNumber(value: number): number {
  return Number.isInteger(value) || !Number.isFinite(value)
    ? value
    : Number(value.toPrecision(JSON_SIGNIFICANT_DIGITS));
}

/**
 * The one way Switchyard writes JSON for people and scripts (`--output json`, `summary.json`):
 * two-space indent, a final newline, every number through `outputNumber`. Rounding here, at
 * the boundary, keeps the computations exact and the output free of float noise.
 */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" ? outputNumber(v) : v), 2)}\n`;
}
