import { dirname, isAbsolute, join } from "node:path";
import {
  ConfigError,
  formatConfigIssues,
  type InferenceService,
  parseConfig,
  parseDuration,
  parseRfc3339,
  type RawIssue,
  type SwitchyardConfig,
  type ValidationResult,
  validateYaml,
} from "@switchyard/core";
import { z } from "zod";
import { type CloudWatchTrace, parseCloudWatchTrace, traceDemand } from "../demand/cloudwatch-trace.ts";
import { parseDemandCsv } from "../demand/demand-csv.ts";
import { againstConfig, isObject, seriesLength, serviceOf, traceCoverage } from "./referenced-checks.ts";
import { type ParsedDemand, type ParsedScenario, ScenarioSchema } from "./schema.ts";
import { offsetOf, scenarioIssues } from "./semantic-checks.ts";
import type { CapacityWindow, DemandShape, Scenario } from "./types.ts";

/** Reads a file the scenario names; throws (e.g. the CLI's InputFileError) when it cannot. */
type ReadText = (path: string) => Promise<string>;

/** The files a scenario points to, read before validation so their problems join its issue list. */
interface Referenced {
  readonly configSource: string | null;
  readonly config: SwitchyardConfig | null;
  readonly rpsByMinute: readonly number[] | null;
  readonly trace: CloudWatchTrace | null;
  readonly issues: RawIssue[];
}

/** A path in the scenario, resolved against the scenario file's folder. */
function besideScenario(scenarioSource: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(scenarioSource), path);
}

/**
 * Validates a scenario and the files it names (the config, a demand CSV), reporting every
 * problem at once with its path in the scenario and its line.
 */
export async function parseScenario(
  text: string,
  source: string,
  read: ReadText,
): Promise<ValidationResult<Scenario>> {
  const loose = validateYaml(text, z.unknown());
  const raw = loose.ok ? loose.value : undefined;
  const referenced = await readReferenced(raw, source, read);
  const result = validateYaml(text, ScenarioSchema, (document) => [
    ...scenarioIssues(document),
    ...referenced.issues,
    ...againstConfig(document, referenced.config),
    ...seriesLength(document, referenced.rpsByMinute),
    ...traceCoverage(document, referenced.trace),
  ]);
  if (!result.ok) {
    // validateYaml names the config's schema in its unknown-field message; point at the scenario's.
    return {
      ok: false,
      issues: result.issues.map((issue) => ({
        ...issue,
        message: issue.message.replace("schema/switchyard.schema.json", "schema/scenario.schema.json"),
      })),
    };
  }
  const { config, configSource } = referenced;
  if (config === null || configSource === null) {
    // Unreachable: a missing config is an issue above; kept so the types need no assertion.
    return { ok: false, issues: [{ path: "config", message: "could not be loaded" }] };
  }
  return {
    ok: true,
    value: resolveScenario(result.value, source, configSource, config, referenced),
  };
}

/** Like `parseScenario`, but reads the file and throws a `ConfigError` listing every issue. */
export async function loadScenario(source: string, read: ReadText): Promise<Scenario> {
  const result = await parseScenario(await read(source), source, read);
  if (!result.ok) {
    throw new ConfigError(formatConfigIssues(source, result.issues), { source, issues: result.issues });
  }
  return result.value;
}

async function readReferenced(raw: unknown, source: string, read: ReadText): Promise<Referenced> {
  const issues: RawIssue[] = [];
  const document = isObject(raw) ? raw : {};
  let config: SwitchyardConfig | null = null;
  let configSource: string | null = null;
  if (typeof document.config === "string" && document.config !== "") {
    configSource = besideScenario(source, document.config);
    const text = await readOrIssue(read, configSource, ["config"], issues);
    if (text !== null) {
      const parsed = parseConfig(text);
      if (parsed.ok) {
        config = parsed.value;
      } else {
        for (const issue of parsed.issues) {
          const where =
            issue.line === undefined ? configSource : `${configSource}:${issue.line}:${issue.column ?? 1}`;
          issues.push({
            path: ["config"],
            message: `names a config that is not valid: ${where} ${issue.path}: ${issue.message}`,
          });
        }
      }
    }
  }
  let rpsByMinute: readonly number[] | null = null;
  const demand = isObject(document.demand) ? document.demand : {};
  if (demand.shape === "csv" && typeof demand.file === "string" && demand.file !== "") {
    const path = besideScenario(source, demand.file);
    const text = await readOrIssue(read, path, ["demand", "file"], issues);
    if (text !== null) {
      const column =
        typeof demand.column === "string" || typeof demand.column === "number" ? demand.column : undefined;
      const csv = parseDemandCsv(text, column);
      if (csv.ok) {
        rpsByMinute = csv.rpsByMinute;
      } else {
        for (const problem of csv.problems) {
          issues.push({ path: ["demand", "file"], message: `${path} ${problem}` });
        }
      }
    }
  }
  let trace: CloudWatchTrace | null = null;
  if (demand.shape === "cloudwatch" && typeof demand.file === "string" && demand.file !== "") {
    const path = besideScenario(source, demand.file);
    const text = await readOrIssue(read, path, ["demand", "file"], issues);
    if (text !== null) {
      const series =
        typeof demand.series === "string" || typeof demand.series === "number" ? demand.series : undefined;
      const parsed = parseCloudWatchTrace(text, series);
      if (parsed.ok) {
        trace = parsed.value;
      } else {
        issues.push({ path: ["demand", "file"], message: `${path} ${parsed.problem}` });
      }
    }
  }
  return { configSource, config, rpsByMinute, trace, issues };
}

async function readOrIssue(
  read: ReadText,
  path: string,
  at: readonly PropertyKey[],
  issues: RawIssue[],
): Promise<string | null> {
  try {
    return await read(path);
  } catch (error) {
    issues.push({ path: at, message: error instanceof Error ? error.message : `cannot read ${path}` });
    return null;
  }
}

function resolveScenario(
  parsed: ParsedScenario,
  source: string,
  configSource: string,
  config: SwitchyardConfig,
  referenced: Referenced,
): Scenario {
  // The schema refused a start that is not an RFC 3339 time.
  const start = parseRfc3339(parsed.start) as number;
  const at = (instant: string): number => start + (offsetOf(instant, start) ?? 0);
  const ms = (duration: string): number => parseDuration(duration) ?? 0;
  const service = withUnitOverrides(serviceOf(config, parsed.service) as InferenceService, parsed.units);
  return {
    name: parsed.name,
    description: parsed.description ?? null,
    source,
    configSource,
    config: {
      ...config,
      services: config.services.map((s) => (s.name === service.name ? service : s)),
    },
    service,
    start,
    end: start + ms(parsed.duration),
    stepMs: ms(parsed.step),
    demand: demandShape(parsed.demand, start, start + ms(parsed.duration), at, ms, referenced),
    noise: { percent: parsed.demand.noisePercent, seed: parsed.demand.seed },
    capacity: parsed.capacity.flatMap((event): CapacityWindow[] => {
      const from = at(event.from);
      const length = at(event.to) - from;
      const times = event.repeat?.times ?? 1;
      const every = event.repeat === undefined ? 0 : ms(event.repeat.every);
      // EC2 warns a Spot instance two minutes before it takes it (EC2 User Guide, "Spot
      // Instance interruption notices"): the default for a window that takes pods.
      const warningLeadMs =
        !event.podsLost || event.warning === "none" ? null : ms(event.warning ?? DEFAULT_WARNING);
      return Array.from({ length: times }, (_, i) => ({
        instanceType: event.instanceType,
        from: from + i * every,
        to: from + i * every + length,
        podsLost: event.podsLost,
        zone: event.zone ?? null,
        capacityType: event.capacityType ?? null,
        warningLeadMs,
      }));
    }),
    podStartup: {
      defaultMs: ms(parsed.podStartup.default),
      byInstanceType: Object.fromEntries(
        Object.entries(parsed.podStartup.instanceTypes).map(([type, value]) => [type, ms(value)]),
      ),
    },
    seedReference:
      parsed.seedReference === undefined
        ? null
        : {
            weights: parsed.seedReference.weighted.weights,
            weightedTargets: parsed.seedReference.weighted.targets,
            equalTargets: parsed.seedReference.equal.targets,
          },
    latency: parsed.latency,
    keda: {
      pollingMs: ms(parsed.keda.pollingInterval),
      metricWindowMs: ms(parsed.keda.metricWindow),
      tolerance: parsed.keda.tolerance,
      scaleDownStabilizationMs: ms(parsed.keda.scaleDownStabilization),
      ignoreNullValues: parsed.keda.ignoreNullValues,
    },
    alb: { ruleLagMs: ms(parsed.alb.ruleLag) },
    karpenter: {
      offeringCacheMs: ms(parsed.karpenter.offeringCache),
      cloudTrailDelayMs: ms(parsed.karpenter.cloudTrailDelay),
    },
    cloudwatch: {
      publishDelayMs: ms(parsed.cloudwatch.publishDelay),
      gaps: parsed.cloudwatch.gaps.map((gap) => ({ from: at(gap.from), to: at(gap.to) })),
    },
  };
}

/** How long before a Spot reclaim EC2 sends the interruption warning. */
const DEFAULT_WARNING = "2m";

/** The service with the scenario's per-unit capacity types and zones in place of the config's. */
function withUnitOverrides(service: InferenceService, overrides: ParsedScenario["units"]): InferenceService {
  if (Object.keys(overrides).length === 0) {
    return service;
  }
  return {
    ...service,
    units: service.units.map((unit) => {
      const override = overrides[unit.name];
      if (override === undefined) {
        return unit;
      }
      const given = override.capacityType;
      const types =
        given === undefined
          ? undefined
          : (["spot", "on-demand"] as const).filter((t) =>
              (typeof given === "string" ? [given] : given).includes(t),
            );
      return {
        ...unit,
        ...(types === undefined ? {} : { capacityTypes: types }),
        ...(override.zones === undefined ? {} : { zones: override.zones }),
      };
    }),
  };
}

function demandShape(
  demand: ParsedDemand,
  start: number,
  end: number,
  at: (instant: string) => number,
  ms: (duration: string) => number,
  { rpsByMinute, trace }: Referenced,
): DemandShape {
  switch (demand.shape) {
    case "constant":
      return { kind: "constant", rps: demand.rps };
    case "cosine": {
      const periodMs = ms(demand.period);
      return {
        kind: "cosine",
        min: demand.min,
        max: demand.max,
        periodMs,
        peakAt: demand.peakAt === undefined ? start + periodMs / 2 : at(demand.peakAt),
      };
    }
    case "steps":
      return { kind: "steps", steps: demand.steps.map((step) => ({ at: at(step.from), rps: step.rps })) };
    case "csv":
      return { kind: "series", rpsByMinute: rpsByMinute ?? [], file: demand.file };
    case "cloudwatch": {
      const laid = trace === null ? null : traceDemand(trace, start, end, demand.align);
      if (trace === null || laid === null || !laid.ok) {
        // Unreachable: an unreadable or short trace is an issue above.
        return { kind: "series", rpsByMinute: [], file: demand.file };
      }
      return {
        kind: "series",
        rpsByMinute: laid.value.rpsByMinute,
        file: demand.file,
        trace: {
          format: trace.format,
          label: trace.label,
          periodSeconds: trace.periodSeconds,
          datapoints: trace.points.length,
          emptyMinutes: laid.value.emptyMinutes,
          traceStart: laid.value.traceStart,
        },
      };
    }
  }
}
