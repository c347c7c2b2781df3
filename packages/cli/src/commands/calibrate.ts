import {
  type BreakingPoint,
  type BreakingPointLimit,
  breakingPoint,
  jsonText,
  type LoadTestStep,
  shellCommand,
  sloServingRps,
  type ThroughputPlateau,
} from "@switchyard/core";
import { Document, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { NoBreakingPointError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { num } from "../render/numbers.ts";
import { type Column, textTable } from "../render/text-table.ts";
import { type LoadTestStatistic, parseLoadTestCsv } from "./load-test-csv.ts";

type CalibrateOutput = "table" | "json" | "yaml";

interface CalibrateCommandOptions {
  readonly loadTest: string;
  readonly sloMs: number;
  readonly statistic: LoadTestStatistic;
  /** Served must be at least this percentage of offered for a step to keep up (95). */
  readonly keepUp: number;
  /** `slo` (the default, issue 11's rule) or `throughput` (the seed's Table 2 reading). */
  readonly limit: BreakingPointLimit;
  readonly output: CalibrateOutput;
}

interface UnitCalibration {
  readonly name: string;
  readonly steps: number;
  readonly point: BreakingPoint;
  /** Where throughput alone stopped following, even when the SLO broke at the first step. */
  readonly throughput: ThroughputPlateau | null;
}

/** The `--limit` the command takes when none is given. */
export const DEFAULT_CALIBRATE_LIMIT: BreakingPointLimit = "slo";

/** The `--statistic` the command takes when none is given. */
export const DEFAULT_CALIBRATE_STATISTIC: LoadTestStatistic = "p95";

/** The `--keep-up` percentage the command takes when none is given. */
export const DEFAULT_KEEP_UP_PERCENT = 95;

/**
 * `switchyard calibrate`: each unit's breaking point (`maxRps`) and the latency measured
 * there (`latencyMs`) from a stepped load test: by default the highest offered rate whose
 * latency is within the SLO and whose served rate keeps up; with `--limit throughput`
 * where throughput plateaus, as the seed's Table 2 was read. Prints every unit;
 * exits 1 afterwards when a unit's test never broke or broke at its first step.
 */
export async function calibrateCommand(io: CliIo, options: CalibrateCommandOptions): Promise<void> {
  const units = parseLoadTestCsv(await io.readFile(options.loadTest), options.loadTest, options.statistic);
  const criteria = { sloMs: options.sloMs, keepUp: options.keepUp / 100, limit: options.limit };
  const results: UnitCalibration[] = units.map((unit) => {
    const point = breakingPoint(unit.steps, criteria);
    return {
      name: unit.name,
      steps: unit.steps.length,
      point,
      throughput: plateauOf(unit.steps, point, criteria),
    };
  });
  switch (options.output) {
    case "json":
      io.stdout(jsonText(calibrationJson(results, options)));
      break;
    case "yaml":
      io.stdout(calibrationYaml(results, options));
      break;
    case "table":
      io.stdout(calibrationTable(results, options));
      break;
  }
  const unfinished = results.filter((r) => r.point.verdict !== "reached");
  if (unfinished.length > 0) {
    throw new NoBreakingPointError(
      `${unfinished.length} of ${results.length} unit${results.length === 1 ? "" : "s"} without a breaking point in ${options.loadTest}: ${unfinished.map((r) => `${r.name} (${whyUnfinished(r.point, options)})`).join("; ")}`,
    );
  }
}

/**
 * The throughput reading of a unit. A point below the range carries none (its first step
 * broke), yet under --limit slo that step may have been only over the SLO while throughput
 * kept up: walk the steps again with throughput as the limit.
 */
function plateauOf(
  steps: readonly LoadTestStep[],
  point: BreakingPoint,
  criteria: { readonly sloMs: number; readonly keepUp: number; readonly limit: BreakingPointLimit },
): ThroughputPlateau | null {
  if (point.verdict !== "below-range") {
    return point.throughput;
  }
  if (criteria.limit === "throughput") {
    return null;
  }
  const walk = breakingPoint(steps, { ...criteria, limit: "throughput" });
  return walk.verdict === "below-range"
    ? null
    : { offeredRps: walk.maxRps, latencyMs: walk.latencyMs, plateaued: walk.verdict === "reached" };
}

function whyUnfinished(point: BreakingPoint, options: CalibrateCommandOptions): string {
  if (point.verdict === "below-range") {
    return `its lowest step, ${num(point.brokeAt.offeredRps)} RPS, already ${breakText(point.brokeAt, options)}: test from a lower rate`;
  }
  return `every step up to ${num(point.maxRps)} RPS kept up${options.limit === "slo" ? " within the SLO" : ""}: test higher rates`;
}

function breakText(step: LoadTestStep & { why: string }, options: CalibrateCommandOptions): string {
  return step.why === "falls-behind"
    ? `served ${num(step.servedRps)} RPS, below ${num(options.keepUp)} % of offered`
    : `had a ${options.statistic} of ${num(step.latencyMs, 0)} ms, over the ${num(options.sloMs)} ms SLO`;
}

function calibrationJson(results: readonly UnitCalibration[], options: CalibrateCommandOptions) {
  return {
    loadTest: options.loadTest,
    statistic: options.statistic,
    sloMs: options.sloMs,
    keepUpPercent: options.keepUp,
    limit: options.limit,
    units: results.map((r) => {
      const { name, steps, point } = r;
      const brokeAt =
        point.verdict === "not-reached"
          ? null
          : {
              offeredRps: point.brokeAt.offeredRps,
              servedRps: point.brokeAt.servedRps,
              latencyMs: point.brokeAt.latencyMs,
              why: point.brokeAt.why,
            };
      return point.verdict === "below-range"
        ? {
            name,
            maxRps: null,
            latencyMs: null,
            reached: false,
            withinSlo: null,
            sloRps: null,
            sloServingRps: null,
            throughput: r.throughput,
            brokeAt,
            steps,
          }
        : {
            name,
            maxRps: point.maxRps,
            latencyMs: point.latencyMs,
            reached: point.verdict === "reached",
            withinSlo: point.withinSlo,
            sloRps: point.sloRps,
            sloServingRps: sloServingRps({ maxRps: point.maxRps, latencyMs: point.latencyMs }, options.sloMs),
            throughput: point.throughput,
            brokeAt,
            steps,
          };
    }),
  };
}

function calibrationTable(results: readonly UnitCalibration[], options: CalibrateCommandOptions): string {
  const stat = options.statistic;
  const columns: Column<UnitCalibration>[] = [
    { header: "unit", cell: (r) => r.name },
    {
      header: "maxRps",
      align: "right",
      cell: (r) => (r.point.verdict === "below-range" ? "—" : num(r.point.maxRps)),
    },
    {
      header: `${stat} there`,
      align: "right",
      cell: (r) => (r.point.verdict === "below-range" ? "—" : `${num(r.point.latencyMs, 0)} ms`),
    },
    {
      header: `vs ${num(options.sloMs)} ms SLO`,
      cell: (r) => (r.point.verdict === "below-range" ? "—" : r.point.withinSlo ? "within" : "over"),
    },
    // The other limit's reading, so both are on one screen.
    options.limit === "slo"
      ? {
          header: "throughput kept up to",
          align: "right",
          cell: (r) =>
            r.throughput === null
              ? "—"
              : `${num(r.throughput.offeredRps)} RPS, ${num(r.throughput.latencyMs, 0)} ms`,
        }
      : {
          header: "kept up within SLO to",
          align: "right",
          cell: (r) =>
            r.point.verdict === "below-range" || r.point.sloRps === null ? "—" : `${num(r.point.sloRps)} RPS`,
        },
    {
      header: "broke at: offered → served, latency",
      cell: (r) =>
        r.point.verdict === "not-reached"
          ? "never (not reached)"
          : `${num(r.point.brokeAt.offeredRps)} → ${num(r.point.brokeAt.servedRps)} RPS, ${num(r.point.brokeAt.latencyMs, 0)} ms${r.point.brokeAt.why === "over-slo" ? " (over SLO)" : ""}`,
    },
    { header: "steps", align: "right", cell: (r) => String(r.steps) },
  ];
  const rule =
    options.limit === "throughput"
      ? `the last step before served falls below ${num(options.keepUp)} % of offered (throughput stops following)`
      : `the last step before served falls below ${num(options.keepUp)} % of offered or the ${stat} passes ${num(options.sloMs)} ms`;
  const notes = results.flatMap((r) => noteFor(r, options));
  return `Breaking points from ${options.loadTest}: ${rule}.\n\n${textTable(results, columns)}\n${
    notes.length === 0 ? "" : `\n${notes.map((n) => `- ${n}`).join("\n")}\n`
  }`;
}

function noteFor({ name, point }: UnitCalibration, options: CalibrateCommandOptions): string[] {
  if (point.verdict !== "reached") {
    return [`${name}: no breaking point: ${whyUnfinished(point, options)}.`];
  }
  return options.limit === "slo"
    ? plateauNote(name, point.throughput, point.maxRps, options)
    : overSloNote(name, point, options);
}

/** Under `--limit slo`: where throughput alone would have put the breaking point, when higher. */
function plateauNote(
  name: string,
  plateau: ThroughputPlateau | null,
  maxRps: number,
  options: CalibrateCommandOptions,
): string[] {
  if (plateau === null || plateau.offeredRps <= maxRps) {
    return [];
  }
  const over = plateau.latencyMs > options.sloMs;
  const safe = sloServingRps({ maxRps: plateau.offeredRps, latencyMs: plateau.latencyMs }, options.sloMs);
  return [
    `${name}: throughput kept up to ${num(plateau.offeredRps)} RPS${plateau.plateaued ? "" : " (the highest rate tested)"} at ${num(plateau.latencyMs, 0)} ms${over ? `, over the ${num(options.sloMs)} ms SLO` : ""}; --limit throughput takes that, as the seed's Table 2 was read${over ? `, and capacity mode would hold it to maxRps × SLO ÷ latencyMs = ${num(safe)} RPS per pod` : ""}.`,
  ];
}

/** Under `--limit throughput`: a breaking point over the SLO, and what the planner makes of it. */
function overSloNote(
  name: string,
  point: Extract<BreakingPoint, { verdict: "reached" }>,
  options: CalibrateCommandOptions,
): string[] {
  if (point.withinSlo) {
    return [];
  }
  const safe = sloServingRps({ maxRps: point.maxRps, latencyMs: point.latencyMs }, options.sloMs);
  const measured =
    point.sloRps === null
      ? "no step kept up within the SLO"
      : `the highest step within it was ${num(point.sloRps)} RPS (the default, --limit slo, takes that)`;
  return [
    `${name}: ${num(point.latencyMs, 0)} ms at its breaking point is over the ${num(options.sloMs)} ms SLO, as the seed's l4 and a10g-cuda (Table 2); capacity mode holds it to maxRps × SLO ÷ latencyMs = ${num(safe)} RPS per pod; ${measured}.`,
  ];
}

function calibrationYaml(results: readonly UnitCalibration[], options: CalibrateCommandOptions): string {
  // The command that made it: the required flags and those that are not the defaults.
  const command = shellCommand([
    "switchyard",
    "calibrate",
    "--load-test",
    options.loadTest,
    "--slo-ms",
    num(options.sloMs),
    ...(options.statistic === DEFAULT_CALIBRATE_STATISTIC ? [] : ["--statistic", options.statistic]),
    ...(options.keepUp === DEFAULT_KEEP_UP_PERCENT ? [] : ["--keep-up", num(options.keepUp)]),
    ...(options.limit === DEFAULT_CALIBRATE_LIMIT ? [] : ["--limit", options.limit]),
  ]);
  // Built as a YAML document so the library quotes every name and keeps every comment a
  // comment: a unit name from the CSV is data, whatever characters it has.
  const document = new Document({ units: [] as unknown[] });
  // On the top map, not the document: a document's own comment is followed by a blank line.
  (document.contents as YAMLMap).commentBefore = [
    ` ${command}`,
    ` Paste each unit's maxRps and latencyMs into its entry under services[].units (latencyMs: the ${options.statistic} at maxRps).`,
  ].join("\n");
  const units = document.get("units") as YAMLSeq;
  for (const r of results) {
    const { point } = r;
    if (point.verdict === "below-range") {
      const entry = document.createNode({ name: r.name });
      entry.commentBefore = ` ${r.name}: no breaking point: ${whyUnfinished(point, options)}`;
      units.add(entry);
      continue;
    }
    const entry = document.createNode({
      name: r.name,
      maxRps: Number(num(point.maxRps)),
      latencyMs: Number(num(point.latencyMs)),
    });
    if (point.verdict === "not-reached") {
      entry.commentBefore = ` ${r.name}: not reached: ${whyUnfinished(point, options)}; maxRps is only the highest rate tested`;
    }
    if (!point.withinSlo) {
      (entry.get("latencyMs", true) as Scalar).comment = ` over the ${num(options.sloMs)} ms SLO`;
    }
    units.add(entry);
  }
  return document.toString({ lineWidth: 0 });
}
