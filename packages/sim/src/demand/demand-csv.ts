import { MAX_DEMAND_RPS, parseDecimal } from "@switchyard/core";
import { raggedRows, readCsvRows } from "./csv-rows.ts";

/** What a demand CSV holds: requests/s per minute from the scenario's start, or every reason it cannot be read. */
type DemandCsv =
  | { readonly ok: true; readonly rpsByMinute: readonly number[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Bad rows listed one by one, at most; past that, one line counts the rest. */
const LISTED_BAD_ROWS = 20;

/**
 * Reads one row per minute with a real CSV parser (quoted cells are read as their
 * content). Blank lines and lines starting with `#` are skipped; a first
 * row whose chosen cell is not a number is a header. The chosen column is `column` (a
 * header name or 0-based index) or the last one, so `minute,rps` and a bare list of
 * numbers both work. Every bad row is reported with its line (the first `LISTED_BAD_ROWS`
 * one by one, then how many more), so one run of `validate` shows what to fix.
 */
export function parseDemandCsv(text: string, column?: string | number): DemandCsv {
  const parsed = readCsvRows(text, { relaxColumnCount: true });
  if (!parsed.ok) {
    return {
      ok: false,
      problems: [`${parsed.line === null ? "" : `line ${parsed.line}: `}${parsed.problem}`],
    };
  }
  const rows = parsed.rows;
  if (rows.length === 0) {
    return { ok: false, problems: ["has no rows: expected one row of requests/s per minute"] };
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
        problems: [`has no column "${column}" in its header row (columns: ${first.cells.join(", ")})`],
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
  const ragged = new Map(raggedRows(rows).map(({ line, problem }) => [line, problem]));
  const bad: { line: number; problem: string }[] = [];
  const rpsByMinute: number[] = [];
  for (const row of data) {
    const cell = row.cells[index];
    const value = parseDecimal(cell ?? "");
    const width = ragged.get(row.line);
    if (width !== undefined) {
      bad.push({ line: row.line, problem: width });
    } else if (value === null) {
      bad.push({
        line: row.line,
        problem: `${named} must be requests per second, a decimal number >= 0 (got "${cell ?? ""}")`,
      });
    } else if (value > MAX_DEMAND_RPS.value) {
      bad.push({
        line: row.line,
        problem: `${named} must be at most ${MAX_DEMAND_RPS.value} requests per second: ${MAX_DEMAND_RPS.why} (got "${cell}")`,
      });
    } else {
      rpsByMinute.push(value);
    }
  }
  if (bad.length > 0) {
    const listed = bad.slice(0, LISTED_BAD_ROWS).map((b) => `line ${b.line}: ${b.problem}`);
    const more = bad.length - listed.length;
    return {
      ok: false,
      problems:
        more > 0
          ? [
              ...listed,
              `and ${more} more bad row${more === 1 ? "" : "s"}, from line ${bad[LISTED_BAD_ROWS]?.line}`,
            ]
          : listed,
    };
  }
  if (rpsByMinute.length === 0) {
    return { ok: false, problems: ["has a header but no rows of requests/s"] };
  }
  return { ok: true, rpsByMinute };
}

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
