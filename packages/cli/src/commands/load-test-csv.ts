import {
  isUnitName,
  LONGEST_RESPONSE_MS,
  type LoadTestStep,
  MAX_POD_RPS,
  parseDecimal,
} from "@switchyard/core";
import { raggedRows, readCsvRows } from "@switchyard/sim";
import { LoadTestFileError, loadTestProblems } from "../errors.ts";

/** The statistics an SLO can name; the load test's latency column is `<statistic>_ms`. */
export const LOAD_TEST_STATISTICS = ["p50", "p90", "p95", "p99", "average"] as const;
export type LoadTestStatistic = (typeof LOAD_TEST_STATISTICS)[number];

/** One unit's steps, in the order of the file, each with its line. */
interface UnitLoadTest {
  readonly name: string;
  readonly steps: readonly (LoadTestStep & { readonly line: number })[];
}

/** The header of a load test for `statistic`: `unit,offered_rps,served_rps,p95_ms`. */
function loadTestColumns(statistic: LoadTestStatistic): readonly string[] {
  return ["unit", "offered_rps", "served_rps", `${statistic}_ms`];
}

/**
 * Reads a stepped load test: a header naming the columns `unit`, `offered_rps`,
 * `served_rps` and `<statistic>_ms` (in any order; other columns, such as the load
 * generator's error counts, are ignored), then one row per step per unit. Every bad row
 * is reported with its line, and nothing is returned unless all are good.
 */
export function parseLoadTestCsv(text: string, path: string, statistic: LoadTestStatistic): UnitLoadTest[] {
  const wanted = loadTestColumns(statistic);
  // Rows of the wrong width are reported with the rest, not as the first and only problem.
  const parsed = readCsvRows(text, { relaxColumnCount: true });
  if (!parsed.ok) {
    throw unusableLoadTest(path, [`${parsed.line === null ? "" : `line ${parsed.line}: `}${parsed.problem}`]);
  }
  const [header, ...rows] = parsed.rows;
  if (header === undefined) {
    throw unusableLoadTest(path, [
      `has no rows: expected a header ${wanted.join(",")} and one row per step per unit`,
    ]);
  }
  const names = header.cells.map((cell) => cell.toLowerCase());
  const missing = wanted.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    const latency = names.filter((name) => /^(p\d+(\.\d+)?|average)_ms$/.test(name));
    const hint =
      missing.includes(`${statistic}_ms`) && latency.length > 0
        ? `; it has ${latency.join(", ")}: pass --statistic ${(latency[0] as string).replace(/_ms$/, "")} to use it`
        : "";
    throw unusableLoadTest(path, [
      `line ${header.line}: the header must name the columns ${wanted.join(",")}; ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing (it has ${header.cells.join(",")})${hint}`,
    ]);
  }
  const at = (column: string) => names.indexOf(column);
  const [unitAt, offeredAt, servedAt, latencyAt] = wanted.map(at) as [number, number, number, number];

  const ragged = new Map(raggedRows(parsed.rows).map(({ line, problem }) => [line, problem]));
  const problems: string[] = [];
  const units = new Map<string, (LoadTestStep & { line: number })[]>();
  for (const row of rows) {
    const wrongWidth = ragged.get(row.line);
    if (wrongWidth !== undefined) {
      problems.push(`line ${row.line}: ${wrongWidth}`);
      continue;
    }
    const cell = (index: number) => row.cells[index] ?? "";
    const unit = cell(unitAt);
    const rowProblems: string[] = [];
    if (unit === "") {
      rowProblems.push("unit is empty");
    } else if (!isUnitName(unit)) {
      // Its name goes into the config (calibrate -o yaml) as a unit's name: it must be one.
      rowProblems.push(
        `unit ${JSON.stringify(unit)} is not a deployment unit name (lowercase letters, digits and '-', starting with a letter, at most 63 characters), as the config's units are named`,
      );
    }
    const number = (
      index: number,
      column: string,
      what: string,
      min: "positive" | "non-negative",
      max: { readonly value: number; readonly why: string },
    ) => {
      const text = cell(index);
      const value = parseDecimal(text);
      const ok = value !== null && (min === "positive" ? value > 0 : value >= 0);
      if (!ok) {
        rowProblems.push(
          `${column} must be ${what}, a decimal number ${min === "positive" ? "above 0" : ">= 0"} (got "${text}")`,
        );
      } else if (value > max.value) {
        rowProblems.push(`${column} must be at most ${max.value}: ${max.why} (got "${text}")`);
      }
      return value ?? Number.NaN;
    };
    const offeredRps = number(offeredAt, "offered_rps", "the requests/s sent", "positive", MAX_POD_RPS);
    const servedRps = number(servedAt, "served_rps", "the requests/s answered", "non-negative", MAX_POD_RPS);
    const latencyMs = number(
      latencyAt,
      `${statistic}_ms`,
      `the ${statistic} response time in ms`,
      "positive",
      LONGEST_RESPONSE_MS,
    );
    if (rowProblems.length > 0) {
      problems.push(`line ${row.line}: ${rowProblems.join("; ")}`);
      continue;
    }
    const steps = units.get(unit) ?? [];
    const same = steps.find((step) => step.offeredRps === offeredRps);
    if (same !== undefined) {
      problems.push(
        `line ${row.line}: ${unit} at ${offeredRps} requests/s offered is already on line ${same.line}: one row per step per unit`,
      );
      continue;
    }
    steps.push({ offeredRps, servedRps, latencyMs, line: row.line });
    units.set(unit, steps);
  }
  if (problems.length > 0) {
    throw unusableLoadTest(path, problems);
  }
  if (units.size === 0) {
    throw unusableLoadTest(path, [`has a header but no steps: expected one row per step per unit`]);
  }
  return [...units].map(([name, steps]) => ({ name, steps }));
}

function unusableLoadTest(path: string, problems: readonly string[]): LoadTestFileError {
  return new LoadTestFileError(loadTestProblems(path, problems), { problems });
}
