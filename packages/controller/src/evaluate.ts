import {
  type CapacitySignal,
  type EpochMs,
  floorWrites,
  type InferenceService,
  type LaunchBlock,
  MINUTE,
  type NodeCell,
  type SpotInterruption,
  type SwitchyardConfig,
  signalWindowMinutes,
  type TrailCoverage,
  trailMissingMessage,
} from "@switchyard/core";
import type {
  CapacitySignalRecorder,
  Clock,
  ClusterGateway,
  DemandHistoryReader,
  InstanceTypeResolver,
  LoadBalancerLocator,
  MetricsReader,
  NodePlacementReader,
  ServiceTargets,
  SwitchStarter,
  TrailCoverageReader,
} from "@switchyard/core/ports";
import { EvaluationError, evaluationFailures } from "./errors.ts";
import { scopedToCluster } from "./event-scope.ts";
import { applyReplicaFloors, readDemandHistories } from "./forecast-floors.ts";
import { type ControllerLogger, silentLogger } from "./logger.ts";
import { evaluateService, type ServiceEvaluation } from "./service-evaluation.ts";

/** ALB metrics of the newest minutes are incomplete; the window ends this long before now. */
const METRICS_LAG_MS = 2 * MINUTE;

/** What caused this evaluation, as the handler read it from the EventBridge event. */
export interface EvaluationCause {
  readonly trigger: "schedule" | "cloudtrail" | "spot-interruption";
  /** Capacity errors carried by a CloudTrail event: they count at once. */
  readonly capacitySignals: readonly CapacitySignal[];
  /** A Spot interruption warning: its instance's type counts as a capacity signal (when it is this cluster's node). */
  readonly spotInterruption?: SpotInterruption;
  /** Quota, subnet and offering refusals a CloudTrail event carries: alerted, never a capacity signal. */
  readonly launchBlocks?: readonly LaunchBlock[];
  /** The Region the event came from (CloudTrail's awsRegion, else the envelope's); null for none. */
  readonly region?: string | null;
  /**
   * The triggering event's own time (EventBridge's `time`), the same on every delivery of
   * it: a move it starts is named for that minute, so the same event delivered again a
   * minute later (a Lambda retry), before ListExecutions lists the first run, finds the
   * name taken instead of starting a second switch. Unset for the schedule.
   */
  readonly eventAt?: EpochMs;
}

export interface EvaluationDeps {
  readonly clock: Clock;
  readonly metrics: MetricsReader;
  readonly recorder: CapacitySignalRecorder;
  readonly instanceTypes: InstanceTypeResolver;
  /**
   * Where the nodes of zoned Spot units stand (DescribeInstances); without it their pods
   * are taken as spread evenly over their zones.
   */
  readonly placement?: NodePlacementReader;
  readonly cluster: ClusterGateway;
  readonly locator: LoadBalancerLocator;
  readonly switches: SwitchStarter;
  /** Whether the CloudTrail capacity rules can fire at all (the deployed evaluate has it; the simulator not). */
  readonly trail?: TrailCoverageReader;
  /** The target groups' RequestCount history for the forecast floor; without it, no service forecasts. */
  readonly history?: DemandHistoryReader;
  readonly logger?: ControllerLogger;
}

export interface EvaluationReport {
  readonly at: EpochMs;
  readonly trigger: EvaluationCause["trigger"];
  /** Signals this evaluation recorded for the next ones to read back. */
  readonly recorded: readonly CapacitySignal[];
  /** Signals PutMetricData refused this time: the recorder writes them with its next record. */
  readonly unrecorded: readonly CapacitySignal[];
  /**
   * Launches EC2 refused for a quota, subnet or offering reason: no reason to move
   * traffic (every unit launches under the same quota and subnets), a reason to alert.
   */
  readonly launchBlocks: readonly LaunchBlock[];
  /** Why the triggering event's signals were not counted (another Region, another cluster's instance). */
  readonly ignored: readonly string[];
  /** Whether a CloudTrail trail delivers the capacity rules' events in the cluster's Region; null when not checked. */
  readonly trail: TrailCoverage | null;
  readonly services: readonly ServiceEvaluation[];
}

/**
 * One evaluation, as the evaluate Lambda runs it every minute and on capacity events:
 * record the event's capacity signals, read every service's signals in one metrics
 * call, decide per service, and start at most one mode switch per service. A service
 * that cannot be evaluated does not stop the others; the failures are thrown together
 * at the end (with their causes), after the others' switches have started.
 */
export async function evaluate(
  config: SwitchyardConfig,
  cause: EvaluationCause,
  deps: EvaluationDeps,
): Promise<EvaluationReport> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock.now();
  const scoped = await scopedToCluster(config, cause, deps, log);
  const { triggerSignals, launchBlocks, ignored } = scoped;
  for (const block of launchBlocks) {
    // Not a capacity signal: a quota or a full subnet holds every unit alike.
    log.warn("launch blocked", { ...block });
  }
  const trail = deps.trail === undefined ? null : await deps.trail.coverage(config.cluster.region);
  if (trail?.kind === "missing") {
    log.error("capacity rules cannot fire", { region: trail.region, message: trailMissingMessage(trail) });
  } else if (trail?.kind === "unknown") {
    log.warn("trail check failed", { region: trail.region, reason: trail.reason });
  }

  // Recorded after the decisions, which count the event's signals at once: a CloudWatch
  // fault must not drop a failover. The recorder keeps what it could not write for its
  // next call (the next evaluation), so later evaluations still read these signals back;
  // they are recorded even when reading the metrics failed.
  let decided: Decided;
  let recorded = false;
  try {
    decided = await decideServices(config, now, cause.eventAt, triggerSignals, deps, log);
  } finally {
    recorded = await recordSignals(triggerSignals, deps.recorder, log);
  }
  const { services, failures } = decided;
  if (failures.length > 0) {
    log.error("evaluation failed", {
      failures: failures.map((f) => ({ service: f.service, error: f.error })),
    });
    throw new EvaluationError(evaluationFailures(failures), { failures });
  }
  return {
    at: now,
    trigger: cause.trigger,
    recorded: recorded ? triggerSignals : [],
    unrecorded: recorded ? [] : triggerSignals,
    launchBlocks,
    ignored,
    trail,
    services,
  };
}

interface Decided {
  readonly services: readonly ServiceEvaluation[];
  readonly failures: readonly { readonly service: string; readonly error: unknown }[];
}

/** Reads every service's signals in one metrics call, decides per service and starts its move. */
async function decideServices(
  config: SwitchyardConfig,
  now: EpochMs,
  eventAt: EpochMs | undefined,
  triggerSignals: readonly CapacitySignal[],
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<Decided> {
  const failures: { service: string; error: unknown }[] = [];
  const located: { service: InferenceService; targets: ServiceTargets }[] = [];
  for (const service of config.services) {
    try {
      located.push({ service, targets: await targetsOf(service, deps.locator) });
    } catch (error) {
      failures.push({ service: service.name, error });
    }
  }

  const windowMinutes = Math.max(...config.services.map((s) => signalWindowMinutes(s.policy)));
  const end = Math.floor((now - METRICS_LAG_MS) / MINUTE) * MINUTE;
  const start = end - windowMinutes * MINUTE;
  const instanceTypes = [
    ...new Set(config.services.flatMap((s) => s.units.flatMap((u) => u.instanceTypes))),
  ].sort();
  // One read for every service: a failure here means no decision anywhere (no switch on blind data).
  const detailedTypes = detailedTypesOf(config);
  const metrics = await deps.metrics.read({
    services: located.map((l) => l.targets),
    instanceTypes,
    ...(detailedTypes.length === 0 ? {} : { detailedTypes }),
    start,
    end,
  });
  const karpenter = await deps.cluster.capacityEvents(now - windowMinutes * MINUTE);
  const histories = await readDemandHistories(located, deps.history, now, METRICS_LAG_MS);
  const nodes = await nodeCells(config, deps, log);

  const services: ServiceEvaluation[] = [];
  for (const { service } of located) {
    try {
      const observed = {
        now,
        metrics,
        karpenter,
        triggerSignals,
        nodes,
        nameAt: nameMinuteOf(eventAt, now),
        history: histories[service.name] ?? null,
      };
      const evaluation = await evaluateService(service, observed, deps, log);
      services.push(evaluation);
      // After the move started: a floor that cannot be written never holds back a failover.
      // The forecast's floors act in forecast-and-scale unless pinned; a lifted hold's
      // floor is kept through its window and the owner's value put back after it in every
      // forecast mode (the release step raised it: it is the tail of that switch).
      const floors = evaluation.floors;
      const acting = floors?.acts === true && evaluation.decision.kind !== "pinned" ? floors : null;
      const writes = floorWrites(service, acting, evaluation.scaledObjects, now);
      if (writes.length > 0) {
        try {
          services[services.length - 1] = {
            ...evaluation,
            floorChanges: await applyReplicaFloors(
              service,
              writes,
              evaluation.scaledObjects,
              deps.cluster,
              log,
            ),
          };
        } catch (error) {
          failures.push({ service: service.name, error });
        }
      }
    } catch (error) {
      failures.push({ service: service.name, error });
    }
  }
  return { services, failures };
}

/**
 * Records the event's signals (and any an earlier call could not write: the recorder keeps
 * them) without ever failing the evaluation: false when this call failed, logged.
 */
async function recordSignals(
  signals: readonly CapacitySignal[],
  recorder: CapacitySignalRecorder,
  log: ControllerLogger,
): Promise<boolean> {
  try {
    await recorder.record(signals);
    if (signals.length > 0) {
      log.info("capacity signals recorded", { signals });
    }
    return true;
  } catch (error) {
    log.error("capacity signals not recorded; kept for the next evaluation", { signals, error });
    return false;
  }
}

/**
 * The minute an execution is named for: the triggering event's, when there is one and it
 * is not in the future (a skewed clock), else now. A schedule's evaluations are named for
 * their own minute, as before.
 */
function nameMinuteOf(eventAt: EpochMs | undefined, now: EpochMs): EpochMs {
  return eventAt !== undefined && Number.isFinite(eventAt) && eventAt <= now ? eventAt : now;
}

/**
 * The instance types of units on Spot or with zones, with every zone listed for them: their
 * recorded capacity errors are read back with capacity type and zone.
 */
function detailedTypesOf(config: SwitchyardConfig): { instanceType: string; zones: string[] }[] {
  const zones = new Map<string, Set<string>>();
  for (const unit of config.services.flatMap((s) => s.units)) {
    if (unit.capacityTypes?.includes("spot") !== true && unit.zones === undefined) continue;
    for (const type of unit.instanceTypes) {
      const known = zones.get(type) ?? new Set<string>();
      for (const zone of unit.zones ?? []) known.add(zone);
      zones.set(type, known);
    }
  }
  return [...zones.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([instanceType, set]) => ({ instanceType, zones: [...set].sort() }));
}

/**
 * The cluster's running nodes of its zoned Spot units' instance types, by zone and
 * capacity type; undefined when no unit is both, no reader is given, or the read fails
 * (logged: the decision then takes an even spread, as before it was read).
 */
async function nodeCells(
  config: SwitchyardConfig,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<readonly NodeCell[] | undefined> {
  const types = [
    ...new Set(
      config.services
        .flatMap((s) => s.units)
        .filter((u) => u.zones !== undefined && u.capacityTypes?.includes("spot") === true)
        .flatMap((u) => u.instanceTypes),
    ),
  ].sort();
  if (types.length === 0 || deps.placement === undefined) {
    return undefined;
  }
  try {
    return await deps.placement.nodeCells(config.cluster.name, types);
  } catch (error) {
    log.warn("node placement not read; zoned Spot units taken as spread evenly", {
      instanceTypes: types,
      error,
    });
    return undefined;
  }
}

async function targetsOf(service: InferenceService, locator: LoadBalancerLocator): Promise<ServiceTargets> {
  const lb = await locator.locate(service);
  return {
    service: service.name,
    loadBalancer: lb.loadBalancerDimension,
    targetGroups: Object.fromEntries(
      service.units.map((unit) => [unit.name, lb.targetGroups[unit.service.name]?.dimension ?? null]),
    ),
    consolidatedTargetGroup:
      service.consolidatedService === undefined
        ? null
        : (lb.targetGroups[service.consolidatedService.name]?.dimension ?? null),
    latencyStatistic: service.slo.statistic,
  };
}
