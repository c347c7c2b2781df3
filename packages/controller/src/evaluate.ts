import {
  answersNewLoss,
  type CapacitySignal,
  type Decision,
  type DemandHistory,
  decide,
  type EpochMs,
  floorWrites,
  type InferenceService,
  instanceClusterOf,
  isInstanceId,
  isMove,
  type LaunchBlock,
  longestSwitchMs,
  lossStartedAt,
  MINUTE,
  type MoveDecision,
  type NodeCell,
  type ReplicaFloors,
  replicaFloors,
  type ScaledObjectState,
  type SpotInterruption,
  type SwitchRecord,
  type SwitchyardConfig,
  SwitchyardError,
  serviceStateFrom,
  signalWindowMinutes,
  spotInterruptionSignal,
  switchToWaitFor,
  type TrailCoverage,
  trailMissingMessage,
  urgentMovesSuperseded,
} from "@switchyard/core";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import type {
  CapacitySignalRecorder,
  Clock,
  ClusterGateway,
  DemandHistoryReader,
  InstanceTypeResolver,
  LoadBalancerLocator,
  MetricsReader,
  MetricsSnapshot,
  NodePlacementReader,
  ReplicaFloorChange,
  ServiceTargets,
  SwitchStart,
  SwitchStarter,
  TrailCoverageReader,
} from "@switchyard/core/ports";
import { executionName } from "@switchyard/core/workflow";
import { EvaluationError, evaluationFailures } from "./errors.ts";
import { applyReplicaFloors, readDemandHistories } from "./forecast-floors.ts";
import { type ControllerLogger, silentLogger } from "./logger.ts";
import { assertOwnRouting, readableAction } from "./plan-switch.ts";
import type { SwitchInput } from "./switch-state.ts";

/** ALB metrics of the newest minutes are incomplete; the window ends this long before now. */
const METRICS_LAG_MS = 2 * MINUTE;

/** How far back the execution history is read: past dwell times, caps and undone fallbacks. */
export const HISTORY_MS = 3 * 60 * MINUTE;

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

interface ServiceEvaluation {
  readonly service: string;
  readonly decision: Decision;
  /** Current weight per unit as read from the action annotation; null when unreadable. */
  readonly weights: Readonly<Record<string, number>> | null;
  /** The execution started (or found already started) for a move; null when staying. */
  readonly execution: (SwitchStart & { readonly name: string }) | null;
  /** A move was due but another execution for the service is running. */
  readonly skippedForRunning: string | null;
  /** The forecast and each unit's floor; null when the service's forecast is off or no history reader is given. */
  readonly floors: ReplicaFloors | null;
  /** The floors this evaluation wrote (forecast-and-scale, not pinned). */
  readonly floorChanges: readonly ReplicaFloorChange[];
  /** The service's ScaledObjects as this evaluation read them; null when they could not be used. */
  readonly scaledObjects: Readonly<Record<string, ScaledObjectState>> | null;
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

interface Observed {
  readonly now: EpochMs;
  /** The time the execution's name carries (see nameMinuteOf). */
  readonly nameAt: EpochMs;
  readonly metrics: MetricsSnapshot;
  readonly karpenter: readonly CapacitySignal[];
  readonly nodes: readonly NodeCell[] | undefined;
  readonly triggerSignals: readonly CapacitySignal[];
  /** The service's RequestCount history; null when it does not forecast. */
  readonly history: DemandHistory | null;
}

async function evaluateService(
  service: InferenceService,
  observed: Observed,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<ServiceEvaluation> {
  const { now } = observed;
  const cluster = await deps.cluster.readService(service);
  // Far enough back that every switch that may still run is listed: a hold whose owner
  // started earlier has outlived any switch (leftovers.ts).
  const since = now - Math.max(HISTORY_MS, longestSwitchMs(service.policy));
  const switches = await deps.switches.history(service.name, since);
  const scaling = await readScaling(service, deps.cluster);
  const state = serviceStateFrom({
    service,
    cluster,
    switches,
    switchesSince: since,
    ...(scaling.objects === null ? {} : { scaledObjects: scaling.objects }),
  });
  const capacity = [...observed.metrics.capacityErrors, ...observed.karpenter, ...observed.triggerSignals];
  const signals = {
    minutes: observed.metrics.services[service.name]?.units ?? {},
    consolidated: observed.metrics.services[service.name]?.consolidated ?? null,
    capacity,
    ...(observed.nodes === undefined ? {} : { nodes: observed.nodes }),
  };
  const decision = decide(state, signals, service.policy, now);
  const floors =
    service.forecast.mode === "off" || deps.history === undefined
      ? null
      : replicaFloors(state, signals, observed.history, now);
  const unchanged = { floors, floorChanges: [], scaledObjects: scaling.objects };
  log.info("decision", {
    service: service.name,
    kind: decision.kind,
    mode: decision.mode,
    reasons: decision.reasons,
  });
  if (!isMove(decision)) {
    return {
      service: service.name,
      decision,
      weights: state.weights,
      execution: null,
      skippedForRunning: null,
      ...unchanged,
    };
  }
  // An action that also routes to Services the config does not name (another team's
  // canary) is never rewritten: refusing here, before any execution starts, fails this
  // service's evaluation with the fix in the message, so the EvaluateErrors alarm tells
  // once per incident instead of a failure alert from Plan every minute.
  const value = cluster.ingress.annotations[actionAnnotationKey(service.action)] ?? null;
  const action = readableAction(value, cluster.ingress.namespace, cluster.ingress.name, service.action);
  assertOwnRouting(value, action, service, `Ingress ${cluster.ingress.namespace}/${cluster.ingress.name}`);
  // A ScaledObject the Plan step cannot use (no trigger of the configured type, several,
  // missing) fails every switch at Plan, every minute, with a failure alert each time: it
  // fails this service's evaluation instead, before any execution starts, so the
  // EvaluateErrors alarm says it once per incident, with the fix in the message.
  if (scaling.problem !== null) {
    throw scaling.problem;
  }
  // One move at a time, except that a response to a loss supersedes a calm move (core's supersedes).
  const lossSince = lossStartedAt(decision.kind, capacity, now, service.policy.capacityErrorWindowMinutes);
  const causes = decision.kind === "reroute" || decision.kind === "failover" ? decision.causes : [];
  const newLoss = (s: SwitchRecord) => answersNewLoss(causes, decision.conditions, s);
  const sizing = { demandRps: decision.demandRps, headroom: service.headroom };
  const running = switchToWaitFor(decision.kind, switches, lossSince, sizing, newLoss);
  if (running !== undefined) {
    log.info("switch already running", { service: service.name, execution: running.name });
    return {
      service: service.name,
      decision,
      weights: state.weights,
      execution: null,
      skippedForRunning: running.name,
      ...unchanged,
    };
  }
  // A move that supersedes one of this minute's own name takes a name to the second.
  const minuteName = executionName(service.name, decision.kind, observed.nameAt);
  const taken = switches.some((s) => s.name === minuteName && s.status === "RUNNING");
  const name = taken ? executionName(service.name, decision.kind, now, true) : minuteName;
  const superseded = urgentMovesSuperseded(decision.kind, switches, lossSince, sizing, newLoss).map(
    (s) => s.name,
  );
  const started = await deps.switches.start({
    name,
    input: {
      ...switchInputOf(decision, name, observed.triggerSignals),
      ...(superseded.length > 0 ? { supersedes: superseded } : {}),
    },
  });
  if (started.started) {
    log.info("switch started", { service: service.name, execution: started.executionArn });
  } else if (started.status === undefined || started.status === "RUNNING") {
    log.info("switch already started", { service: service.name, execution: started.executionArn });
  } else {
    // The same move in the same minute already ran and closed: the name is spent, and the
    // next minute's evaluation decides again under a new one. Not "running".
    log.warn("switch of this name already ran", {
      service: service.name,
      execution: started.executionArn,
      status: started.status,
    });
  }
  return {
    service: service.name,
    decision,
    weights: state.weights,
    execution: { ...started, name },
    skippedForRunning: null,
    ...unchanged,
  };
}

export function switchInputOf(
  decision: MoveDecision,
  name: string,
  triggerSignals: readonly CapacitySignal[],
): SwitchInput {
  return {
    executionName: name,
    service: decision.service,
    move: decision.kind,
    from: decision.from,
    to: decision.to,
    causes: decision.kind === "failover" || decision.kind === "reroute" ? decision.causes : [],
    urgent: (decision.kind === "failover" || decision.kind === "reroute") && decision.urgent,
    demandRps: decision.demandRps,
    conditions: decision.conditions,
    reasons: decision.reasons,
    evidence: decision.evidence,
    decidedAt: new Date(decision.at).toISOString(),
    triggerSignals,
    releaseHolds: decision.kind === "repair" ? decision.releaseHolds : [],
  };
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

/**
 * The units' ScaledObjects, for Switchyard's holds on them; a ScaledObject Switchyard
 * cannot use is kept as the problem (thrown only when a move is due). A read that may
 * pass (a 5xx, throttling) fails the evaluation as any other read.
 */
async function readScaling(
  service: InferenceService,
  cluster: ClusterGateway,
): Promise<{
  readonly objects: Readonly<Record<string, ScaledObjectState>> | null;
  readonly problem: Error | null;
}> {
  try {
    return { objects: await cluster.readScaledObjects(service), problem: null };
  } catch (error) {
    if (error instanceof SwitchyardError && !error.retryable) {
      return { objects: null, problem: error };
    }
    throw error;
  }
}

interface ScopedCause {
  readonly triggerSignals: readonly CapacitySignal[];
  readonly launchBlocks: readonly LaunchBlock[];
  readonly ignored: readonly string[];
}

/**
 * The event's signals that concern this cluster: none from another Region (a bus can
 * receive other Regions' events), and a Spot warning only for an instance tagged as this
 * cluster's node (an account can run several clusters on the same instance types).
 */
async function scopedToCluster(
  config: SwitchyardConfig,
  cause: EvaluationCause,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<ScopedCause> {
  const region = cause.region ?? null;
  if (region !== null && region !== config.cluster.region) {
    const why = `the ${cause.trigger} event is from ${region}; cluster ${config.cluster.name} is in ${config.cluster.region}, so its signals do not count`;
    log.info("event from another region ignored", { region, clusterRegion: config.cluster.region });
    return { triggerSignals: [], launchBlocks: [], ignored: [why] };
  }
  const spot = await spotSignals(config.cluster.name, cause, deps, log);
  return {
    triggerSignals: [...cause.capacitySignals, ...spot.signals],
    launchBlocks: cause.launchBlocks ?? [],
    ignored: spot.ignored,
  };
}

async function spotSignals(
  clusterName: string,
  cause: EvaluationCause,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<{ signals: CapacitySignal[]; ignored: string[] }> {
  const spot = cause.spotInterruption;
  if (spot === undefined) {
    return { signals: [], ignored: [] };
  }
  if (!isInstanceId(spot.instanceId)) {
    // Nothing to look up: EC2 would refuse the call (InvalidInstanceID.Malformed), and one
    // bad event must not stop the evaluation of every service.
    log.warn("spot interruption with a malformed instance id ignored", { instanceId: spot.instanceId });
    return {
      signals: [],
      ignored: [
        `Spot interruption for ${JSON.stringify(spot.instanceId)}: not an EC2 instance id (i- and 8 or 17 hexadecimal digits), so no instance to count`,
      ],
    };
  }
  const instance = await deps.instanceTypes.instanceOf(spot.instanceId);
  if (instance === null) {
    log.warn("spot interruption for an unknown instance", { instanceId: spot.instanceId });
    return {
      signals: [],
      ignored: [`Spot interruption for ${spot.instanceId}: EC2 does not know the instance`],
    };
  }
  const cluster = instanceClusterOf(instance.tags, clusterName);
  if (cluster.kind !== "this") {
    const whose =
      cluster.kind === "other"
        ? `a node of ${cluster.clusters.join(", ")}`
        : "not tagged as any cluster's node (no kubernetes.io/cluster/<name>, eks:cluster-name or eks:eks-cluster-name tag)";
    log.info("spot interruption for another cluster's instance ignored", {
      instanceId: spot.instanceId,
      instanceType: instance.instanceType,
      cluster,
    });
    return {
      signals: [],
      ignored: [
        `Spot interruption for ${spot.instanceId} (${instance.instanceType}): ${whose}, not of ${clusterName}`,
      ],
    };
  }
  return {
    signals: [spotInterruptionSignal(spot, instance.instanceType, instance.availabilityZone ?? null)],
    ignored: [],
  };
}
