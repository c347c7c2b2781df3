/** `1234.5` → `$1,234.50`. */
export function usd(value: number, digits = 2): string {
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** At most `digits` decimals, trailing zeros dropped: 490.6, 551, 0.00722. */
export function num(value: number, digits = 1): string {
  return String(Number(value.toFixed(digits)));
}

export function percent(fraction: number): string {
  return `${num(fraction * 100, 1)} %`;
}
