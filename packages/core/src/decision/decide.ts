import type { Policy } from "../config/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { MINUTE } from "../units.ts";
import { antiFlapEvidence } from "./anti-flap.ts";
import { demandNow } from "./demand-trend.ts";
import { failoverEvidence, lossCauses, lossUrgency } from "./failover-evidence.ts";
import { fallbackGates } from "./fallback-gates.ts";
import { leftoverEvidence, orphanedHolds, repairedLately } from "./leftovers.ts";
import { type Observations, observe } from "./observations.ts";
import { pinGate, pinHolds } from "./pin.ts";
import { reason } from "./reasons.ts";
import { rebalanceCheck } from "./rebalance.ts";
import { annotationEvidence } from "./repair.ts";
import { compareResponses, earlyMove, routingRisk } from "./response.ts";
import { weightsOf } from "./routing-load.ts";
import type { Breach, Decision, DecisionSignals, Evidence, ServiceState } from "./types.ts";

/**
 * Whether a service should stay or move, and which move — pure: everything it needs is
 * in its arguments, and the result carries the evidence (which signals, which
 * thresholds, what was observed) that becomes the mode-switch execution's input.
 *
 * Each rule lives in a module of its own and returns evidence (its sentences written by
 * reasons.ts); this function only composes them, in this order, the first to decide winning:
 *
 * 1. pinned — an operator's pin holds: observe and report only (pin.ts).
 *    Then `stay` while the action annotation holds a valid action of someone else's (a
 *    forward by target-group ARN, a fixed response, a redirect): any move would write
 *    over it, so the evidence says why and nothing is done (repair.ts).
 * 2. cost mode, a loss — a unit that carries traffic cannot get capacity or breaks the
 *    SLO while it cannot scale out (failover-evidence.ts). Both answers are planned and
 *    compared (response.ts): `failover` to capacity mode when cost mode cannot carry
 *    demand, else `reroute` inside cost mode when the weights in force overload the
 *    frozen units, else the loss is already routed around. Never delayed by anti-flap.
 * 3. `repair` — the action annotation cannot be read: rewritten at once (repair.ts); or
 *    a switch left holds or targets behind, or the last transition lies in the future:
 *    the current mode re-planned (leftovers.ts), at most once per dwell time.
 * 4. cost mode — `rebalance` when the cost-optimal plan saves more than the dead band
 *    for the sustain window (anti-flap gates apply), or at once when the weights put the
 *    service at risk (rebalance.ts, demand-trend.ts).
 * 5. capacity mode — `fallback` when the causes recovered or cost mode routes around
 *    them, the SLO gate passes and the anti-flap gates pass (fallback-gates.ts).
 * 6. otherwise `stay`, saying what it waits for (and what anti-flap holds back).
 */
export function decide(
  state: ServiceState,
  signals: DecisionSignals,
  policy: Policy,
  now: EpochMs,
): Decision {
  const observations = observe(state, signals, policy, now);
  const base: Base = {
    service: state.service.name,
    mode: state.mode,
    demandRps: observations.demandRps,
    conditions: observations.conditions,
    at: now,
  };
  const annotation = annotationEvidence(state);
  const leftovers = leftoverEvidence(state, now);
  if (pinHolds(state.pin, now)) {
    const pin = state.pin;
    // The loss rules are still read: the pinned decision reports what it would have seen.
    return {
      ...base,
      kind: "pinned",
      pin,
      reasons: [reason({ reason: "pinned", pin }), ...(pin.problem === undefined ? [] : [pin.problem])],
      evidence: [
        pinGate(pin),
        ...failoverEvidence(observations, policy, state.service.slo.latencyMs),
        ...annotation,
        ...leftovers,
      ],
    };
  }
  if (state.actionForeign !== null) {
    // Someone else's valid action (a maintenance page, a blue/green by target-group ARN):
    // any move would write over it, so none is made; the loss rules are still reported.
    return {
      ...base,
      kind: "stay",
      reasons: [reason({ reason: "foreign-action", foreign: state.actionForeign })],
      evidence: [...failoverEvidence(observations, policy, state.service.slo.latencyMs), ...annotation],
    };
  }
  if (state.mode === "cost") {
    const evidence = [...failoverEvidence(observations, policy, state.service.slo.latencyMs), ...annotation];
    const causes = lossCauses(evidence);
    if (causes.length > 0) {
      return answerLoss(base, state, observations, policy, now, evidence, causes);
    }
    // A readable action is the precondition of every other cost-mode judgement.
    if (state.actionProblem !== null) {
      return repair(base, state.actionProblem, evidence);
    }
    if (leftovers.length > 0 && !repairedLately(state, policy, now)) {
      return repairLeftovers(base, state, [...evidence, ...leftovers]);
    }
    return rebalanceOrStay(base, state, observations, policy, now, [...evidence, ...leftovers]);
  }
  return fallbackOrStay(base, state, observations, policy, now, [...annotation, ...leftovers]);
}

type Base = Omit<Extract<Decision, { kind: "stay" }>, "kind" | "reasons" | "evidence" | "heldBack">;

/** A loss in cost mode: fail over, reroute around it, or — routed around already — carry on as without it. */
function answerLoss(
  measuredBase: Base,
  state: ServiceState,
  measured: Observations,
  policy: Policy,
  now: EpochMs,
  evidence: readonly Breach[],
  causes: readonly string[],
): Decision {
  let base = measuredBase;
  let observations = measured;
  // A loss is answered for the demand now, not for the newest measured minute: that is
  // minutes old, and in a surge a reroute sized on it starts a fraction of the pods its
  // receivers will need (then waits for them, and the right move comes a plan later).
  const sized = sizedNow(state, observations, policy, now);
  observations = sized.observations;
  base = { ...base, demandRps: observations.demandRps };
  const urgency = lossUrgency(causes, evidence, observations);
  const response = compareResponses(state, observations, causes, urgency, policy);
  const urgencyReason = reason({ reason: "urgency", causes, why: urgency.why });
  const troubles = evidence.filter((e) => e.breached && e.rule !== "action-annotation").map((e) => e.detail);
  if (response.choice === "capacity") {
    // The remaining pools cannot absorb the loss under cost weights.
    return {
      ...base,
      kind: "failover",
      from: "cost",
      to: "capacity",
      causes,
      urgent: urgency.why !== null,
      reasons: [...troubles, ...sized.reasons, response.evidence.detail, urgencyReason],
      evidence: [...evidence, response.evidence],
    };
  }
  const risk = routingRisk(state, observations, causes, response.cost);
  if (!risk.breached) {
    // The weights in force already route around the causes: nothing to move for the loss.
    return rebalanceOrStay(measuredBase, state, measured, policy, now, [
      ...evidence,
      response.evidence,
      risk,
    ]);
  }
  const current = state.weights ?? {};
  const target = weightsOf(response.cost);
  const early = earlyMove(state, observations, causes, urgency, current, target);
  // Urgent only when moving before the receivers are ready serves more with the pods ready now.
  const urgent = urgency.why !== null && early.passed;
  return {
    ...base,
    kind: "reroute",
    from: "cost",
    to: "cost",
    causes,
    urgent,
    weights: { current, target },
    reasons: [
      ...troubles,
      ...sized.reasons,
      response.evidence.detail,
      urgency.why !== null && !urgent ? early.detail : urgencyReason,
    ],
    evidence: [...evidence, response.evidence, risk, ...(urgency.why === null ? [] : [early])],
  };
}

/** Cost mode without a loss to move for: a rebalance when due and not held back, else stay. */
function rebalanceOrStay(
  base: Base,
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
  failover: readonly Evidence[],
): Decision {
  const { band, atRisk, planned, target } = rebalanceCheck(state, observations, policy);
  if (!band.passed) {
    const quiet =
      failover.length === 0
        ? [reason({ reason: "cost-quiet" })]
        : failover.filter((e) => e.rule !== "response").map((e) => e.detail);
    return { ...base, kind: "stay", reasons: quiet, evidence: [...failover, band] };
  }
  const rebalance = {
    ...base,
    demandRps: planned.rps,
    kind: "rebalance" as const,
    from: "cost" as const,
    to: "cost" as const,
    weights: { current: state.weights ?? {}, target },
    reasons: [band.detail, planned.detail],
  };
  // A risk to the service is answered like a failover, never held back by anti-flap.
  if (atRisk) {
    return { ...rebalance, evidence: [...failover, band] };
  }
  const gates = antiFlapEvidence(state, policy, now);
  const evidence = [...failover, band, ...gates];
  if (!gates.every((g) => g.passed)) {
    return {
      ...base,
      kind: "stay",
      heldBack: "rebalance",
      reasons: [reason({ reason: "rebalance-held" }), ...gates.filter((g) => !g.passed).map((g) => g.detail)],
      evidence,
    };
  }
  return { ...rebalance, evidence };
}

/** Capacity mode: a fallback when its gates and the anti-flap gates pass, a repair, or stay. */
function fallbackOrStay(
  base: Base,
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
  repairs: readonly Breach[],
): Decision {
  const fallback = fallbackGates(state, observations, policy, now);
  const evidence = [...fallback.evidence, ...repairs];
  if (fallback.troubleClear && fallback.antiFlap.every((e) => e.passed)) {
    return {
      ...base,
      kind: "fallback",
      from: "capacity",
      to: "cost",
      reasons: [
        reason({
          reason: "fallback",
          recovered: fallback.recovered,
          failoverCause: state.failoverCause,
          causes: fallback.causes.map((e) => e.detail),
          routeAround: fallback.routeAround.detail,
        }),
        ...[fallback.slo, ...fallback.antiFlap].map((e) => e.detail),
      ],
      evidence,
    };
  }
  if (state.actionProblem !== null) {
    return repair(base, state.actionProblem, evidence);
  }
  if (repairs.some((e) => e.rule !== "action-annotation") && !repairedLately(state, policy, now)) {
    return repairLeftovers(base, state, evidence);
  }
  return {
    ...base,
    kind: "stay",
    ...(fallback.troubleClear ? { heldBack: "fallback" as const } : {}),
    reasons: [
      reason({ reason: "fallback-held", troubleClear: fallback.troubleClear }),
      ...fallback.evidence.filter((e) => !e.passed).map((e) => e.detail),
    ],
    evidence,
  };
}

/** The action annotation cannot be read: rewrite it with the current mode's plan. */
function repair(base: Base, problem: string, evidence: readonly Evidence[]): Decision {
  return {
    ...base,
    kind: "repair",
    from: base.mode,
    to: base.mode,
    releaseHolds: [],
    reasons: [reason({ reason: "repair", problem, mode: base.mode })],
    evidence,
  };
}

/**
 * The observations a loss is answered on: demand carried forward over the age of the
 * newest measured minute on the slope of the minutes since any shift (demand-trend.ts),
 * never below what was measured. The sentence says so when it differs.
 */
function sizedNow(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
  now: EpochMs,
): { observations: Observations; reasons: string[] } {
  const window = observations.demandByMinute.slice(-Math.max(1, policy.rebalanceSustainMinutes));
  const newest = window[window.length - 1];
  if (newest === undefined || observations.demandSource !== "measured") {
    return { observations, reasons: [] };
  }
  const lagMinutes = Math.max(0, (now - newest.at) / MINUTE);
  const estimate = demandNow(window, observations.demandRps, lagMinutes, state.service.headroom);
  if (estimate.slope === null || !(estimate.rps > observations.demandRps)) {
    return { observations, reasons: [] };
  }
  return {
    observations: { ...observations, demandRps: estimate.rps },
    reasons: [
      reason({
        reason: "sized-now",
        demandRps: estimate.rps,
        measuredRps: observations.demandRps,
        lagMinutes,
        slope: estimate.slope,
      }),
    ],
  };
}

/** A switch left holds or targets behind, or the last transition lies ahead: re-plan the current mode. */
function repairLeftovers(base: Base, state: ServiceState, evidence: readonly Evidence[]): Decision {
  const releaseHolds = orphanedHolds(state);
  const found = evidence.filter(
    (e) => e.rule === "orphaned-holds" || e.rule === "abandoned-switch" || e.rule === "last-transition",
  );
  return {
    ...base,
    kind: "repair",
    from: base.mode,
    to: base.mode,
    releaseHolds,
    reasons: [
      ...found.map((e) => e.detail),
      reason({ reason: "repair-leftovers", mode: base.mode, holds: releaseHolds.length }),
    ],
    evidence,
  };
}
