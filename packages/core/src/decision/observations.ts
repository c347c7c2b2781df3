import type { DeploymentUnit, Policy } from "../config/types.ts";
import type { UnitCondition } from "../planning/types.ts";
import type { CapacitySignal, EpochMs, UnitMinute } from "../signals/types.ts";
import { MINUTE } from "../units.ts";
import type { DecisionSignals, ServiceState } from "./types.ts";
import {
  activeWarnings,
  blocksEveryOffering,
  impairedZones,
  placedPods,
  reclaimingPods,
  signalConcerns,
  WARNING_LEAD_MS,
  type WarnedCells,
  warnedCells,
} from "./unit-capacity.ts";

/** Observed demand is the highest of this many latest minutes: plans size for the peak, not the mean. */
export const DEMAND_MINUTES = 3;

/** What one evaluation sees of one unit. */
export interface UnitObservation {
  readonly unit: DeploymentUnit;
  /** Current weight reaching the unit; null when the action annotation cannot be read. */
  readonly weight: number | null;
  /** Weight > 0, or unknown weight (then every unit is assumed to carry traffic). */
  readonly carriesTraffic: boolean;
  /** Capacity signals that concern the unit's pool (signalConcerns) inside the capacity-error window. */
  readonly recentCapacitySignals: readonly CapacitySignal[];
  /**
   * Those signals leave it nowhere to launch (every zone, every capacity type it may use):
   * it cannot grow. An error for one of several zones, or for Spot while on-demand is
   * allowed, does not stop it.
   */
  readonly blocked: boolean;
  /** Spot interruption warnings whose instances still run (the last two minutes). */
  readonly warnings: readonly CapacitySignal[];
  /** The cells those warnings, and the failovers and reroutes running for warnings, name. */
  readonly warned: WarnedCells;
  /** Its zones that lost Spot capacity in the quiet period (impairedZones). */
  readonly impairedZones: readonly string[];
  /** Its ready pods per zone, from the cluster's nodes (placedPods); null when not read. */
  readonly placedPods: Readonly<Record<string, number>> | null;
  /** Ready pods the warnings say are being reclaimed. */
  readonly reclaimingPods: number;
  /**
   * Its target group has no ready pod to serve (pods desired and none ready, or every
   * ready pod being reclaimed): what it is sent the ALB answers with 503.
   */
  readonly emptyTargetGroup: boolean;
  /**
   * The newest capacity signal that concerns it anywhere in the data, when the signals
   * have left it nowhere to launch; null when they never did.
   */
  readonly lastCapacitySignalAt: EpochMs | null;
  readonly unschedulablePods: number;
  /** False while pods are desired but none is ready (starting, crash-looping). */
  readonly podsReady: boolean;
  /** How long its oldest unschedulable pod has waited, in seconds; null when none waits. */
  readonly unschedulableSeconds: number | null;
  readonly unschedulablePastGrace: boolean;
  /** Minutes over the SLO among the last latencyWindowMinutes, and how many of them had a latency at all. */
  readonly latency: {
    readonly breachedMinutes: number;
    readonly knownMinutes: number;
    readonly worstMs: number | null;
  };
  readonly breachesSlo: boolean;
  readonly atMaxReplicas: boolean;
  /** It cannot add pods: capacity errors, unschedulable pods, or at maxReplicaCount. */
  readonly cannotScaleOut: boolean;
  /** HealthyHostCount of the newest minute that reported it. */
  readonly healthyHosts: number | null;
  /** Whether its pool has shown it can grow again since its last capacity error. */
  readonly recovery: Recovery;
}

/**
 * What the signals prove about a unit's pool. Quiet alone is not recovery: a pool no
 * pod asked to grow in stays silent whether or not EC2 has capacity. Only a quiet
 * period in which launches were tried — pods wanted, and placed or still asked for
 * without a capacity error — shows the pool can grow.
 * - clear: no capacity error in the signals.
 * - failing: an error inside the capacity-error window.
 * - quiet: errors stopped, but not for the quiet period yet.
 * - unproven: quiet for the quiet period, but no launch was tried in it.
 * - recovered: quiet for the quiet period while launches were tried.
 */
export type Recovery = "clear" | "failing" | "quiet" | "unproven" | "recovered";

/** Latency of one target group over the last latencyWindowMinutes. */
interface LatencyObservation {
  readonly breachedMinutes: number;
  readonly knownMinutes: number;
  readonly worstMs: number | null;
  /** At least latencyBreachMinutes of them over the SLO. */
  readonly breaches: boolean;
}

export interface Observations {
  readonly units: readonly UnitObservation[];
  /** The consolidated Service's target group, when read: all traffic goes through it in capacity mode. */
  readonly consolidated: LatencyObservation | null;
  /**
   * Requests/s per minute over the window, oldest first, for the minutes some target
   * group reported at all: a minute with no datapoint anywhere (a fresh deploy, a gap
   * in CloudWatch) is unknown demand, not zero demand, and is left out.
   */
  readonly demandByMinute: readonly { readonly at: EpochMs; readonly rps: number }[];
  /**
   * The highest of the last DEMAND_MINUTES measured minutes; with none measured, what
   * the running pods are sized for (each ready pod at its KEDA target), since KEDA
   * sized them to the demand the controller cannot see.
   */
  readonly demandRps: number;
  /** Where demandRps came from. */
  readonly demandSource: "measured" | "running-pods";
  /** What a plan should assume about each unit now. */
  readonly conditions: Readonly<Record<string, UnitCondition>>;
}

/** How many minutes of signals `decide` needs, for the metric query's start time. */
export function signalWindowMinutes(policy: Policy): number {
  return (
    Math.max(
      policy.capacityErrorWindowMinutes,
      policy.latencyWindowMinutes,
      Math.ceil(policy.quietPeriodMinutes * policy.undoneFallbackQuietMultiplier),
      policy.rebalanceSustainMinutes + DEMAND_MINUTES,
    ) + 1
  );
}

export function observe(
  state: ServiceState,
  signals: DecisionSignals,
  policy: Policy,
  now: EpochMs,
): Observations {
  const slo = state.service.slo.latencyMs;
  const units = state.service.units.map((unit): UnitObservation => {
    const minutes = signals.minutes[unit.name] ?? [];
    const runtime = state.units[unit.name];
    const weight = state.weights === null ? null : (state.weights[unit.name] ?? 0);
    const peers = state.service.units;
    const ofUnit = signals.capacity.filter((s) => signalConcerns(unit, s, peers) && s.at <= now);
    const recent = ofUnit.filter((s) => s.at > now - policy.capacityErrorWindowMinutes * MINUTE);
    const since = (from: EpochMs) => ofUnit.filter((s) => s.at > from);
    const blocked = blocksEveryOffering(unit, recent);
    // The newest signal of a unit that signals have ever left nowhere to launch; null for one
    // they never did (errors in one zone of several, Spot errors of a unit that falls back).
    const last = blocksEveryOffering(unit, ofUnit)
      ? ofUnit.reduce<EpochMs | null>((newest, s) => (newest === null || s.at > newest ? s.at : newest), null)
      : null;
    const warnings = activeWarnings(unit, signals.capacity, now, peers);
    const impaired = impairedZones(unit, since(now - policy.quietPeriodMinutes * MINUTE));
    const warned = warnedCells(unit, warnings, runningAnswers(state, unit.name, now));
    const placed = placedPods(unit, signals.nodes, runtime?.readyReplicas ?? 0);
    const reclaiming = reclaimingPods(unit, warned, runtime?.readyReplicas ?? 0, placed);
    const waiting =
      runtime?.unschedulableSince == null ? null : Math.max(0, (now - runtime.unschedulableSince) / 1000);
    const latency = latencyOver(minutes.slice(-policy.latencyWindowMinutes), slo);
    const atMax = (runtime?.desiredReplicas ?? 0) >= unit.maxReplicaCount;
    const unschedulablePods = runtime?.unschedulablePods ?? 0;
    const launchesTried = runtime !== undefined && runtime.desiredReplicas > runtime.readyReplicas;
    const recovery: Recovery =
      last === null
        ? "clear"
        : blocked
          ? "failing"
          : blocksEveryOffering(unit, since(now - policy.quietPeriodMinutes * MINUTE))
            ? "quiet"
            : launchesTried
              ? "recovered"
              : "unproven";
    return {
      unit,
      weight,
      carriesTraffic: weight === null || weight > 0,
      recentCapacitySignals: recent,
      blocked,
      warnings,
      warned,
      impairedZones: impaired,
      placedPods: placed,
      reclaimingPods: reclaiming,
      emptyTargetGroup:
        unit.minReplicaCount > 0 &&
        ((runtime !== undefined && runtime.desiredReplicas > 0 && runtime.readyReplicas === 0) ||
          (reclaiming > 0 && reclaiming >= (runtime?.readyReplicas ?? 0))),
      lastCapacitySignalAt: last,
      unschedulablePods,
      podsReady: !(runtime !== undefined && runtime.desiredReplicas > 0 && runtime.readyReplicas === 0),
      unschedulableSeconds: waiting,
      unschedulablePastGrace: waiting !== null && waiting > policy.unschedulableGraceSeconds,
      latency,
      breachesSlo: latency.breachedMinutes >= policy.latencyBreachMinutes,
      atMaxReplicas: atMax,
      cannotScaleOut: blocked || unschedulablePods > 0 || atMax,
      healthyHosts: [...minutes].reverse().find((m) => m.healthyHosts !== null)?.healthyHosts ?? null,
      recovery,
    };
  });

  const demandByMinute = demandSeries(signals);
  const consolidatedLatency =
    signals.consolidated === undefined || signals.consolidated === null
      ? null
      : latencyOver(signals.consolidated.slice(-policy.latencyWindowMinutes), slo);
  const consolidated =
    consolidatedLatency === null
      ? null
      : {
          ...consolidatedLatency,
          breaches: consolidatedLatency.breachedMinutes >= policy.latencyBreachMinutes,
        };
  const latest = demandByMinute.slice(-DEMAND_MINUTES);
  const measured = latest.length > 0;
  const demandRps = measured
    ? latest.reduce((peak, m) => Math.max(peak, m.rps), 0)
    : runningPodsDemand(state);

  const conditions: Record<string, UnitCondition> = {};
  for (const o of units) {
    const running = state.units[o.unit.name]?.readyReplicas;
    const reclaiming =
      o.reclaimingPods > 0
        ? {
            reclaimingPods: o.reclaimingPods,
            ...(o.warned.wholeUnit ? {} : { reclaimingZones: o.warned.zones }),
          }
        : {};
    const impaired = {
      ...(o.impairedZones.length > 0 ? { impairedZones: o.impairedZones } : {}),
      ...(o.placedPods === null ? {} : { placedPods: o.placedPods }),
    };
    const base =
      running === undefined
        ? { ...reclaiming, ...impaired }
        : { runningPods: running, ...reclaiming, ...impaired };
    // A pool that could not grow stays frozen until it has shown it can grow again.
    if (
      o.recovery === "failing" ||
      o.recovery === "quiet" ||
      o.recovery === "unproven" ||
      o.unschedulablePastGrace
    ) {
      conditions[o.unit.name] = { ...base, unavailable: "no-capacity" };
    } else if (noHealthyTargets(o, state.units[o.unit.name])) {
      conditions[o.unit.name] = { ...base, unavailable: "no-healthy-targets" };
    } else if (o.reclaimingPods > 0) {
      // It can still grow elsewhere (another zone, on-demand), but its new pods are minutes
      // away: planned at the pods that stay, so no traffic waits on them; a rebalance grows it.
      conditions[o.unit.name] = { ...base, maxPods: Math.max(0, (running ?? 0) - o.reclaimingPods) };
    } else {
      conditions[o.unit.name] = base;
    }
  }
  return {
    units,
    consolidated,
    demandByMinute,
    demandRps,
    demandSource: measured ? "measured" : "running-pods",
    conditions,
  };
}

/**
 * A unit's condition in the failovers and reroutes still running that were started for
 * the last two minutes' warnings (their instances have not gone yet).
 */
function runningAnswers(state: ServiceState, unit: string, now: EpochMs): UnitCondition[] {
  return state.switches.flatMap((s) => {
    const condition = s.answered?.conditions[unit];
    return s.status === "RUNNING" && condition !== undefined && s.startedAt > now - WARNING_LEAD_MS
      ? [condition]
      : [];
  });
}

/** What the ready pods serve at their cost-mode KEDA targets: the demand KEDA sized them for. */
function runningPodsDemand(state: ServiceState): number {
  return state.service.units.reduce(
    (sum, unit) =>
      sum + (state.units[unit.name]?.readyReplicas ?? 0) * (unit.maxRps / (1 + state.service.headroom)),
    0,
  );
}

/**
 * Pods were asked for but none is ready (a crash loop, a failing readiness probe), or the
 * ALB reports no healthy host. A unit KEDA scaled to zero is not unhealthy: it must keep
 * its weight, or it would never get the traffic that scales it up again.
 */
function noHealthyTargets(o: UnitObservation, runtime: ServiceState["units"][string] | undefined): boolean {
  if (o.healthyHosts === 0) {
    return true;
  }
  return runtime !== undefined && runtime.desiredReplicas > 0 && runtime.readyReplicas === 0;
}

function latencyOver(
  minutes: readonly UnitMinute[],
  sloMs: number,
): { breachedMinutes: number; knownMinutes: number; worstMs: number | null } {
  let breachedMinutes = 0;
  let knownMinutes = 0;
  let worstMs: number | null = null;
  for (const minute of minutes) {
    if (minute.latencyMs === null) {
      continue;
    }
    knownMinutes += 1;
    worstMs = worstMs === null ? minute.latencyMs : Math.max(worstMs, minute.latencyMs);
    if (minute.latencyMs > sloMs) {
      breachedMinutes += 1;
    }
  }
  return { breachedMinutes, knownMinutes, worstMs };
}

/**
 * Σ RequestCount ÷ 60 across the units' and the consolidated Service's target groups,
 * per minute present in any series: every request reaches exactly one of them.
 */
function demandSeries(signals: DecisionSignals): { at: EpochMs; rps: number }[] {
  const byMinute = new Map<EpochMs, number>();
  const reported = new Set<EpochMs>();
  for (const minutes of [...Object.values(signals.minutes), signals.consolidated ?? []]) {
    for (const minute of minutes) {
      byMinute.set(minute.at, (byMinute.get(minute.at) ?? 0) + minute.requests / 60);
      if (minute.requests > 0 || minute.latencyMs !== null) {
        reported.add(minute.at);
      }
    }
  }
  return [...byMinute.entries()]
    .filter(([at]) => reported.has(at))
    .sort(([a], [b]) => a - b)
    .map(([at, rps]) => ({ at, rps }));
}
