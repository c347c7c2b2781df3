import { MAX_DEMAND_RPS, parseDecimal } from "@switchyard/core";
import { readCsvRows } from "./csv-rows.ts";

/** What a demand CSV holds: requests/s per minute from the scenario's start, or why it cannot be read. */
export type DemandCsv =
  | { readonly ok: true; readonly rpsByMinute: readonly number[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads one row per minute with a real CSV parser (quoted cells are read as their
 * content). Blank lines and lines starting with `#` are skipped; a first
 * row whose chosen cell is not a number is a header. The chosen column is `column` (a
 * header name or 0-based index) or the last one, so `minute,rps` and a bare list of
 * numbers both work.
 */
export function parseDemandCsv(text: string, column?: string | number): DemandCsv {
  const parsed = readCsvRows(text);
  if (!parsed.ok) {
    return { ok: false, problem: `${parsed.line === null ? "" : `line ${parsed.line}: `}${parsed.problem}` };
  }
  const rows = parsed.rows;
  if (rows.length === 0) {
    return { ok: false, problem: "has no rows: expected one row of requests/s per minute" };
  }
  const first = rows[0] as (typeof rows)[number];
  const firstValue = (index: number) => first.cells[index] ?? "";
  const isNumber = (cell: string) => parseDecimal(cell) !== null;

  let index: number;
  if (typeof column === "string") {
    index = first.cells.indexOf(column);
    if (index === -1) {
      return {
        ok: false,
        problem: `has no column "${column}" in its header row (columns: ${first.cells.join(", ")})`,
      };
    }
  } else {
    index = column ?? first.cells.length - 1;
  }
  const header = typeof column === "string" || !isNumber(firstValue(index));
  const data = header ? rows.slice(1) : rows;
  const nth = ordinal(index + 1);
  // The column as the user gave it (a name, a 0-based index, or none: the last).
  const named =
    typeof column === "string"
      ? `column "${column}" (the ${nth})`
      : typeof column === "number"
        ? `column ${column} (0-based: the ${nth})`
        : header
          ? `the last column, "${firstValue(index)}" (the ${nth})`
          : `the last column (the ${nth})`;
  const rpsByMinute: number[] = [];
  for (const row of data) {
    const cell = row.cells[index];
    const value = parseDecimal(cell ?? "");
    if (value === null) {
      return {
        ok: false,
        problem: `line ${row.line}: ${named} must be requests per second, a decimal number >= 0 (got "${cell ?? ""}")`,
      };
    }
    if (value > MAX_DEMAND_RPS.value) {
      return {
        ok: false,
        problem: `line ${row.line}: ${named} must be at most ${MAX_DEMAND_RPS.value} requests per second: ${MAX_DEMAND_RPS.why} (got "${cell}")`,
      };
    }
    rpsByMinute.push(value);
  }
  if (rpsByMinute.length === 0) {
    return { ok: false, problem: "has a header but no rows of requests/s" };
  }
  return { ok: true, rpsByMinute };
}

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
