/** How the report writes numbers: money, durations, counts, times. */

export function usd(value: number, decimals = 2): string {
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** 45 → "45 s", 480 → "8 min", 50460 → "14 h 1 min"; null → "—". */
export function seconds(value: number | null): string {
  if (value === null) {
    return "—";
  }
  if (value < 0) {
    return `${seconds(-value)} early`;
  }
  if (value < 120) {
    return `${Math.round(value)} s`;
  }
  const minutes = Math.round(value / 60);
  if (minutes < 120) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** +4.2 % / −12.0 %. */
export function percentChange(value: number, base: number): string {
  if (base === 0) {
    return "—";
  }
  const change = ((value - base) / base) * 100;
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(1)} %`;
}

/** `2024-11-14 11:00 UTC`. */
export function utc(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `14 Nov 11:00`. */
export function shortUtc(at: number): string {
  const d = new Date(at);
  const month = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  return `${d.getUTCDate()} ${month} ${d.toISOString().slice(11, 16)}`;
}
