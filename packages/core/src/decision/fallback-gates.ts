import type { Policy } from "../config/types.ts";
import { planService } from "../planning/plan-service.ts";
import type { ServicePlan, UnitCondition } from "../planning/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { MINUTE, round1 } from "../units.ts";
import { antiFlapEvidence, lastFallbackUndone } from "./anti-flap.ts";
import type { Observations, UnitObservation } from "./observations.ts";
import { detail } from "./reasons.ts";
import type { Gate, ServiceState } from "./types.ts";

export interface FallbackGates {
  /** Per causing unit: its recovery (quiet period with launches tried) and its pods scheduling. */
  readonly causes: readonly Gate[];
  /** Every causing unit has recovered. */
  readonly recovered: boolean;
  /** Cost mode, with the units that have not recovered frozen at their pods, covers demand. */
  readonly routeAround: Gate;
  readonly slo: Gate;
  readonly antiFlap: readonly Gate[];
  /** The causes recovered or cost mode can route around them, and the SLO gate passed. */
  readonly troubleClear: boolean;
  readonly evidence: readonly Gate[];
}

/**
 * The gates of a fallback. Capacity mode is left when every causing unit has recovered,
 * or — recovered or not — when cost mode, with the units that have not frozen at the
 * pods they run, covers the demand: then capacity mode only costs more. A breach of the
 * SLO blocks it only while cost mode could not serve either: a breach capacity mode
 * itself causes (round-robin holding every pod to the slowest unit's pace) must not
 * keep the service in capacity mode. The anti-flap gates apply in both cases.
 */
export function fallbackGates(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
): FallbackGates {
  const undone = lastFallbackUndone(state.switches);
  const causes = state.failoverCause.flatMap((name) => {
    const o = observations.units.find((u) => u.unit.name === name);
    return o === undefined ? [] : [quietPeriod(o, undone, policy, now), podsSchedule(o)];
  });
  const recovered = causes.every((e) => e.passed);
  const { plan, routeAround } = routeAroundGate(state, observations, causes);
  const slo = sloHolds(state, observations, policy, plan);
  const antiFlap = antiFlapEvidence(state, policy, now);
  return {
    causes,
    recovered,
    routeAround,
    slo,
    antiFlap,
    troubleClear: (recovered || routeAround.passed) && slo.passed,
    evidence: [...causes, routeAround, slo, ...antiFlap],
  };
}

/**
 * Quiet for the quiet period, with launches tried in it: the pool has shown it can grow.
 * `undone`: the last fallback had to be undone, so the quiet period is longer.
 */
export function quietPeriod(o: UnitObservation, undone: boolean, policy: Policy, now: EpochMs): Gate {
  // Never shorter than the capacity-error window: a unit with an error still in the
  // window counts as unable to get capacity, so it cannot be "clear".
  const quiet = Math.max(
    policy.capacityErrorWindowMinutes,
    policy.quietPeriodMinutes * (undone ? policy.undoneFallbackQuietMultiplier : 1),
  );
  const clearFor = o.lastCapacitySignalAt === null ? null : (now - o.lastCapacitySignalAt) / MINUTE;
  const quietEnough = clearFor === null || clearFor >= quiet;
  const proven = o.recovery === "clear" || o.recovery === "recovered";
  return {
    rule: "quiet-period",
    unit: o.unit.name,
    observed: clearFor === null ? null : round1(clearFor),
    threshold: quiet,
    passed: quietEnough && proven,
    detail: detail({
      rule: "quiet-period",
      unit: o.unit.name,
      clearForMinutes: clearFor,
      quietMinutes: quiet,
      undoneMultiplier: undone ? policy.undoneFallbackQuietMultiplier : null,
      recovery: o.recovery,
    }),
  };
}

/** Every pod of the unit schedules, and one is ready. */
export function podsSchedule(o: UnitObservation): Gate {
  return {
    rule: "pods-schedule",
    unit: o.unit.name,
    observed: o.unschedulablePods,
    threshold: 0,
    passed: o.unschedulablePods === 0 && o.podsReady,
    detail: detail({
      rule: "pods-schedule",
      unit: o.unit.name,
      unschedulablePods: o.unschedulablePods,
      podsReady: o.podsReady,
    }),
  };
}

/** Cost mode, with every cause whose gates did not pass frozen at its pods, covers demand. */
export function routeAroundGate(
  state: ServiceState,
  observations: Observations,
  causes: readonly Gate[],
): { plan: ServicePlan; routeAround: Gate } {
  // A cause that has not recovered is planned frozen at the pods it runs, whatever the
  // signals say of it now (pods pending inside the grace period, say): the fallback's
  // own plan holds a returning unit to its ready pods, so this one must not count on more.
  const conditions: Record<string, UnitCondition> = { ...observations.conditions };
  for (const e of causes) {
    const condition = e.unit === undefined ? undefined : conditions[e.unit];
    if (e.unit !== undefined && !e.passed && condition?.unavailable === undefined) {
      conditions[e.unit] = { ...condition, unavailable: "no-capacity" };
    }
  }
  const plan = planService({
    service: state.service,
    mode: "cost",
    demandRps: observations.demandRps,
    conditions,
  });
  const frozen = state.service.units
    .filter((u) => conditions[u.name]?.unavailable !== undefined)
    .map((u) => u.name);
  return {
    plan,
    routeAround: {
      rule: "route-around",
      observed: round1(plan.capacityRps),
      threshold: round1(plan.requiredRps),
      passed: plan.feasible,
      detail: detail({ rule: "route-around", frozen, plan }),
    },
  };
}

/** The SLO holds in capacity mode — or cost mode covers demand, so a breach of capacity mode's own does not hold it. */
export function sloHolds(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  costPlan: ServicePlan,
): Gate {
  const consolidatedName = state.service.consolidatedService?.name;
  const breaching = [
    ...observations.units.filter((o) => o.breachesSlo).map((o) => o.unit.name),
    ...(observations.consolidated?.breaches === true ? [`the consolidated Service ${consolidatedName}`] : []),
  ];
  const known =
    observations.units.some((o) => o.latency.knownMinutes > 0) ||
    (observations.consolidated?.knownMinutes ?? 0) > 0;
  const holds = breaching.length === 0 && known;
  const sloMs = state.service.slo.latencyMs;
  return {
    rule: "slo-holds",
    observed: breaching.length > 0 ? breaching.join(", ") : known ? "within SLO" : "no latency data",
    threshold: sloMs,
    passed: holds || costPlan.feasible,
    detail: detail({
      rule: "slo-holds",
      sloMs,
      windowMinutes: policy.latencyWindowMinutes,
      breaching,
      holds,
      costCovers: costPlan.feasible,
    }),
  };
}
