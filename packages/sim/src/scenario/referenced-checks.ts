import {
  type InferenceService,
  MINUTE,
  parseDuration,
  parseRfc3339,
  type RawIssue,
  type SwitchyardConfig,
} from "@switchyard/core";
import { type CloudWatchTrace, type TraceAlignment, traceDemand } from "../demand/cloudwatch-trace.ts";

/** Checks of a scenario against the files it names: the config's service, units, instance types and zones, and demand files that cover the run. */

/** The service the scenario replays: the one named, else the config's first. */
export function serviceOf(config: SwitchyardConfig, name: unknown): InferenceService | undefined {
  return typeof name === "string" ? config.services.find((s) => s.name === name) : config.services[0];
}

/** Checks that need the config: the service exists, and named instance types are its units'. */
export function againstConfig(document: unknown, config: SwitchyardConfig | null): RawIssue[] {
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
export function seriesLength(document: unknown, rpsByMinute: readonly number[] | null): RawIssue[] {
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
export function traceCoverage(document: unknown, trace: CloudWatchTrace | null): RawIssue[] {
  const span = isObject(document) ? runSpan(document) : null;
  if (!isObject(document) || trace === null || span === null) {
    return [];
  }
  const laid = traceDemand(trace, span.start, span.end, alignmentOf(document));
  return laid.ok ? [] : [{ path: ["demand", "file"], message: laid.problem }];
}

type Raw = Record<string, unknown>;

export function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
