/** One service's evaluation: decide, then start a move only when no running switch answers it. */
import {
  answersNewLoss,
  type CapacitySignal,
  type Decision,
  type DemandHistory,
  decide,
  type EpochMs,
  type InferenceService,
  isMove,
  longestSwitchMs,
  lossStartedAt,
  MINUTE,
  type MoveDecision,
  type NodeCell,
  type ReplicaFloors,
  replicaFloors,
  type ScaledObjectState,
  type SwitchRecord,
  SwitchyardError,
  serviceStateFrom,
  switchToWaitFor,
  urgentMovesSuperseded,
} from "@switchyard/core";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import type {
  ClusterGateway,
  MetricsSnapshot,
  ReplicaFloorChange,
  SwitchStart,
} from "@switchyard/core/ports";
import { executionName } from "@switchyard/core/workflow";
import type { EvaluationDeps } from "./evaluate.ts";
import type { ControllerLogger } from "./logger.ts";
import { assertOwnRouting, readableAction } from "./plan-switch.ts";
import type { SwitchInput } from "./switch-state.ts";

/** How far back the execution history is read: past dwell times, caps and undone fallbacks. */
export const HISTORY_MS = 3 * 60 * MINUTE;

export interface ServiceEvaluation {
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

export interface Observed {
  readonly now: EpochMs;
  /** The time the execution's name carries (see evaluate.ts's nameMinuteOf). */
  readonly nameAt: EpochMs;
  readonly metrics: MetricsSnapshot;
  readonly karpenter: readonly CapacitySignal[];
  readonly nodes: readonly NodeCell[] | undefined;
  readonly triggerSignals: readonly CapacitySignal[];
  /** The service's RequestCount history; null when it does not forecast. */
  readonly history: DemandHistory | null;
}

export async function evaluateService(
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
