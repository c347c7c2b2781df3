import type { Policy } from "../config/types.ts";
import type { CapacitySignal } from "../signals/types.ts";
import type { Observations, UnitObservation } from "./observations.ts";
import type { ScaleOutBlocker, UrgencyWhy } from "./reason-facts.ts";
import { detail } from "./reasons.ts";
import { type Breach, type Evidence, isBreach } from "./types.ts";

/**
 * Per unit that carries traffic, the rules of a loss (cost mode): capacity errors for
 * one of its instance types in the window (one piece of evidence per type), pods
 * unschedulable past the grace period, latency over the SLO in K of the last M minutes
 * while it cannot scale out. A unit that carries no traffic gets its capacity errors
 * reported, never breached.
 */
export function failoverEvidence(observations: Observations, policy: Policy, sloMs: number): Breach[] {
  const evidence: Breach[] = [];
  // With no unit able to serve, routing has nowhere better to send traffic.
  const everyTargetGroupEmpty = observations.units.every((o) => o.emptyTargetGroup);
  for (const o of observations.units) {
    if (!o.carriesTraffic) {
      if (o.recentCapacitySignals.length > 0) {
        evidence.push(capacityErrors(o, null, o.recentCapacitySignals, policy));
      }
      continue;
    }
    for (const [instanceType, group] of byInstanceType(o.recentCapacitySignals)) {
      evidence.push(capacityErrors(o, instanceType, group, policy));
    }
    if (o.reclaimingPods > 0) {
      evidence.push(spotInterruption(o));
    }
    if (o.emptyTargetGroup && !everyTargetGroupEmpty) {
      evidence.push(emptyTargetGroup(o, observations));
    }
    if (o.unschedulableSeconds !== null) {
      evidence.push(unschedulablePods(o, o.unschedulableSeconds, policy));
    }
    if (o.latency.breachedMinutes > 0) {
      evidence.push(latencyBreach(o, observations, policy, sloMs));
    }
  }
  return evidence;
}

function capacityErrors(
  o: UnitObservation,
  instanceType: string | null,
  signals: readonly CapacitySignal[],
  policy: Policy,
): Breach {
  return {
    rule: "capacity-errors",
    unit: o.unit.name,
    ...(instanceType === null ? {} : { instanceType }),
    observed: signals.reduce((sum, s) => sum + s.count, 0),
    threshold: 1,
    // Errors in one of several zones, or for Spot while on-demand is allowed, leave the
    // unit somewhere to launch: Karpenter goes there, and nothing is lost.
    breached: o.carriesTraffic && o.blocked,
    detail: detail({
      rule: "capacity-errors",
      unit: o.unit.name,
      carriesTraffic: o.carriesTraffic,
      blocked: o.blocked,
      weight: o.weight,
      instanceType,
      signals,
      windowMinutes: policy.capacityErrorWindowMinutes,
    }),
  };
}

/** A Spot interruption warning for a unit that carries traffic: its warned pods go within two minutes. */
function spotInterruption(o: UnitObservation): Breach {
  const zones = o.warned.wholeUnit ? [] : o.warned.zones;
  return {
    rule: "spot-interruption",
    unit: o.unit.name,
    observed: o.reclaimingPods,
    threshold: 1,
    breached: o.carriesTraffic && o.reclaimingPods > 0,
    detail: detail({
      rule: "spot-interruption",
      unit: o.unit.name,
      weight: o.weight,
      warnings: o.warnings.reduce((sum, w) => sum + w.count, 0),
      zones,
      reclaimingPods: o.reclaimingPods,
      carriesTraffic: o.carriesTraffic,
    }),
  };
}

/** A unit that carries traffic with no ready pod to serve it: the ALB answers its share with 503. */
function emptyTargetGroup(o: UnitObservation, observations: Observations): Breach {
  const running = observations.conditions[o.unit.name]?.runningPods ?? 0;
  return {
    rule: "empty-target-group",
    unit: o.unit.name,
    observed: Math.max(0, running - o.reclaimingPods),
    threshold: 1,
    breached: o.carriesTraffic,
    detail: detail({
      rule: "empty-target-group",
      unit: o.unit.name,
      weight: o.weight,
      readyPods: running,
      reclaimingPods: o.reclaimingPods,
    }),
  };
}

function unschedulablePods(o: UnitObservation, waitingSeconds: number, policy: Policy): Breach {
  return {
    rule: "unschedulable-pods",
    unit: o.unit.name,
    observed: Math.round(waitingSeconds),
    threshold: policy.unschedulableGraceSeconds,
    breached: o.unschedulablePastGrace,
    detail: detail({
      rule: "unschedulable-pods",
      unit: o.unit.name,
      pods: o.unschedulablePods,
      waitingSeconds,
      graceSeconds: policy.unschedulableGraceSeconds,
    }),
  };
}

function latencyBreach(
  o: UnitObservation,
  observations: Observations,
  policy: Policy,
  sloMs: number,
): Breach {
  // Capacity mode helps only if some other unit can take more: when none can scale
  // out, round-robin adds no capacity and holds every pod to the slowest unit's pace.
  const othersCanScale = observations.units.some((other) => other !== o && !other.cannotScaleOut);
  return {
    rule: "latency-breach",
    unit: o.unit.name,
    observed: o.latency.breachedMinutes,
    threshold: policy.latencyBreachMinutes,
    breached: o.breachesSlo && o.cannotScaleOut && othersCanScale,
    detail: detail({
      rule: "latency-breach",
      unit: o.unit.name,
      sloMs,
      breachedMinutes: o.latency.breachedMinutes,
      windowMinutes: policy.latencyWindowMinutes,
      breachMinutes: policy.latencyBreachMinutes,
      worstMs: o.latency.worstMs,
      blocker: o.cannotScaleOut ? scaleOutBlocker(o) : null,
      maxReplicaCount: o.unit.maxReplicaCount,
      othersCanScale,
    }),
  };
}

function scaleOutBlocker(o: UnitObservation): ScaleOutBlocker {
  if (o.blocked) {
    return "capacity-errors";
  }
  return o.unschedulablePods > 0 ? "unschedulable-pods" : "max-replicas";
}

/** The units a breached rule names: the causes of a loss, in the order found. */
export function lossCauses(evidence: readonly Evidence[]): string[] {
  return [
    ...new Set(
      evidence.filter((e) => isBreach(e) && e.breached && e.unit !== undefined).map((e) => e.unit as string),
    ),
  ];
}

/** How pressing a loss is, read once from its causes. */
export interface Urgency {
  /** Why traffic cannot wait for the receivers' pods; null when it can. */
  readonly why: UrgencyWhy | null;
  /**
   * A cause serves nothing now or soon — pods desired and none ready, or its instances
   * being reclaimed — so a reroute moves at once whatever the pods ready elsewhere serve.
   */
  readonly losing: boolean;
  /** A cause runs no ready pod at all, or every one is being reclaimed (one KEDA scaled to zero too): what it is sent fails. */
  readonly podsLost: boolean;
}

/**
 * The one reading of a loss's urgency: a breached latency rule (a cause over the SLO),
 * then the first cause with pods desired and none ready, or with a Spot interruption
 * warning. Every other use of urgency — the response, the early move — reads this.
 */
export function lossUrgency(
  causes: readonly string[],
  evidence: readonly Evidence[],
  observations: Observations,
): Urgency {
  const of = causes.flatMap((name) => observations.units.filter((u) => u.unit.name === name));
  const reclaimed = (o: UnitObservation) =>
    o.reclaimingPods > 0 || o.recentCapacitySignals.some((s) => s.source === "spot-interruption");
  const breaching = evidence.find((e) => isBreach(e) && e.breached && e.rule === "latency-breach");
  const failing = of.find((o) => !o.podsReady || reclaimed(o));
  const why: UrgencyWhy | null =
    breaching !== undefined
      ? { unit: breaching.unit as string, because: "breaks-slo" }
      : failing === undefined
        ? null
        : { unit: failing.unit.name, because: failing.podsReady ? "reclaimed" : "no-ready-pod" };
  return {
    why,
    losing: failing !== undefined,
    podsLost: causes.some((name) => {
      const condition = observations.conditions[name];
      return (
        condition?.runningPods !== undefined && condition.runningPods - (condition.reclaimingPods ?? 0) <= 0
      );
    }),
  };
}

function byInstanceType(signals: readonly CapacitySignal[]): Map<string, CapacitySignal[]> {
  const groups = new Map<string, CapacitySignal[]>();
  for (const signal of signals) {
    groups.set(signal.instanceType, [...(groups.get(signal.instanceType) ?? []), signal]);
  }
  return groups;
}
