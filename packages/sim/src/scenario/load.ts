import { dirname, isAbsolute, join } from "node:path";
import {
  ConfigError,
  formatConfigIssues,
  type InferenceService,
  MINUTE,
  parseConfig,
  parseDuration,
  parseRfc3339,
  type RawIssue,
  type SwitchyardConfig,
  type ValidationResult,
  validateYaml,
} from "@switchyard/core";
import { z } from "zod";
import {
  type CloudWatchTrace,
  parseCloudWatchTrace,
  type TraceAlignment,
  traceDemand,
} from "../demand/cloudwatch-trace.ts";
import { parseDemandCsv } from "../demand/demand-csv.ts";
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

/** The service the scenario replays: the one named, else the config's first. */
function serviceOf(config: SwitchyardConfig, name: unknown): InferenceService | undefined {
  return typeof name === "string" ? config.services.find((s) => s.name === name) : config.services[0];
}

/** Checks that need the config: the service exists, and named instance types are its units'. */
function againstConfig(document: unknown, config: SwitchyardConfig | null): RawIssue[] {
  if (!isObject(document) || config === null) {
    return [];
  }
  const service = serviceOf(config, document.service);
  if (service === undefined) {
    return [
      {
        path: ["service"],
        message: `names no service of the config; it has ${config.services.map((s) => s.name).join(", ")}`,
      },
    ];
  }
  const types = [...new Set(service.units.flatMap((unit) => unit.instanceTypes))];
  const unknownType = (type: unknown) => typeof type === "string" && !types.includes(type);
  const explain = `no unit of service ${service.name} runs on it; its units use ${types.join(", ")}`;
  const issues: RawIssue[] = [];
  listOf(document.capacity).forEach((event, index) => {
    if (isObject(event) && unknownType(event.instanceType)) {
      issues.push({
        path: ["capacity", index, "instanceType"],
        message: `${String(event.instanceType)}: ${explain}`,
      });
    }
  });
  issues.push(...seedReferenceIssues(document.seedReference, service));
  issues.push(...unitOverrideIssues(document, service));
  const startup = isObject(document.podStartup) ? document.podStartup : {};
  const byType = isObject(startup.instanceTypes) ? startup.instanceTypes : {};
  for (const type of Object.keys(byType)) {
    if (unknownType(type)) {
      issues.push({ path: ["podStartup", "instanceTypes", type], message: explain });
    }
  }
  return issues;
}

/**
 * `units` names units of the service; a window's zone is one some unit of its instance
 * type spreads over (else it would affect nothing); warnings only come with lost pods.
 */
function unitOverrideIssues(document: Raw, service: InferenceService): RawIssue[] {
  const issues: RawIssue[] = [];
  const overrides = isObject(document.units) ? document.units : {};
  const names = service.units.map((unit) => unit.name);
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name)) {
      issues.push({
        path: ["units", name],
        message: `names no unit of service ${service.name}; its units are ${names.join(", ")}`,
      });
    }
  }
  const zonesOf = (unit: InferenceService["units"][number]): readonly unknown[] => {
    const override = overrides[unit.name];
    return isObject(override) && Array.isArray(override.zones) ? override.zones : (unit.zones ?? []);
  };
  listOf(document.capacity).forEach((event, index) => {
    if (!isObject(event)) {
      return;
    }
    if (typeof event.zone === "string") {
      const zone = event.zone;
      const spread = service.units.filter(
        (unit) => unit.instanceTypes.includes(String(event.instanceType)) && zonesOf(unit).includes(zone),
      );
      if (spread.length === 0) {
        issues.push({
          path: ["capacity", index, "zone"],
          message: `${zone}: no unit on ${String(event.instanceType)} lists this zone, so the window would affect nothing; add it to the unit's zones (in the config, or under units: in this scenario)`,
        });
      }
    }
    if (event.warning !== undefined && event.podsLost !== true) {
      issues.push({
        path: ["capacity", index, "warning"],
        message:
          "is the Spot interruption warning before running pods are lost: set podsLost: true, or drop warning",
      });
    }
  });
  return issues;
}

/** The seed's manifests name every unit of the service, and only those; one weight must be above 0. */
function seedReferenceIssues(block: unknown, service: InferenceService): RawIssue[] {
  if (!isObject(block)) {
    return [];
  }
  const names = service.units.map((unit) => unit.name);
  const issues: RawIssue[] = [];
  const maps: [readonly string[], unknown][] = [
    [["weighted", "weights"], isObject(block.weighted) ? block.weighted.weights : undefined],
    [["weighted", "targets"], isObject(block.weighted) ? block.weighted.targets : undefined],
    [["equal", "targets"], isObject(block.equal) ? block.equal.targets : undefined],
  ];
  for (const [at, map] of maps) {
    if (!isObject(map)) {
      continue;
    }
    for (const key of Object.keys(map)) {
      if (!names.includes(key)) {
        issues.push({
          path: ["seedReference", ...at, key],
          message: `names no unit of service ${service.name}; its units are ${names.join(", ")}`,
        });
      }
    }
    const missing = names.filter((name) => !(name in map));
    if (missing.length > 0) {
      issues.push({
        path: ["seedReference", ...at],
        message: `must give every unit of service ${service.name} a value, as the seed's manifests do; missing ${missing.join(", ")}`,
      });
    }
  }
  const weights =
    isObject(block.weighted) && isObject(block.weighted.weights) ? block.weighted.weights : null;
  if (weights !== null && Object.values(weights).every((w) => w === 0)) {
    issues.push({
      path: ["seedReference", "weighted", "weights"],
      message:
        "must give at least one unit a weight above 0: an ALB forward action needs somewhere to send traffic",
    });
  }
  return issues;
}

/** A CSV must cover the run: guessing demand past its end would make results up. */
function seriesLength(document: unknown, rpsByMinute: readonly number[] | null): RawIssue[] {
  if (!isObject(document) || rpsByMinute === null || typeof document.duration !== "string") {
    return [];
  }
  const minutes = Math.ceil((parseDuration(document.duration) ?? 0) / MINUTE);
  return rpsByMinute.length >= minutes
    ? []
    : [
        {
          path: ["demand", "file"],
          message: `has ${rpsByMinute.length} rows of requests/s but the run lasts ${minutes} minutes: one row per minute is needed`,
        },
      ];
}

/** The run's span, when its start and duration are valid (else the schema reports them). */
function runSpan(document: Raw): { start: number; end: number } | null {
  const start = typeof document.start === "string" ? parseRfc3339(document.start) : null;
  const length = typeof document.duration === "string" ? parseDuration(document.duration) : null;
  return start !== null && length !== null && length > 0 ? { start, end: start + length } : null;
}

function alignmentOf(document: Raw): TraceAlignment {
  const demand = isObject(document.demand) ? document.demand : {};
  return demand.align === "wall-clock" ? "wall-clock" : "first-datapoint";
}

/** A recorded trace must cover the run: replaying past its end would make demand up. */
function traceCoverage(document: unknown, trace: CloudWatchTrace | null): RawIssue[] {
  const span = isObject(document) ? runSpan(document) : null;
  if (!isObject(document) || trace === null || span === null) {
    return [];
  }
  const laid = traceDemand(trace, span.start, span.end, alignmentOf(document));
  return laid.ok ? [] : [{ path: ["demand", "file"], message: laid.problem }];
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

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
