/**
 * A decimal number as a person writes it in a flag, a CSV cell or a file: digits, an
 * optional fraction and an optional exponent (`446`, `0.5`, `.5`, `1e3`). JavaScript's
 * `Number` also reads `0x1F`, `0b11`, `0o7`, `Infinity`, surrounding spaces and an empty
 * string (as 0): none is a number anyone means there. Null for anything else.
 */
export function parseDecimal(text: string): number | null {
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) {
    return null;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
