import { CsvError, parse } from "csv-parse/sync";

/** One record of a CSV file with the line it ends on (1-based, as an editor counts). */
interface CsvRow {
  readonly line: number;
  readonly cells: readonly string[];
}

type CsvRows =
  | { readonly ok: true; readonly rows: readonly CsvRow[] }
  | { readonly ok: false; readonly line: number | null; readonly problem: string };

interface CsvReadOptions {
  /**
   * Return records whose cell count differs from the first's instead of failing at the
   * first of them (csv-parse's `relax_column_count`), so a caller can report every such
   * row with its line (`raggedRows`) alongside its own checks.
   */
  readonly relaxColumnCount?: boolean;
}

/**
 * Reads CSV text with a real parser (RFC 4180 quoting, as the CloudWatch console and
 * spreadsheets write it: `"2026-11-14 00:00:00","1234"`). Cells are trimmed; blank lines
 * and lines starting with `#` are skipped. Every record must have as many cells as the
 * first, unless `relaxColumnCount`.
 */
export function readCsvRows(text: string, options: CsvReadOptions = {}): CsvRows {
  try {
    // csv-parse's sync typings do not model `info: true`, which wraps each record as
    // { record, info } (https://csv.js.org/parse/options/info/).
    const records = parse(text.replace(/^\uFEFF/, ""), {
      info: true,
      trim: true,
      skip_empty_lines: true,
      comment: "#",
      comment_no_infix: true,
      relax_column_count: options.relaxColumnCount ?? false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return {
      ok: true,
      rows: records
        .filter(({ record }) => record.some((cell) => cell !== ""))
        .map(({ record, info }) => ({ line: info.lines, cells: record })),
    };
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === "number" ? error.lines : null;
      return { ok: false, line, problem: csvProblem(error) };
    }
    throw error;
  }
}

/** Each row, after the first, whose cell count differs from the first row's, with what is wrong. */
export function raggedRows(rows: readonly CsvRow[]): { readonly line: number; readonly problem: string }[] {
  const [first, ...rest] = rows;
  if (first === undefined) {
    return [];
  }
  const width = first.cells.length;
  return rest
    .filter((row) => row.cells.length !== width)
    .map((row) => ({
      line: row.line,
      problem: `has ${row.cells.length} ${row.cells.length === 1 ? "cell" : "cells"}, the first row (line ${first.line}) has ${width}`,
    }));
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return `has a different number of cells than the first row (${error.message.replace(/ on line \d+$/, "")})`;
    case "CSV_QUOTE_NOT_CLOSED":
      return "opens a quote that is never closed";
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_CLOSING_QUOTE":
      return `has a quote inside an unquoted cell: quote the whole cell and double any quote in it ("a ""b"" c")`;
    default:
      return error.message;
  }
}
