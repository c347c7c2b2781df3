import type { Policy } from "../config/types.ts";
import { planService } from "../planning/plan-service.ts";
import { podHourlyPrice } from "../planning/unit-economics.ts";
import { round1 } from "../units.ts";
import { type PlanningDemand, planningDemand } from "./demand-trend.ts";
import { HEDGE_TOLERANCE_SHARE, hedgeExposure, hedgeShortfall } from "./hedge-exposure.ts";
import { DEMAND_MINUTES, type Observations } from "./observations.ts";
import type { DeadBandOutcome } from "./reason-facts.ts";
import { detail, reason } from "./reasons.ts";
import { routingLoad, servingTolerance, weightsOf } from "./routing-load.ts";
import type { Gate, ServiceState } from "./types.ts";

/** How many of the latest measured minutes a risk to the service must last before a rebalance answers it. */
export const RISK_MINUTES = DEMAND_MINUTES;

/** Whether a rebalance is due, and what it would write. */
interface RebalanceCheck {
  /** rebalance-dead-band: passed when the plan saves enough for long enough, or the weights put the service at risk. */
  readonly band: Gate;
  /**
   * The weights in force overload a unit, or leave more of demand to one Spot loss than
   * the hedge allows, in each of the last RISK_MINUTES measured minutes: never held back
   * by anti-flap.
   */
  readonly atRisk: boolean;
  /** The demand the target is planned for, and the sentence that says how. */
  readonly planned: PlanningDemand & { readonly detail: string };
  readonly target: Readonly<Record<string, number>>;
}

/**
 * A rebalance is judged on what changes the bill or the risk, not on weight points: in
 * each minute of the sustain window, the weights in force and the target are held to
 * that minute's demand the way KEDA follows them, and compared (a rebalance to the
 * weights it has saves nothing, whatever the plan's own pod count). Only the pods above
 * the minReplicaCount floor are the controller's to save.
 */
export function rebalanceCheck(
  state: ServiceState,
  observations: Observations,
  policy: Policy,
): RebalanceCheck {
  const current = state.weights ?? {};
  const sustain = Math.max(1, policy.rebalanceSustainMinutes);
  const window = observations.demandByMinute.slice(-sustain);
  const floor = state.service.units.reduce((sum, u) => sum + u.minReplicaCount * podHourlyPrice(u), 0);
  const cheapestPod = Math.min(...state.service.units.map((u) => podHourlyPrice(u)));
  const costPlan = (demandRps: number) =>
    planService({ service: state.service, mode: "cost", demandRps, conditions: observations.conditions });
  const planned = planningDemand(window, observations.demandRps, sustain, state.service.headroom);
  const target = weightsOf(costPlan(planned.rps));
  const checks = window.map((minute) => {
    const plan = costPlan(minute.rps);
    const load = routingLoad(state.service, current, observations.conditions, minute.rps);
    const next = routingLoad(state.service, target, observations.conditions, minute.rps);
    const above = Math.max(plan.hourlyCost - floor, cheapestPod);
    return {
      savingPercent: ((load.hourlyCost - next.hourlyCost) / above) * 100,
      risk: load.overloadRps > plan.shortfallRps + servingTolerance(minute.rps),
      overloadRps: load.overloadRps,
      hedgeShort: hedgeShortfall(
        hedgeExposure(state.service, current, observations.conditions, minute.rps, plan),
        hedgeExposure(state.service, target, observations.conditions, minute.rps, plan),
        state.service.policy.hedge.maxLossShare,
      ),
    };
  });
  const riskWindow = checks.slice(-RISK_MINUTES);
  const atRisk =
    observations.demandSource === "measured" &&
    riskWindow.length >= RISK_MINUTES &&
    riskWindow.every((c) => c.risk);
  const cheaper =
    window.length >= sustain && checks.every((c) => c.savingPercent > policy.rebalanceDeadBandPercent);
  // With Spot units: the weights in force leave more of demand to one Spot loss than the
  // hedged plan, in each of the last RISK_MINUTES measured minutes (after a reroute or a
  // fallback that planned a unit at its ready pods, a zone lost that leaves a unit's pods
  // in fewer cells, or a budget the user tightened). A risk, answered like one: Spot
  // losses come in bursts (the SpotHedge trace: 43 % of the ticks with a zone down have
  // two or more), so the next may be minutes away.
  const hedgeShort =
    observations.demandSource === "measured" &&
    riskWindow.length >= RISK_MINUTES &&
    riskWindow.every((c) => c.hedgeShort !== null && c.hedgeShort > HEDGE_TOLERANCE_SHARE);
  const smallest = checks.length === 0 ? 0 : round1(Math.min(...checks.map((c) => c.savingPercent)));
  // A risk is named first: it is why the move skips anti-flap, even when it also saves.
  const outcome: DeadBandOutcome = atRisk
    ? "at-risk"
    : hedgeShort
      ? "hedge-short"
      : cheaper
        ? "cheaper"
        : window.length < sustain
          ? "short-window"
          : "within-band";
  const exposures = riskWindow.flatMap((c) => (c.hedgeShort === null ? [] : [c.hedgeShort]));
  return {
    band: {
      rule: "rebalance-dead-band",
      observed: smallest,
      threshold: policy.rebalanceDeadBandPercent,
      passed: cheaper || atRisk || hedgeShort,
      detail: detail({
        rule: "rebalance-dead-band",
        outcome,
        smallestSavingPercent: smallest,
        deadBandPercent: policy.rebalanceDeadBandPercent,
        measuredMinutes: window.length,
        sustainMinutes: sustain,
        riskMinutes: RISK_MINUTES,
        worstOverloadRps: Math.max(...riskWindow.map((c) => c.overloadRps)),
        hedge:
          exposures.length === 0
            ? null
            : { exposedShare: Math.min(...exposures), maxLossShare: state.service.policy.hedge.maxLossShare },
      }),
    },
    atRisk: atRisk || hedgeShort,
    planned: {
      ...planned,
      detail: reason({
        reason: "planned-demand",
        plannedRps: planned.rps,
        demandRps: observations.demandRps,
        slope: planned.slope,
        horizonMinutes: planned.horizonMinutes,
        shift: planned.shift ?? null,
      }),
    },
    target,
  };
}
