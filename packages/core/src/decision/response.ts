import type { Policy } from "../config/types.ts";
import { planService } from "../planning/plan-service.ts";
import type { ServicePlan } from "../planning/types.ts";
import { EPSILON, round1 } from "../units.ts";
import type { Urgency } from "./failover-evidence.ts";
import type { Observations } from "./observations.ts";
import type { ResponseWhy } from "./reason-facts.ts";
import { detail } from "./reasons.ts";
import { compareServedNow, routingLoad, servingTolerance } from "./routing-load.ts";
import type { Breach, Gate, ServiceState } from "./types.ts";
import { remainingPods, routesToReadyPods } from "./unit-capacity.ts";

/** A loss answered inside cost mode or by capacity mode: the two plans, side by side. */
export interface ResponseComparison {
  readonly choice: "cost" | "capacity";
  readonly cost: ServicePlan;
  readonly capacity: ServicePlan;
  readonly evidence: Gate;
}

/**
 * The response that fits the loss. Both plans freeze the units that cannot grow at the
 * pods they run; the cost plan routes the rest of demand to the cheapest units that can
 * grow, capacity mode spreads it round-robin. Cost mode answers whenever it covers the
 * demand, or serves at least as much as capacity mode would: round-robin is for losses
 * the remaining pools cannot absorb under cost weights.
 */
export function compareResponses(
  state: ServiceState,
  observations: Observations,
  causes: readonly string[],
  urgency: Urgency,
  policy: Policy,
): ResponseComparison {
  const request = {
    service: state.service,
    demandRps: observations.demandRps,
    conditions: observations.conditions,
    routeToReadyPods: routesToReadyPods(urgency.why !== null, causes, observations.conditions),
  };
  const cost = planService({ ...request, mode: "cost" });
  const capacity = planService({ ...request, mode: "capacity" });
  const costNow = servedNow(state, observations, cost);
  const capacityNow = servedNow(state, observations, capacity);
  const why = responseWhy({
    lossResponse: policy.lossResponse,
    readyRouting: request.routeToReadyPods,
    podsLost: urgency.podsLost,
    demandRps: observations.demandRps,
    costFeasible: cost.feasible,
    costRps: cost.capacityRps,
    capacityRps: capacity.capacityRps,
    costNow,
    capacityNow,
  });
  const choice = why === "cost-answers" ? "cost" : "capacity";
  return {
    choice,
    cost,
    capacity,
    evidence: {
      rule: "response",
      observed: choice,
      threshold: round1(cost.requiredRps),
      passed: choice === "capacity",
      detail: detail({
        rule: "response",
        why,
        causes,
        cost,
        capacity,
        costNow,
        capacityNow,
        demandRps: observations.demandRps,
      }),
    },
  };
}

/** The figures the response to a loss is chosen on. */
export interface ResponseFigures {
  readonly lossResponse: Policy["lossResponse"];
  /**
   * Both plans route to the pods ready now (routesToReadyPods): round-robin then spreads
   * nothing cost mode does not, so capacity mode must serve more to be chosen.
   */
  readonly readyRouting?: boolean;
  /** A cause runs no ready pod (Urgency.podsLost). */
  readonly podsLost: boolean;
  readonly demandRps: number;
  /** Whether cost mode around the causes covers demand with headroom, and what each plan serves. */
  readonly costFeasible: boolean;
  readonly costRps: number;
  readonly capacityRps: number;
  /** What the pods ready now serve under each plan's routing. */
  readonly costNow: number;
  readonly capacityNow: number;
}

/** Which comparison sends the loss to capacity mode, in the order they are tried; `cost-answers` when none does. */
export function responseWhy(f: ResponseFigures): ResponseWhy {
  if (f.lossResponse === "failover") {
    return "policy";
  }
  // When a unit has lost its pods, the pods ready now cannot carry demand under cost
  // weights, and spread round-robin they serve at least as much, capacity mode
  // answers: it spreads demand over every ready pod rather than onto the cheapest units'
  // few, and grows every pool at once rather than one, so the first new pods are the
  // fastest to start. Cost mode takes over again once it covers demand (fallbackGates).
  const capacityServesAsMuch =
    f.readyRouting === true
      ? f.capacityNow > f.costNow + servingTolerance(f.demandRps)
      : f.capacityNow >= f.costNow;
  if (f.podsLost && f.costNow < f.demandRps - EPSILON && capacityServesAsMuch) {
    return "pods-lost";
  }
  if (!f.costFeasible && f.capacityRps > f.costRps + EPSILON) {
    return "serves-more";
  }
  return "cost-answers";
}

/**
 * Whether a reroute is due: the current weights send the frozen units more than their
 * pods serve (or miss what the plan around them covers), or the action annotation
 * cannot be read. When neither holds, the weights already route around the loss.
 */
export function routingRisk(
  state: ServiceState,
  observations: Observations,
  causes: readonly string[],
  cost: ServicePlan,
): Breach {
  const load = routingLoad(
    state.service,
    state.weights ?? {},
    observations.conditions,
    observations.demandRps,
  );
  const tolerance = servingTolerance(observations.demandRps);
  const breached = state.actionProblem !== null || load.overloadRps > cost.shortfallRps + tolerance;
  return {
    rule: "routing-risk",
    observed: round1(load.overloadRps),
    threshold: round1(cost.shortfallRps + tolerance),
    breached,
    detail: detail({
      rule: "routing-risk",
      breached,
      causes,
      overloadRps: load.overloadRps,
      shortfallRps: cost.shortfallRps,
      demandRps: observations.demandRps,
    }),
  };
}

/**
 * Whether a reroute may move traffic before its receivers' pods are ready (the
 * "urgent" path moves at the deadline whether or not they are). That only helps when
 * the new weights serve more with the pods ready now than the current ones. When the
 * causes still run their pods and only break the SLO because every unit is overloaded
 * (a spike no pool can meet yet), early weights send the shortfall to pods still
 * starting and take load off pods already ready — KEDA then scales those away — so the
 * move waits for its receivers like a calm one. A cause with no ready pod, or whose
 * instances are being reclaimed, always moves at once: its pods serve nothing, or soon
 * will not.
 */
export function earlyMove(
  state: ServiceState,
  observations: Observations,
  causes: readonly string[],
  urgency: Urgency,
  current: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): Gate {
  const breach = urgency.why?.because === "breaks-slo";
  const ready: Record<string, number> = {};
  const dark = new Set<string>();
  for (const unit of state.service.units) {
    const condition = observations.conditions[unit.name];
    ready[unit.name] = remainingPods(condition);
    if (condition?.unavailable === "no-healthy-targets") {
      dark.add(unit.name);
    }
  }
  const { currentNow, targetNow, threshold, targetServesMore } = compareServedNow(
    state.service,
    current,
    target,
    ready,
    observations.demandRps,
    dark,
  );
  const passed = urgency.losing || !breach || targetServesMore;
  return {
    rule: "early-move",
    observed: round1(targetNow),
    threshold: round1(threshold),
    passed,
    detail: detail({ rule: "early-move", passed, causes, currentNow, targetNow }),
  };
}

/** Requests/s the pods ready now would serve of the demand under a plan's routing, each up to its breaking point. */
function servedNow(state: ServiceState, observations: Observations, plan: ServicePlan): number {
  const ready = (name: string) => remainingPods(observations.conditions[name]);
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
