import { executionNameStem } from "../workflow/execution-name.ts";
import { formatIssuePath } from "./issue-path.ts";

/** Maximum target groups in one ALB forward action (ELBv2 quota, not adjustable). */
export const MAX_UNITS_PER_SERVICE = 5;

export interface RawIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Raw = Record<string, unknown>;

/**
 * Why `minReplicaCount: 0` is refused. KEDA takes a unit at zero pods back to one only when
 * a trigger is active (`scaleFromZeroOrIdle`, pkg/scaling/executor/scale_scaledobjects.go,
 * KEDA 2.18-2.20), and the unit's trigger reads its own target group's RequestCount. At
 * zero pods that target group has no registered target: the ALB answers its share with 503
 * itself, and RequestCount "is only incremented for requests where the load balancer node
 * was able to choose a target" (the ALB guide's CloudWatch metrics page), so the metric
 * stays at minMetricValue and the unit never wakes. A wake-up path needs a trigger Switchyard
 * does not write (one counted at the load balancer or at another unit's target group) or
 * KEDA 2.18's `autoscaling.keda.sh/force-activation`, which Switchyard does not set.
 */
const SCALE_TO_ZERO_REFUSED =
  "0 lets KEDA scale this unit to zero pods, and it could never wake up: with no pod behind its target group the ALB answers that share with 503 itself and does not count it in RequestCount, so the unit's own trigger never becomes active (KEDA scales from zero only on an active trigger). Set minReplicaCount: 1 or more (a unit the plan does not need gets weight 0 and keeps its one pod)";

const isObject = (value: unknown): value is Raw =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const stringOf = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/**
 * Rules across fields that a schema cannot express. They run on the raw document even
 * when the schema found problems, so one pass reports every error in the file.
 */
export function semanticIssues(document: unknown): RawIssue[] {
  if (!isObject(document)) {
    return [];
  }
  const issues: RawIssue[] = [];
  const serviceNames = nameEntries(listOf(document.services), ["services"]);
  issues.push(...duplicates(serviceNames, "service name"));
  issues.push(...executionNameClashes(serviceNames));
  issues.push(...policyIssues(document.policy, ["policy"]));
  listOf(document.services).forEach((service, index) => {
    if (isObject(service)) {
      issues.push(...serviceIssues(service, ["services", index]));
    }
  });
  issues.push(...sharedActions(listOf(document.services)));
  return issues;
}

/**
 * Two services on one Ingress action would each write the whole action with their own
 * units, every evaluation undoing the other's routing. (The namespace defaults to
 * `default`, as the schema fills it.)
 */
function sharedActions(services: readonly unknown[]): RawIssue[] {
  const entries = services.map((service, index) => {
    if (!isObject(service)) {
      return undefined;
    }
    const ingress = stringOf(service.ingress);
    const action = stringOf(service.action);
    if (ingress === undefined || action === undefined) {
      return undefined;
    }
    const namespace = stringOf(service.namespace) ?? "default";
    return { value: `${namespace}/${ingress} action ${action}`, path: ["services", index, "action"] };
  });
  return duplicates(entries, "Ingress action").map((issue) => ({
    ...issue,
    message: `${issue.message.replace(/; each must be unique$/, "")}: two services would each rewrite the whole action with their own units; give each service its own action (alb.ingress.kubernetes.io/actions.<name>) or make them one service`,
  }));
}

function serviceIssues(service: Raw, at: readonly PropertyKey[]): RawIssue[] {
  const issues: RawIssue[] = [];
  const units = listOf(service.units);
  if (units.length > MAX_UNITS_PER_SERVICE) {
    issues.push({
      path: [...at, "units"],
      message: `lists ${units.length} units; an ALB forward action takes at most ${MAX_UNITS_PER_SERVICE} target groups — split the units across two services (two Ingress actions) or drop ${units.length - MAX_UNITS_PER_SERVICE}`,
    });
  }
  const nameIssues = duplicates(nameEntries(units, [...at, "units"]), "unit name");
  issues.push(...nameIssues);
  // A Service or ScaledObject name defaulted from a repeated unit name is that same mistake.
  const repeated = new Set(nameIssues.map((issue) => issue.path[at.length + 1]));
  const named = units.map((unit, index) => (repeated.has(index) ? undefined : unit));
  issues.push(...duplicates(refEntries(named, units, [...at, "units"], "service"), "Service"));
  issues.push(...duplicates(refEntries(named, units, [...at, "units"], "scaledObject"), "ScaledObject"));
  units.forEach((unit, index) => {
    if (!isObject(unit)) {
      return;
    }
    issues.push(
      ...duplicates(
        listOf(unit.instanceTypes).map((type, i) =>
          typeof type === "string"
            ? { value: type, path: [...at, "units", index, "instanceTypes", i] }
            : undefined,
        ),
        "instance type",
      ).map((issue) => ({
        ...issue,
        message: issue.message.replace(/each must be unique$/, "list it once"),
      })),
    );
    const min = unit.minReplicaCount ?? 1;
    const max = unit.maxReplicaCount ?? 100;
    if (min === 0) {
      issues.push({ path: [...at, "units", index, "minReplicaCount"], message: SCALE_TO_ZERO_REFUSED });
    }
    if (typeof min === "number" && typeof max === "number" && min > max) {
      issues.push({
        path: [...at, "units", index, "minReplicaCount"],
        message: `${min} is above maxReplicaCount ${max}; set minReplicaCount <= maxReplicaCount as in the ScaledObject`,
      });
    }
    issues.push(...capacityIssues(unit, [...at, "units", index]));
  });
  const consolidated = isObject(service.consolidatedService)
    ? stringOf(service.consolidatedService.name)
    : undefined;
  if (consolidated !== undefined) {
    units.forEach((unit, index) => {
      const unitService = isObject(unit) && isObject(unit.service) ? stringOf(unit.service.name) : undefined;
      if ((unitService ?? (isObject(unit) ? stringOf(unit.name) : undefined)) === consolidated) {
        issues.push({
          path: [...at, "consolidatedService", "name"],
          message: `"${consolidated}" is also the Service of units[${index}]; the consolidated Service must select every unit's pods, so give it its own name`,
        });
      }
    });
  }
  issues.push(...fixedWeightIssues(service.fixedWeights, units, [...at, "fixedWeights"]));
  issues.push(...policyIssues(service.policy, [...at, "policy"]));
  return issues;
}

/** Zones listed twice, and an on-demand price for a unit that never launches on-demand. */
function capacityIssues(unit: Raw, at: readonly PropertyKey[]): RawIssue[] {
  const issues: RawIssue[] = [];
  const zones = listOf(unit.zones);
  zones.forEach((zone, index) => {
    if (typeof zone === "string" && zones.indexOf(zone) < index) {
      issues.push({
        path: [...at, "zones", index],
        message: `duplicate Availability Zone "${zone}": zones[${zones.indexOf(zone)}] has it already; list each zone once`,
      });
    }
  });
  const types = typeof unit.capacityType === "string" ? [unit.capacityType] : listOf(unit.capacityType);
  if (unit.onDemandHourlyPrice !== undefined && !(types.includes("spot") && types.includes("on-demand"))) {
    issues.push({
      path: [...at, "onDemandHourlyPrice"],
      message:
        "is the price of the on-demand pods of a unit that prefers Spot and may fall back; set capacityType: [spot, on-demand], or drop onDemandHourlyPrice and put the price in hourlyPrice",
    });
  }
  return issues;
}

function fixedWeightIssues(
  weights: unknown,
  units: readonly unknown[],
  at: readonly PropertyKey[],
): RawIssue[] {
  if (!isObject(weights)) {
    return [];
  }
  const known = units.filter(isObject).map((u) => stringOf(u.name));
  const issues: RawIssue[] = [];
  for (const name of Object.keys(weights)) {
    if (!known.includes(name)) {
      issues.push({
        path: [...at, name],
        message: `names no unit of this service; units are ${known.filter((n) => n !== undefined).join(", ") || "(none)"}`,
      });
    }
  }
  const values = Object.values(weights);
  if (values.length > 0 && values.every((w) => w === 0)) {
    issues.push({ path: at, message: "gives every unit weight 0; at least one unit must carry traffic" });
  }
  return issues;
}

function policyIssues(policy: unknown, at: readonly PropertyKey[]): RawIssue[] {
  if (!isObject(policy)) {
    return [];
  }
  const k = policy.latencyBreachMinutes;
  const m = policy.latencyWindowMinutes;
  if (typeof k === "number" && typeof m === "number" && k > m) {
    return [
      {
        path: [...at, "latencyBreachMinutes"],
        message: `${k} minutes cannot be found in a window of latencyWindowMinutes ${m}; make it at most ${m}`,
      },
    ];
  }
  return [];
}

/**
 * Execution names carry the service's name, cut and hashed past 49 characters (see
 * executionNameStem): two services whose names still meet there would share every
 * execution name, and the second would never switch.
 */
function executionNameClashes(services: readonly (NamedEntry | undefined)[]): RawIssue[] {
  const stems = new Map<string, NamedEntry>();
  const issues: RawIssue[] = [];
  for (const entry of services) {
    if (entry === undefined) {
      continue;
    }
    const stem = executionNameStem(entry.value);
    const first = stems.get(stem);
    if (first === undefined) {
      stems.set(stem, entry);
    } else if (first.value !== entry.value) {
      issues.push({
        path: entry.path,
        message: `"${entry.value}" gives the same execution names (${stem}-<move>-<minute>) as ${formatIssuePath(first.path)} "${first.value}"; Step Functions would refuse this service's switches as already started — shorten one name or change its first 49 characters`,
      });
    }
  }
  return issues;
}

interface NamedEntry {
  readonly value: string;
  readonly path: readonly PropertyKey[];
}

/** One issue per repeated value, pointing at the later entry and naming the first. */
function duplicates(entries: readonly (NamedEntry | undefined)[], what: string): RawIssue[] {
  const firstSeen = new Map<string, NamedEntry>();
  const issues: RawIssue[] = [];
  for (const entry of entries) {
    if (entry === undefined) {
      continue;
    }
    const first = firstSeen.get(entry.value);
    if (first === undefined) {
      firstSeen.set(entry.value, entry);
    } else {
      issues.push({
        path: entry.path,
        message: `duplicate ${what} "${entry.value}": ${formatIssuePath(first.path)} has it already; each must be unique`,
      });
    }
  }
  return issues;
}

function nameEntries(items: readonly unknown[], at: readonly PropertyKey[]): (NamedEntry | undefined)[] {
  return items.map((item, index) => {
    const value = isObject(item) ? stringOf(item.name) : undefined;
    return value === undefined ? undefined : { value, path: [...at, index, "name"] };
  });
}

/**
 * Entries for `unit[field].name`, which defaults to the unit's name. `named[i]` is
 * undefined for a unit whose name repeats an earlier one: its defaulted names are skipped.
 */
function refEntries(
  named: readonly unknown[],
  units: readonly unknown[],
  at: readonly PropertyKey[],
  field: "service" | "scaledObject",
): (NamedEntry | undefined)[] {
  return units.map((unit, index) => {
    if (!isObject(unit)) {
      return undefined;
    }
    const explicit = isObject(unit[field]) ? stringOf((unit[field] as Raw).name) : undefined;
    const value = explicit ?? (named[index] === undefined ? undefined : stringOf(unit.name));
    if (value === undefined) {
      return undefined;
    }
    const path = explicit === undefined ? [...at, index, "name"] : [...at, index, field, "name"];
    return { value, path };
  });
}
