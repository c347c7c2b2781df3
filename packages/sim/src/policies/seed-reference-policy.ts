import {
  EPSILON,
  type EpochMs,
  type InferenceService,
  MINUTE,
  type Mode,
  planService,
  type RoutingPlan,
} from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { DemandCurve } from "../demand/demand-curve.ts";
import type { InitialState } from "../model/environment.ts";
import type { CapacityError } from "../model/karpenter.ts";
import type { Scenario } from "../scenario/types.ts";
import type {
  ComparedPolicy,
  DecisionNote,
  MoveRecord,
  PolicyContext,
  PolicyRun,
} from "./compared-policy.ts";
import { annotationsForRouting, kedaTargetsOf, peakWeightedService } from "./initial-state.ts";

/** The seed's controller runs its query every 300 s over the last 5 minutes of Karpenter's logs. */
const POLL_MS = 5 * MINUTE;

/** One of the seed's two sets of manifests: an Ingress's routing and the ScaledObjects' targets. */
interface SeedManifestSet {
  readonly routing: RoutingPlan;
  /** KEDA targetMetricValue per unit, as the ScaledObject holds it (a string). */
  readonly targets: Readonly<Record<string, string>>;
}

/** The manifests the seed's controller applies: weighted routing normally, equal routing after a capacity error. */
interface SeedManifestPair {
  readonly weighted: SeedManifestSet;
  readonly equal: SeedManifestSet;
  /** Where they came from, for the report. */
  readonly source: "scenario" | "least-cost stand-in";
}

/**
 * The seed's manifests for this scenario: its `seedReference` block (the hand-set
 * 40/20/15/10/15 Ingress and the ScaledObjects of seed 003 for the SD2.1 examples), or,
 * for a scenario without one, a stand-in built the way the seed's were meant to be:
 * the least-cost weights at the run's peak with each unit's breaking point as its
 * target, and round-robin with adjusted throughput.
 */
function seedManifests(scenario: Scenario): SeedManifestPair {
  const { service, seedReference } = scenario;
  if (seedReference === null) {
    const peak = peakWeightedService(scenario);
    const weighted = planService({ service: peak, mode: "cost", demandRps: 0 });
    const equal = planService({ service, mode: "capacity", demandRps: 0 });
    return {
      weighted: { routing: weighted.routing, targets: kedaTargetsOf(weighted) },
      equal: { routing: equal.routing, targets: kedaTargetsOf(equal) },
      source: "least-cost stand-in",
    };
  }
  const text = (targets: Readonly<Record<string, number>>) =>
    Object.fromEntries(service.units.map((u) => [u.name, String(targets[u.name] ?? u.maxRps)]));
  return {
    weighted: {
      routing: {
        targetGroups: service.units.map((u) => ({
          serviceName: u.service.name,
          servicePort: u.service.port,
          weight: seedReference.weights[u.name] ?? 0,
        })),
      },
      targets: text(seedReference.weightedTargets),
    },
    equal: { routing: equalRouting(service), targets: text(seedReference.equalTargets) },
    source: "scenario",
  };
}

/**
 * The seed's equal-routing Ingress: one target group, the Service that selects every
 * unit's pods, at weight 100 (round-robin per pod). A service without one gets every
 * unit at the same weight.
 */
function equalRouting(service: InferenceService): RoutingPlan {
  const consolidated = service.consolidatedService;
  return consolidated === undefined
    ? {
        targetGroups: service.units.map((u) => ({
          serviceName: u.service.name,
          servicePort: u.service.port,
          weight: 1,
        })),
      }
    : { targetGroups: [{ serviceName: consolidated.name, servicePort: consolidated.port, weight: 100 }] };
}

/**
 * The start of the run with the weighted manifests in place and, per unit, the pods
 * KEDA would have settled on for the first minute's demand under them.
 */
function seedStart(scenario: Scenario): InitialState {
  const { service } = scenario;
  const manifests = seedManifests(scenario);
  const demand = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end);
  const rps = demand.rpsAt(scenario.start);
  const weightOf = new Map(manifests.weighted.routing.targetGroups.map((g) => [g.serviceName, g.weight]));
  const total = service.units.reduce((sum, u) => sum + (weightOf.get(u.service.name) ?? 0), 0);
  const pods = Object.fromEntries(
    service.units.map((u) => {
      const share = total > 0 ? (weightOf.get(u.service.name) ?? 0) / total : 0;
      const target = Number(manifests.weighted.targets[u.name]);
      const wanted = target > 0 ? Math.ceil((rps * share) / target - EPSILON) : u.minReplicaCount;
      return [u.name, Math.min(u.maxReplicaCount, Math.max(u.minReplicaCount, wanted))];
    }),
  );
  return {
    annotations: annotationsForRouting(service, manifests.weighted.routing, "cost"),
    kedaTargets: manifests.weighted.targets,
    pods,
    autoscaling: true,
  };
}

/**
 * The seed's own controller (seed 003, figures 10-11) with its hand-set manifests: every
 * 300 s a CloudWatch Logs Insights query for Karpenter's "insufficient capacity" launch
 * failures in the last 5 minutes; on a match it applies the equal-routing Ingress, then
 * the equal-routing ScaledObjects (no make-before-break). It applies the weighted
 * ScaledObjects, then the weighted Ingress, only when its load generator starts the
 * next cycle, and no failure is in sight then.
 */
export const seedReferencePolicy: ComparedPolicy = {
  name: "seed-reference",
  description:
    "the seed's controller with its hand-set manifests: polls Karpenter's capacity failures every 5 min, applies the equal-routing Ingress and ScaledObjects at once, reverts to the weighted ones only when the next load cycle starts",
  initialState: seedStart,
  attach(context: PolicyContext): PolicyRun {
    const { scenario, env, scheduler, cluster } = context;
    const manifests = seedManifests(scenario);
    const cycles = env.demand.cycleStarts();
    const moves: MoveRecord[] = [];
    const decisions: DecisionNote[] = [];
    let mode: Mode = "cost";
    let failedOverAt: EpochMs | null = null;

    const applyIngress = async (set: SeedManifestSet, to: Mode, at: EpochMs): Promise<void> => {
      await cluster.patchRouting(scenario.service, (current) => ({
        metadata: {
          resourceVersion: current.resourceVersion,
          annotations: {
            ...annotationsForRouting(scenario.service, set.routing, to),
            [SWITCHYARD_ANNOTATIONS.lastTransition]: new Date(at).toISOString(),
          },
        },
      }));
    };
    const applyScaledObjects = async (set: SeedManifestSet): Promise<void> => {
      for (const [unit, target] of Object.entries(set.targets)) {
        await cluster.setScalingTarget(scenario.service, unit, () => target);
      }
    };
    const record = (move: "failover" | "fallback", at: EpochMs, reasons: string[]): void => {
      moves.push({
        move,
        from: move === "failover" ? "cost" : "capacity",
        to: move === "failover" ? "capacity" : "cost",
        decidedAt: at,
        appliedAt: at,
        outcome: "succeeded",
        reasons,
        notes: [],
      });
      decisions.push({ at, kind: move, reasons });
    };

    // Its Logs Insights query matches Karpenter's "insufficient capacity" launch failures
    // in the controller's log, Spot or on-demand alike (the log line carries the fleet
    // error whatever EC2's message says): every failed launch of the last 5 minutes.
    const capacityFailures = (since: EpochMs, at: EpochMs) =>
      env.capacityErrors.filter((e) => e.at >= since && e.at <= at);
    const poll = async (at: EpochMs): Promise<void> => {
      const errors = capacityFailures(at - POLL_MS, at);
      if (mode === "cost" && errors.length > 0) {
        await applyIngress(manifests.equal, "capacity", at);
        await applyScaledObjects(manifests.equal);
        record("failover", at, [`capacity errors in the last 5 min: ${describe(errors)}`]);
        mode = "capacity";
        failedOverAt = at;
      } else if (mode === "capacity" && failedOverAt !== null) {
        const since = failedOverAt;
        const cycleStarted = cycles.some((c) => c > since && c <= at);
        if (cycleStarted && errors.length === 0) {
          await applyScaledObjects(manifests.weighted);
          await applyIngress(manifests.weighted, "cost", at);
          record("fallback", at, ["a new load cycle started and no capacity error in the last 5 min"]);
          mode = "cost";
          failedOverAt = null;
        } else if (decisions[decisions.length - 1]?.kind !== "stay") {
          decisions.push({
            at,
            kind: "stay",
            reasons: [
              cycleStarted
                ? "capacity errors are still reported"
                : "waiting for the next load cycle to start",
            ],
          });
        }
      }
      if (at + POLL_MS < scenario.end) {
        scheduler.at(at + POLL_MS, () => poll(at + POLL_MS));
      }
    };
    scheduler.at(scenario.start + POLL_MS, () => poll(scenario.start + POLL_MS));
    return { moves: () => moves, decisions: () => decisions, failures: () => [] };
  },
};

function describe(errors: readonly CapacityError[]): string {
  const byType = new Map<string, number>();
  for (const e of errors) {
    byType.set(e.instanceType, (byType.get(e.instanceType) ?? 0) + e.count);
  }
  return [...byType].map(([type, count]) => `${count} InsufficientInstanceCapacity for ${type}`).join(", ");
}
