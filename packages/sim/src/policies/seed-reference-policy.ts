import {
  type CapacitySignal,
  type EpochMs,
  type Mode,
  planService,
  type ServicePlan,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core";
import type {
  ComparedPolicy,
  DecisionNote,
  MoveRecord,
  PolicyContext,
  PolicyRun,
} from "./compared-policy.ts";
import { annotationsFor, kedaTargetsOf, peakWeightedService, plannedStart } from "./initial-state.ts";

const MINUTE = 60_000;
/** The seed's controller polls every 5 minutes and looks back as far. */
const POLL_MS = 5 * MINUTE;

/**
 * The seed's own controller (seed 003, figures 10-11): every 5 minutes it looks for
 * capacity errors in the last 5 minutes; on any, it applies the round-robin manifests
 * (Ingress and ScaledObjects at once, no make-before-break). It goes back to the
 * weighted manifests only when the next load cycle starts and no error is in sight.
 * Its weighted manifests are the static-cost policy's.
 */
export const seedReferencePolicy: ComparedPolicy = {
  name: "seed-reference",
  description:
    "the seed's controller: polls capacity errors every 5 min, applies round-robin at once, reverts only when the next load cycle starts",
  initialState: (scenario) => plannedStart(scenario, "cost", peakWeightedService(scenario)),
  attach(context: PolicyContext): PolicyRun {
    const { scenario, env, scheduler, cluster } = context;
    const weighted = peakWeightedService(scenario);
    const cycles = env.demand.cycleStarts();
    const moves: MoveRecord[] = [];
    const decisions: DecisionNote[] = [];
    let mode: Mode = "cost";
    let failedOverAt: EpochMs | null = null;

    const apply = async (plan: ServicePlan, at: EpochMs): Promise<void> => {
      const annotations = annotationsFor(plan.mode === "cost" ? weighted : scenario.service, plan);
      await cluster.patchRouting(scenario.service, (current) => ({
        metadata: {
          resourceVersion: current.resourceVersion,
          annotations: {
            ...annotations,
            [SWITCHYARD_ANNOTATIONS.lastTransition]: new Date(at).toISOString(),
          },
        },
      }));
      for (const [unit, target] of Object.entries(kedaTargetsOf(plan))) {
        await cluster.setScalingTarget(scenario.service, unit, target);
      }
    };

    const poll = async (at: EpochMs): Promise<void> => {
      const errors = await cluster.capacityEvents(at - POLL_MS);
      const demandRps = env.demand.rpsAt(at);
      if (mode === "cost" && errors.length > 0) {
        const reasons = [`capacity errors in the last 5 min: ${describe(errors)}`];
        await apply(planService({ service: scenario.service, mode: "capacity", demandRps }), at);
        moves.push({
          move: "failover",
          from: "cost",
          to: "capacity",
          decidedAt: at,
          appliedAt: at,
          outcome: "succeeded",
          reasons,
          notes: [],
        });
        decisions.push({ at, kind: "failover", reasons });
        mode = "capacity";
        failedOverAt = at;
      } else if (mode === "capacity" && failedOverAt !== null) {
        const since = failedOverAt;
        const cycleStarted = cycles.some((c) => c > since && c <= at);
        if (cycleStarted && errors.length === 0) {
          const reasons = ["a new load cycle started and no capacity error in the last 5 min"];
          await apply(planService({ service: weighted, mode: "cost", demandRps }), at);
          moves.push({
            move: "fallback",
            from: "capacity",
            to: "cost",
            decidedAt: at,
            appliedAt: at,
            outcome: "succeeded",
            reasons,
            notes: [],
          });
          decisions.push({ at, kind: "fallback", reasons });
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

function describe(errors: readonly CapacitySignal[]): string {
  const byType = new Map<string, number>();
  for (const e of errors) {
    byType.set(e.instanceType, (byType.get(e.instanceType) ?? 0) + e.count);
  }
  return [...byType].map(([type, count]) => `${count} InsufficientInstanceCapacity for ${type}`).join(", ");
}
