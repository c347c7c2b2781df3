import type { Policy } from "../config/types.ts";
import { planService } from "../planning/plan-service.ts";
import type { ServicePlan, UnitCondition } from "../planning/types.ts";
import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import { EPSILON, MINUTE, round1 } from "../units.ts";
import { antiFlapEvidence, lastFallbackUndone } from "./anti-flap.ts";
import { DEMAND_MINUTES, type Observations, observe, type UnitObservation } from "./observations.ts";
import { pinHolds } from "./pin.ts";
import { compareServedNow, routingLoad, type ServedNowComparison, servingTolerance } from "./routing-load.ts";
import type { Decision, DecisionSignals, Evidence, ServiceState } from "./types.ts";

/**
 * Whether a service should stay, fail over, fall back or rebalance — pure: everything
 * it needs is in its arguments, and the result carries the evidence (which signals,
 * which thresholds, what was observed) that becomes the mode-switch execution's input.
 *
 * - a loss (cost mode): a unit that carries traffic cannot get capacity (capacity errors
 *   for its instance types in the window, or pods unschedulable past the grace period),
 *   or breaks the SLO for K of the last M minutes while it cannot scale out. The unit is
 *   frozen at its pods and both answers are planned: routing around it in cost mode (a
 *   rebalance with causes) or failing over to capacity mode, which is taken only when
 *   cost mode cannot carry demand (see compareResponses). Never delayed by anti-flap.
 * - fallback (capacity → cost): every causing unit recovered (quiet for the quiet
 *   period with launches tried), or cost mode covers demand with it frozen; the SLO
 *   holds or cost mode covers demand; and the anti-flap gates pass.
 * - rebalance (cost → cost): the cost-optimal plan saves more than the dead band of the
 *   cost above the floor in every measured minute of the sustain window (anti-flap
 *   gates apply), or the current weights overload a unit (they do not); also, at once
 *   and in either mode, when the action annotation cannot be read (it is rewritten).
 * - pinned: an operator's pin holds; the controller only observes and reports.
 */
export function decide(
  state: ServiceState,
  signals: DecisionSignals,
  policy: Policy,
  now: EpochMs,
): Decision {
  const observations = observe(state, signals, policy, now);
  const base = {
    service: state.service.name,
    mode: state.mode,
    demandRps: observations.demandRps,
    conditions: observations.conditions,
    at: now,
  };
  const annotationEvidence: Evidence[] =
    state.actionProblem === null
      ? []
      : [
          {
            rule: "action-annotation",
            observed: state.actionProblem,
            threshold: null,
            met: true,
            detail: state.actionProblem,
          },
        ];

  if (pinHolds(state.pin, now)) {
    const pin = state.pin;
    const until = pin.until === null ? "without expiry" : `until ${new Date(pin.until).toISOString()}`;
    const reasons = [`pinned to ${pin.mode} mode by switchyard.io/pin ${until}: observing only`];
    if (pin.problem !== undefined) {
      reasons.push(pin.problem);
    }
    const watch = [
      ...failoverEvidence(observations, policy, state.service.slo.latencyMs),
      ...annotationEvidence,
    ];
    return {
      ...base,
      kind: "pinned",
      pin,
      reasons,
      evidence: [
        { rule: "pin", observed: pin.raw, threshold: null, met: true, detail: reasons[0] as string },
        ...watch,
      ],
    };
  }

  if (state.mode === "cost") {
    const evidence = [
      ...failoverEvidence(observations, policy, state.service.slo.latencyMs),
      ...annotationEvidence,
    ];
    const causes = [
      ...new Set(evidence.filter((e) => e.met && e.unit !== undefined).map((e) => e.unit as string)),
    ];
    if (causes.length > 0) {
      const urgentWhy = urgency(causes, evidence, observations);
      const response = compareResponses(state, observations, causes, policy);
      const urgencyReason =
        urgentWhy === null
          ? `not urgent: ${causes.join(", ")} still ${causes.length === 1 ? "serves" : "serve"} and only cannot grow, so traffic moves once the receivers' pods are ready`
          : `urgent: ${urgentWhy}, so traffic moves at once`;
      const troubles = evidence.filter((e) => e.met && e.rule !== "action-annotation").map((e) => e.detail);
      if (response.choice === "capacity") {
        return {
          ...base,
          kind: "failover",
          from: "cost",
          to: "capacity",
          causes,
          urgent: urgentWhy !== null,
          reasons: [...troubles, response.evidence.detail, urgencyReason],
          evidence: [...evidence, response.evidence],
        };
      }
      // Routing around the loss inside cost mode: move only when the current weights
      // send the frozen units more than their pods serve (or miss what the plan covers).
      const current = state.weights ?? {};
      const load = routingLoad(state.service, current, observations.conditions, observations.demandRps);
      const tolerance = servingTolerance(observations.demandRps);
      const due = state.actionProblem !== null || load.overloadRps > response.cost.shortfallRps + tolerance;
      const gap: Evidence = {
        rule: "routing-risk",
        observed: round1(load.overloadRps),
        threshold: round1(response.cost.shortfallRps + tolerance),
        met: due,
        detail: due
          ? `the current weights send ${round1(load.overloadRps)} RPS more than the units' pods can serve at ${round1(observations.demandRps)} RPS (the plan around ${causes.join(", ")} leaves ${round1(response.cost.shortfallRps)})`
          : `the current weights already route around ${causes.join(", ")}: no unit is sent more than its pods serve`,
      };
      if (due) {
        const target = weightsOf(response.cost);
        const early = earlyMove(state, observations, causes, evidence, current, target);
        const urgent = urgentWhy !== null && early.met;
        return {
          ...base,
          kind: "rebalance",
          from: "cost",
          to: "cost",
          causes,
          urgent,
          weights: { current, target },
          reasons: [
            ...troubles,
            response.evidence.detail,
            urgentWhy !== null && !urgent ? early.detail : urgencyReason,
          ],
          evidence: [...evidence, response.evidence, gap, ...(urgentWhy === null ? [] : [early])],
        };
      }
      return rebalanceOrStay(base, state, observations, policy, now, [...evidence, response.evidence, gap]);
    }
    if (state.actionProblem !== null) {
      return repair(base, state, evidence);
    }
    return rebalanceOrStay(base, state, observations, policy, now, evidence);
  }

  const fallback = fallbackGates(state, observations, policy, now);
  const evidence = [...fallback.evidence, ...annotationEvidence];
  if (fallback.troubleClear && fallback.antiFlap.every((e) => e.met)) {
    const causesDetail = fallback.causes.map((e) => e.detail).join("; ");
    return {
      ...base,
      kind: "fallback",
      from: "capacity",
      to: "cost",
      reasons: [
        fallback.recovered
          ? `every unit that caused the failover (${state.failoverCause.join(", ")}) has recovered: ${causesDetail}`
          : `${fallback.routeAround.detail}; ${causesDetail}`,
        ...[fallback.slo, ...fallback.antiFlap].map((e) => e.detail),
      ],
      evidence,
    };
  }
  if (state.actionProblem !== null) {
    return repair(base, state, evidence);
  }
  return {
    ...base,
    kind: "stay",
    ...(fallback.troubleClear ? { heldBack: "fallback" as const } : {}),
    reasons: [
      fallback.troubleClear
        ? "capacity mode: the trouble has cleared but anti-flap holds the fallback back"
        : "capacity mode: not every condition for a fallback holds yet",
      ...fallback.evidence.filter((e) => !e.met).map((e) => e.detail),
    ],
    evidence,
  };
}

/** A loss answered inside cost mode or by capacity mode: the two plans, side by side. */
interface ResponseComparison {
  readonly choice: "cost" | "capacity";
  readonly cost: ServicePlan;
  readonly capacity: ServicePlan;
  readonly evidence: Evidence;
}

/**
 * The response that fits the loss. Both plans freeze the units that cannot grow at the
 * pods they run; the cost plan routes the rest of demand to the cheapest units that can
 * grow, capacity mode spreads it round-robin. Cost mode answers whenever it covers the
 * demand, or serves at least as much as capacity mode would: round-robin is for losses
 * the remaining pools cannot absorb under cost weights.
 */
function compareResponses(
  state: ServiceState,
  observations: Observations,
  causes: readonly string[],
  policy: Policy,
): ResponseComparison {
  const request = {
    service: state.service,
    demandRps: observations.demandRps,
    conditions: observations.conditions,
  };
  const cost = planService({ ...request, mode: "cost" });
  const capacity = planService({ ...request, mode: "capacity" });
  const costNow = servedNow(state, observations, cost);
  const capacityNow = servedNow(state, observations, capacity);
  // When a unit has lost its pods (urgent), the pods ready now cannot carry demand under
  // cost weights, and spread round-robin they serve at least as much, capacity mode
  // answers: it spreads demand over every ready pod rather than onto the cheapest units'
  // few, and grows every pool at once rather than one, so the first new pods are the
  // fastest to start. Cost mode takes over again once it covers demand (fallbackGates).
  const urgentLoss = causes.some((name) => observations.conditions[name]?.runningPods === 0);
  const choice =
    policy.lossResponse === "failover" ||
    (urgentLoss && costNow < observations.demandRps - EPSILON && capacityNow >= costNow) ||
    (!cost.feasible && capacity.capacityRps > cost.capacityRps + EPSILON)
      ? "capacity"
      : "cost";
  const needed = round1(cost.requiredRps);
  const costText = `cost mode around ${causes.join(", ")} serves ${round1(cost.capacityRps)} of ${needed} RPS needed at $${cost.hourlyCost.toFixed(2)}/h (${round1(costNow)} with the pods ready now)`;
  const capacityText = `capacity mode serves ${round1(capacity.capacityRps)} at $${capacity.hourlyCost.toFixed(2)}/h (${round1(capacityNow)} now)`;
  return {
    choice,
    cost,
    capacity,
    evidence: {
      rule: "response",
      observed: choice,
      threshold: needed,
      met: choice === "capacity",
      detail:
        choice === "cost"
          ? `${costText}; ${capacityText}: route around the loss in cost mode`
          : policy.lossResponse === "failover"
            ? `${costText}; ${capacityText}: fail over to capacity mode (policy lossResponse: failover)`
            : urgentLoss && costNow < observations.demandRps - EPSILON && capacityNow >= costNow
              ? `${costText}; ${capacityText}: the pods ready now cannot carry ${round1(observations.demandRps)} RPS under cost weights and serve at least as much spread round-robin, so fail over to capacity mode, which also grows every pool at once while the lost pods are replaced`
              : `${costText}; ${capacityText}: fail over to capacity mode, which serves more`,
    },
  };
}

/**
 * Whether a route-around may move traffic before its receivers' pods are ready (the
 * "urgent" path moves at the deadline whether or not they are). That only helps when
 * the new weights serve more with the pods ready now than the current ones. When the
 * causes still run their pods and only break the SLO because every unit is overloaded
 * (a spike no pool can meet yet), early weights send the shortfall to pods still
 * starting and take load off pods already ready — KEDA then scales those away — so the
 * move waits for its receivers like a calm one. A cause with no ready pod, or whose
 * instances are being reclaimed, always moves at once: its pods serve nothing, or soon
 * will not.
 */
function earlyMove(
  state: ServiceState,
  observations: Observations,
  causes: readonly string[],
  evidence: readonly Evidence[],
  current: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): Evidence {
  const losing = causes.some((name) => {
    const o = observations.units.find((u) => u.unit.name === name);
    return (
      o !== undefined &&
      (!o.podsReady || o.recentCapacitySignals.some((s) => s.source === "spot-interruption"))
    );
  });
  const breach = evidence.some((e) => e.met && e.rule === "latency-breach");
  const { currentNow, targetNow, threshold, targetServesMore } = servedNowUnder(
    state,
    observations,
    current,
    target,
  );
  const met = losing || !breach || targetServesMore;
  return {
    rule: "early-move",
    observed: round1(targetNow),
    threshold: round1(threshold),
    met,
    detail: met
      ? `the new weights serve ${round1(targetNow)} RPS with the pods ready now, the current ones ${round1(currentNow)}: traffic moves at once`
      : `urgent in itself (${causes.join(", ")} ${causes.length === 1 ? "breaks" : "break"} the SLO), but with the pods ready now the new weights serve ${round1(targetNow)} RPS and the current ones ${round1(currentNow)}: moving before the receivers' pods are ready would serve less, so traffic moves once they are`,
  };
}

/** What the pods ready now serve of the demand under the current weights and under the target's. */
function servedNowUnder(
  state: ServiceState,
  observations: Observations,
  current: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): ServedNowComparison {
  const ready: Record<string, number> = {};
  const dark = new Set<string>();
  for (const unit of state.service.units) {
    const condition = observations.conditions[unit.name];
    ready[unit.name] = condition?.runningPods ?? 0;
    if (condition?.unavailable === "no-healthy-targets") {
      dark.add(unit.name);
    }
  }
  return compareServedNow(state.service, current, target, ready, observations.demandRps, dark);
}

/** Requests/s the pods ready now would serve of the demand under a plan's routing, each up to its breaking point. */
function servedNow(state: ServiceState, observations: Observations, plan: ServicePlan): number {
  const ready = (name: string) => observations.conditions[name]?.runningPods ?? 0;
  const serving = plan.units.filter((u) => u.unavailable !== "no-healthy-targets");
  const readyTotal = serving.reduce((sum, u) => sum + ready(u.name), 0);
  return plan.units.reduce((sum, u) => {
    const unit = state.service.units.find((c) => c.name === u.name);
    if (unit === undefined || u.unavailable === "no-healthy-targets") {
      return sum;
    }
    const share =
      plan.weighting === "consolidated" ? (readyTotal > 0 ? ready(u.name) / readyTotal : 0) : u.trafficShare;
    return sum + Math.min(share * observations.demandRps, ready(u.name) * unit.maxRps);
  }, 0);
}

function weightsOf(plan: ServicePlan): Record<string, number> {
  return Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0]));
}

type Base = Omit<Extract<Decision, { kind: "stay" }>, "kind" | "reasons" | "evidence" | "heldBack">;

function repair(base: Base, state: ServiceState, evidence: readonly Evidence[]): Decision {
  return {
    ...base,
    kind: "rebalance",
    from: state.mode,
    to: state.mode,
    reasons: [
      `the action annotation cannot be read, so the ALB keeps its last good routing: ${state.actionProblem}; rewriting it with the ${state.mode}-mode plan`,
    ],
    evidence,
  };
}

/** Per unit that carries traffic: capacity errors, unschedulable pods, latency while unable to scale. */
function failoverEvidence(observations: Observations, policy: Policy, sloMs: number): Evidence[] {
  const evidence: Evidence[] = [];
  for (const o of observations.units) {
    if (!o.carriesTraffic) {
      if (o.recentCapacitySignals.length > 0) {
        evidence.push({
          rule: "capacity-errors",
          unit: o.unit.name,
          observed: total(o.recentCapacitySignals),
          threshold: 1,
          met: false,
          detail: `${o.unit.name} has capacity errors (${describeSignals(o.recentCapacitySignals)}) but carries no traffic (weight 0): no failover`,
        });
      }
      continue;
    }
    for (const [instanceType, group] of byInstanceType(o.recentCapacitySignals)) {
      evidence.push({
        rule: "capacity-errors",
        unit: o.unit.name,
        instanceType,
        observed: total(group),
        threshold: 1,
        met: true,
        detail: `${o.unit.name} (weight ${o.weight ?? "unknown"}) cannot get ${instanceType} capacity: ${describeSignals(group)} in the last ${policy.capacityErrorWindowMinutes} min`,
      });
    }
    if (o.unschedulableSeconds !== null) {
      evidence.push({
        rule: "unschedulable-pods",
        unit: o.unit.name,
        observed: Math.round(o.unschedulableSeconds),
        threshold: policy.unschedulableGraceSeconds,
        met: o.unschedulablePastGrace,
        detail: `${o.unit.name} has ${o.unschedulablePods} unschedulable pod${o.unschedulablePods === 1 ? "" : "s"}, the oldest waiting ${Math.round(o.unschedulableSeconds)} s (grace ${policy.unschedulableGraceSeconds} s)`,
      });
    }
    if (o.latency.breachedMinutes > 0) {
      // Capacity mode helps only if some other unit can take more: when none can scale
      // out, round-robin adds no capacity and holds every pod to the slowest unit's pace.
      const othersCanScale = observations.units.some((other) => other !== o && !other.cannotScaleOut);
      const met = o.breachesSlo && o.cannotScaleOut && othersCanScale;
      const why = !o.cannotScaleOut
        ? "it can still scale out"
        : othersCanScale
          ? scaleOutBlocker(o)
          : `${scaleOutBlocker(o)}, but no other unit can scale out either: capacity mode would add no capacity`;
      evidence.push({
        rule: "latency-breach",
        unit: o.unit.name,
        observed: o.latency.breachedMinutes,
        threshold: policy.latencyBreachMinutes,
        met,
        detail: `${o.unit.name} latency over the ${sloMs} ms SLO in ${o.latency.breachedMinutes} of the last ${policy.latencyWindowMinutes} min (worst ${round1(o.latency.worstMs ?? 0)} ms, needs ${policy.latencyBreachMinutes} to count) and ${why}`,
      });
    }
  }
  return evidence;
}

/** Why a failover cannot wait for the receivers' pods, or null when it can. */
function urgency(
  causes: readonly string[],
  evidence: readonly Evidence[],
  observations: Observations,
): string | null {
  const breaching = evidence.find((e) => e.met && e.rule === "latency-breach");
  if (breaching !== undefined) {
    return `${breaching.unit} breaks the SLO`;
  }
  for (const name of causes) {
    const o = observations.units.find((u) => u.unit.name === name);
    if (o !== undefined && !o.podsReady) {
      return `${name} has no ready pod`;
    }
    if (o?.recentCapacitySignals.some((s) => s.source === "spot-interruption") === true) {
      return `${name}'s instances are being reclaimed (Spot interruption)`;
    }
  }
  return null;
}

function scaleOutBlocker(o: UnitObservation): string {
  if (o.recentCapacitySignals.length > 0) {
    return "cannot scale out (capacity errors)";
  }
  if (o.unschedulablePods > 0) {
    return "cannot scale out (unschedulable pods)";
  }
  return `cannot scale out (at maxReplicaCount ${o.unit.maxReplicaCount})`;
}

interface FallbackGates {
  /** Per causing unit: its recovery (quiet period with launches tried) and its pods scheduling. */
  readonly causes: readonly Evidence[];
  /** Every causing unit has recovered. */
  readonly recovered: boolean;
  /** Cost mode, with the units that have not recovered frozen at their pods, covers demand. */
  readonly routeAround: Evidence;
  readonly slo: Evidence;
  readonly antiFlap: readonly Evidence[];
  /** The causes recovered or cost mode can route around them, and the SLO gate holds. */
  readonly troubleClear: boolean;
  readonly evidence: readonly Evidence[];
}

/**
 * The gates of a fallback. Capacity mode is left when every causing unit has recovered,
 * or — recovered or not — when cost mode, with the units that have not frozen at the
 * pods they run, covers the demand: then capacity mode only costs more. A breach of the
 * SLO blocks it only while cost mode could not serve either: a breach capacity mode
 * itself causes (round-robin holding every pod to the slowest unit's pace) must not
 * keep the service in capacity mode. The anti-flap gates apply in both cases.
 */
function fallbackGates(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
): FallbackGates {
  const undone = lastFallbackUndone(state.switches);
  // Never shorter than the capacity-error window: a unit with an error still in the
  // window counts as unable to get capacity, so it cannot be "clear".
  const quiet = Math.max(
    policy.capacityErrorWindowMinutes,
    policy.quietPeriodMinutes * (undone ? policy.undoneFallbackQuietMultiplier : 1),
  );
  const longer = undone
    ? ` (${policy.undoneFallbackQuietMultiplier}× after a fallback that had to be undone)`
    : "";
  const causes: Evidence[] = [];
  for (const name of state.failoverCause) {
    const o = observations.units.find((u) => u.unit.name === name);
    if (o === undefined) {
      continue;
    }
    const clearFor = o.lastCapacitySignalAt === null ? null : (now - o.lastCapacitySignalAt) / MINUTE;
    const quietEnough = clearFor === null || clearFor >= quiet;
    const proven = o.recovery === "clear" || o.recovery === "recovered";
    causes.push({
      rule: "quiet-period",
      unit: name,
      observed: clearFor === null ? null : round1(clearFor),
      threshold: quiet,
      met: quietEnough && proven,
      detail:
        clearFor === null
          ? `${name}: no capacity error in the signals (quiet period ${quiet} min${longer})`
          : `${name}: last capacity error ${round1(clearFor)} min ago (quiet period ${quiet} min${longer}); ${recoveryText(o)}`,
    });
    causes.push({
      rule: "pods-schedule",
      unit: name,
      observed: o.unschedulablePods,
      threshold: 0,
      met: o.unschedulablePods === 0 && o.podsReady,
      detail:
        o.unschedulablePods > 0
          ? `${name}: ${o.unschedulablePods} pod${o.unschedulablePods === 1 ? "" : "s"} cannot be scheduled`
          : o.podsReady
            ? `${name}: every pod schedules`
            : `${name}: its pods schedule but none is ready yet`,
    });
  }
  const recovered = causes.every((e) => e.met);
  // A cause that has not recovered is planned frozen at the pods it runs, whatever the
  // signals say of it now (pods pending inside the grace period, say): the fallback's
  // own plan holds a returning unit to its ready pods, so this one must not count on more.
  const conditions: Record<string, UnitCondition> = { ...observations.conditions };
  for (const e of causes) {
    const condition = e.unit === undefined ? undefined : conditions[e.unit];
    if (e.unit !== undefined && !e.met && condition?.unavailable === undefined) {
      conditions[e.unit] = { ...condition, unavailable: "no-capacity" };
    }
  }
  const costPlan = planService({
    service: state.service,
    mode: "cost",
    demandRps: observations.demandRps,
    conditions,
  });
  const frozen = state.service.units
    .filter((u) => conditions[u.name]?.unavailable !== undefined)
    .map((u) => u.name);
  const routeAround: Evidence = {
    rule: "route-around",
    observed: round1(costPlan.capacityRps),
    threshold: round1(costPlan.requiredRps),
    met: costPlan.feasible,
    detail: `cost mode${frozen.length > 0 ? ` with ${frozen.join(", ")} frozen at ${frozen.length === 1 ? "its" : "their"} running pods` : ""} serves ${round1(costPlan.capacityRps)} of ${round1(costPlan.requiredRps)} RPS needed at $${costPlan.hourlyCost.toFixed(2)}/h`,
  };

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
  const slo: Evidence = {
    rule: "slo-holds",
    observed: breaching.length > 0 ? breaching.join(", ") : known ? "within SLO" : "no latency data",
    threshold: sloMs,
    met: holds || costPlan.feasible,
    detail: holds
      ? `SLO ${sloMs} ms holds over the last ${policy.latencyWindowMinutes} min`
      : costPlan.feasible
        ? `${breaching.length > 0 ? `SLO ${sloMs} ms broken by ${breaching.join(", ")} in capacity mode` : `no latency reported in the last ${policy.latencyWindowMinutes} min`}, but cost mode covers the demand: the breach does not hold the fallback back`
        : breaching.length > 0
          ? `SLO ${sloMs} ms broken by ${breaching.join(", ")}`
          : `no latency reported in the last ${policy.latencyWindowMinutes} min: the SLO cannot be shown to hold`,
  };
  const antiFlap = antiFlapEvidence(state, policy, now);
  return {
    causes,
    recovered,
    routeAround,
    slo,
    antiFlap,
    troubleClear: (recovered || routeAround.met) && slo.met,
    evidence: [...causes, routeAround, slo, ...antiFlap],
  };
}

function recoveryText(o: UnitObservation): string {
  switch (o.recovery) {
    case "recovered":
      return "launches were tried in the quiet period and none failed: capacity is back";
    case "unproven":
      return "no launch was tried since: quiet, but recovery is unproven";
    case "failing":
      return "launches still fail";
    case "quiet":
      return "not quiet for long enough yet";
    default:
      return "clear";
  }
}

/** How many of the latest measured minutes a risk to the service must last before a rebalance answers it. */
const RISK_MINUTES = DEMAND_MINUTES;

function rebalanceOrStay(
  base: Base,
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
  failover: readonly Evidence[],
): Decision {
  const current = state.weights ?? {};
  const sustain = Math.max(1, policy.rebalanceSustainMinutes);
  const window = observations.demandByMinute.slice(-sustain);
  // Only the pods above the minReplicaCount floor are the controller's to save.
  const floor = state.service.units.reduce((sum, u) => sum + u.minReplicaCount * u.hourlyPrice, 0);
  // The weights a rebalance would write, and the two routings held to the same KEDA
  // model minute by minute: what a rebalance changes is the difference between them (a
  // rebalance to the weights it has saves nothing, whatever the plan's own pod count).
  const planned = planningDemand(window, observations.demandRps, sustain);
  const target = targetWeights(state, observations, planned.rps);
  const checks = window.map((minute) => {
    const plan = targetPlan(state, observations, minute.rps);
    const load = routingLoad(state.service, current, observations.conditions, minute.rps);
    const next = routingLoad(state.service, target, observations.conditions, minute.rps);
    const tolerance = servingTolerance(minute.rps);
    const above = Math.max(
      plan.hourlyCost - floor,
      Math.min(...state.service.units.map((u) => u.hourlyPrice)),
    );
    return {
      savingPercent: ((load.hourlyCost - next.hourlyCost) / above) * 100,
      risk: load.overloadRps > plan.shortfallRps + tolerance,
      overloadRps: load.overloadRps,
    };
  });
  const riskWindow = checks.slice(-RISK_MINUTES);
  const atRisk =
    observations.demandSource === "measured" &&
    riskWindow.length >= RISK_MINUTES &&
    riskWindow.every((c) => c.risk);
  const cheaper =
    window.length >= sustain && checks.every((c) => c.savingPercent > policy.rebalanceDeadBandPercent);
  const smallest = checks.length === 0 ? 0 : round1(Math.min(...checks.map((c) => c.savingPercent)));
  const band: Evidence = {
    rule: "rebalance-dead-band",
    observed: smallest,
    threshold: policy.rebalanceDeadBandPercent,
    met: cheaper || atRisk,
    detail: atRisk
      ? `the current weights send up to ${round1(Math.max(...riskWindow.map((c) => c.overloadRps)))} RPS more than the units' pods can serve in each of the last ${RISK_MINUTES} measured min`
      : cheaper
        ? `the cost-optimal plan saves ${smallest} % of the cost above the minReplicaCount floor over the pods the current weights need, in each of the last ${sustain} measured min (dead band ${policy.rebalanceDeadBandPercent} %)`
        : window.length < sustain
          ? `${window.length} of the ${sustain} measured minutes a rebalance needs: demand is not known for long enough`
          : `the cost-optimal plan saves ${smallest} % or less of the cost above the floor over the current weights in the last ${sustain} measured min (dead band ${policy.rebalanceDeadBandPercent} %)`,
  };
  const quiet =
    failover.length === 0
      ? [
          "cost mode: no unit that carries traffic has capacity errors, unschedulable pods or a latency breach",
        ]
      : failover.filter((e) => e.rule !== "response").map((e) => e.detail);
  if (!band.met) {
    return { ...base, kind: "stay", reasons: quiet, evidence: [...failover, band] };
  }
  const rebalance = {
    ...base,
    demandRps: planned.rps,
    kind: "rebalance" as const,
    from: "cost" as const,
    to: "cost" as const,
    weights: { current, target },
    reasons: [band.detail, planned.detail],
  };
  // A risk to the service is answered like a failover, never held back by anti-flap.
  if (atRisk) {
    return { ...rebalance, evidence: [...failover, band] };
  }
  const gates = antiFlapEvidence(state, policy, now);
  const evidence = [...failover, band, ...gates];
  if (!gates.every((g) => g.met)) {
    return {
      ...base,
      kind: "stay",
      heldBack: "rebalance",
      reasons: [
        "a rebalance is due but anti-flap holds it back",
        ...gates.filter((g) => !g.met).map((g) => g.detail),
      ],
      evidence,
    };
  }
  return { ...rebalance, evidence };
}

/**
 * The demand a rebalance plans for. Weights are fixed shares, so between two rebalances
 * every unit grows with demand in proportion to its share — the units kept only for
 * their free minReplicaCount pods too, which then add pods at their higher price. On a
 * rising demand the plan is made for where demand will be by the time a next rebalance
 * could act (two sustain windows on the trend of the last one), so those units keep
 * room and the growth goes to the cheapest units that can grow. On a falling demand it
 * plans for now, and the free pods take their full share.
 */
function planningDemand(
  window: readonly { readonly at: EpochMs; readonly rps: number }[],
  demandRps: number,
  sustain: number,
): { rps: number; detail: string } {
  // The least-squares slope of the window: one noisy minute at either end moves it little.
  const n = window.length;
  const meanAt = n === 0 ? 0 : window.reduce((sum, m) => sum + m.at, 0) / n;
  const meanRps = n === 0 ? 0 : window.reduce((sum, m) => sum + m.rps, 0) / n;
  const spread = window.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) ** 2, 0);
  const slope =
    spread > 0
      ? window.reduce((sum, m) => sum + ((m.at - meanAt) / MINUTE) * (m.rps - meanRps), 0) / spread
      : 0;
  if (!(slope > 0)) {
    return { rps: demandRps, detail: `planned for ${round1(demandRps)} RPS, the demand now` };
  }
  const horizon = 2 * sustain;
  const rps = demandRps + slope * horizon;
  return {
    rps,
    detail: `planned for ${round1(rps)} RPS: ${round1(demandRps)} now, rising ${round1(slope)} RPS/min, looking ${horizon} min ahead`,
  };
}

function targetPlan(state: ServiceState, observations: Observations, demandRps: number): ServicePlan {
  return planService({
    service: state.service,
    mode: "cost",
    demandRps,
    conditions: observations.conditions,
  });
}

function targetWeights(
  state: ServiceState,
  observations: Observations,
  demandRps: number,
): Record<string, number> {
  return weightsOf(targetPlan(state, observations, demandRps));
}

function byInstanceType(signals: readonly CapacitySignal[]): Map<string, CapacitySignal[]> {
  const groups = new Map<string, CapacitySignal[]>();
  for (const signal of signals) {
    groups.set(signal.instanceType, [...(groups.get(signal.instanceType) ?? []), signal]);
  }
  return groups;
}

function total(signals: readonly CapacitySignal[]): number {
  return signals.reduce((sum, s) => sum + s.count, 0);
}

function describeSignals(signals: readonly CapacitySignal[]): string {
  const codes = [...new Set(signals.map((s) => s.code))].join("/");
  const sources = [...new Set(signals.map((s) => s.source))].join(", ");
  return `${total(signals)} ${codes} (${sources})`;
}
