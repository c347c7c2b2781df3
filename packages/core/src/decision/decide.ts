import type { Policy } from "../config/types.ts";
import { planService } from "../planning/plan-service.ts";
import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import { antiFlapEvidence, lastFallbackUndone, round1 } from "./anti-flap.ts";
import { type Observations, observe, type UnitObservation } from "./observations.ts";
import { pinHolds } from "./pin.ts";
import type { Decision, DecisionSignals, Evidence, ServiceState } from "./types.ts";

const MINUTE = 60_000;

/**
 * Whether a service should stay, fail over, fall back or rebalance — pure: everything
 * it needs is in its arguments, and the result carries the evidence (which signals,
 * which thresholds, what was observed) that becomes the mode-switch execution's input.
 *
 * - failover (cost → capacity): a unit that carries traffic cannot get capacity
 *   (capacity errors for its instance types in the window, or pods unschedulable past
 *   the grace period), or breaks the SLO for K of the last M minutes while it cannot
 *   scale out. Never delayed by anti-flap.
 * - fallback (capacity → cost): every causing unit clear for the quiet period (longer
 *   after a fallback that was undone), its pods schedule, the SLO holds, and the
 *   anti-flap gates pass.
 * - rebalance (cost → cost): the cost-optimal weights have moved past the dead-band in
 *   every minute of the sustain window, and the anti-flap gates pass; also, at once and
 *   in either mode, when the action annotation cannot be read (it is rewritten).
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
      return {
        ...base,
        kind: "failover",
        from: "cost",
        to: "capacity",
        causes,
        urgent: urgentWhy !== null,
        reasons: [
          ...evidence.filter((e) => e.met && e.rule !== "action-annotation").map((e) => e.detail),
          urgentWhy === null
            ? `not urgent: ${causes.join(", ")} still ${causes.length === 1 ? "serves" : "serve"} and only cannot grow, so traffic moves once the receivers' pods are ready`
            : `urgent: ${urgentWhy}, so traffic moves at once`,
        ],
        evidence,
      };
    }
    if (state.actionProblem !== null) {
      return repair(base, state, evidence);
    }
    return rebalanceOrStay(base, state, observations, policy, now, evidence);
  }

  const fallback = fallbackEvidence(state, observations, policy, now);
  const evidence = [...fallback, ...annotationEvidence];
  if (fallback.every((e) => e.met)) {
    return {
      ...base,
      kind: "fallback",
      from: "capacity",
      to: "cost",
      reasons: [
        `every unit that caused the failover (${state.failoverCause.join(", ")}) is clear: ${fallback
          .filter((e) => e.rule === "quiet-period")
          .map((e) => e.detail)
          .join("; ")}`,
        ...fallback.filter((e) => e.rule !== "quiet-period").map((e) => e.detail),
      ],
      evidence,
    };
  }
  if (state.actionProblem !== null) {
    return repair(base, state, evidence);
  }
  const troubleClear = fallback
    .filter((e) => e.rule !== "dwell-time" && e.rule !== "switch-cap")
    .every((e) => e.met);
  return {
    ...base,
    kind: "stay",
    ...(troubleClear ? { heldBack: "fallback" as const } : {}),
    reasons: [
      troubleClear
        ? "capacity mode: the trouble has cleared but anti-flap holds the fallback back"
        : "capacity mode: not every condition for a fallback holds yet",
      ...fallback.filter((e) => !e.met).map((e) => e.detail),
    ],
    evidence,
  };
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

/** The gates of a fallback, each as evidence; all must be met. */
function fallbackEvidence(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
): Evidence[] {
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
  const evidence: Evidence[] = [];
  for (const name of state.failoverCause) {
    const o = observations.units.find((u) => u.unit.name === name);
    if (o === undefined) {
      continue;
    }
    const clearFor = o.lastCapacitySignalAt === null ? null : (now - o.lastCapacitySignalAt) / MINUTE;
    evidence.push({
      rule: "quiet-period",
      unit: name,
      observed: clearFor === null ? null : round1(clearFor),
      threshold: quiet,
      met: clearFor === null || clearFor >= quiet,
      detail:
        clearFor === null
          ? `${name}: no capacity error in the signals (quiet period ${quiet} min${longer})`
          : `${name}: last capacity error ${round1(clearFor)} min ago (quiet period ${quiet} min${longer})`,
    });
    evidence.push({
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
  const consolidatedName = state.service.consolidatedService?.name;
  const breaching = [
    ...observations.units.filter((o) => o.breachesSlo).map((o) => o.unit.name),
    ...(observations.consolidated?.breaches === true ? [`the consolidated Service ${consolidatedName}`] : []),
  ];
  const known =
    observations.units.some((o) => o.latency.knownMinutes > 0) ||
    (observations.consolidated?.knownMinutes ?? 0) > 0;
  evidence.push({
    rule: "slo-holds",
    observed: breaching.length > 0 ? breaching.join(", ") : known ? "within SLO" : "no latency data",
    threshold: state.service.slo.latencyMs,
    met: breaching.length === 0 && known,
    detail:
      breaching.length > 0
        ? `SLO ${state.service.slo.latencyMs} ms broken by ${breaching.join(", ")}`
        : known
          ? `SLO ${state.service.slo.latencyMs} ms holds over the last ${policy.latencyWindowMinutes} min`
          : `no latency reported in the last ${policy.latencyWindowMinutes} min: the SLO cannot be shown to hold`,
  });
  evidence.push(...antiFlapEvidence(state, policy, now));
  return evidence;
}

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
  const shifts = window.map((minute) => maxShift(current, targetWeights(state, observations, minute.rps)));
  const sustained =
    window.length >= sustain && shifts.every((shift) => shift > policy.rebalanceDeadBandPercent);
  const smallest = shifts.length === 0 ? 0 : Math.min(...shifts);
  const band: Evidence = {
    rule: "rebalance-dead-band",
    observed: smallest,
    threshold: policy.rebalanceDeadBandPercent,
    met: sustained,
    detail: sustained
      ? `demand moved the cost-optimal weights by more than ${policy.rebalanceDeadBandPercent} points in each of the last ${sustain} min (at least ${smallest})`
      : `cost-optimal weights within ${policy.rebalanceDeadBandPercent} points of the current ones, or not for ${sustain} min yet`,
  };
  const quiet =
    failover.length === 0
      ? [
          "cost mode: no unit that carries traffic has capacity errors, unschedulable pods or a latency breach",
        ]
      : failover.map((e) => e.detail);
  if (!sustained) {
    return { ...base, kind: "stay", reasons: quiet, evidence: [...failover, band] };
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
  return {
    ...base,
    kind: "rebalance",
    from: "cost",
    to: "cost",
    weights: { current, target: targetWeights(state, observations, observations.demandRps) },
    reasons: [band.detail],
    evidence,
  };
}

function targetWeights(
  state: ServiceState,
  observations: Observations,
  demandRps: number,
): Record<string, number> {
  const plan = planService({
    service: state.service,
    mode: "cost",
    demandRps,
    conditions: observations.conditions,
  });
  return Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0]));
}

/** The largest change of any unit's weight, in points. */
function maxShift(
  current: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): number {
  const names = new Set([...Object.keys(current), ...Object.keys(target)]);
  let shift = 0;
  for (const name of names) {
    shift = Math.max(shift, Math.abs((current[name] ?? 0) - (target[name] ?? 0)));
  }
  return shift;
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
