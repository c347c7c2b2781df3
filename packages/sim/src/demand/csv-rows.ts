import { CsvError, parse } from "csv-parse/sync";

/** One record of a CSV file with the line it ends on (1-based, as an editor counts). */
export interface CsvRow {
  readonly line: number;
  readonly cells: readonly string[];
}

export type CsvRows =
  | { readonly ok: true; readonly rows: readonly CsvRow[] }
  | { readonly ok: false; readonly line: number | null; readonly problem: string };

/**
 * Reads CSV text with a real parser (RFC 4180 quoting, as the CloudWatch console and
 * spreadsheets write it: `"2026-11-14 00:00:00","1234"`). Cells are trimmed; blank lines
 * and lines starting with `#` are skipped. Every record must have as many cells as the
 * first.
 */
export function readCsvRows(text: string): CsvRows {
  try {
    // csv-parse's sync typings do not model `info: true`, which wraps each record as
    // { record, info } (https://csv.js.org/parse/options/info/).
    const records = parse(text.replace(/^\uFEFF/, ""), {
      info: true,
      trim: true,
      skip_empty_lines: true,
      comment: "#",
      comment_no_infix: true,
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
