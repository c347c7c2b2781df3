import {
  type InferenceService,
  type Mode,
  planService,
  type RoutingPlan,
  type ServicePlan,
} from "@switchyard/core";
import { actionAnnotationKey, renderForwardAction, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { DemandCurve } from "../demand/demand-curve.ts";
import type { InitialState } from "../model/environment.ts";
import type { Scenario } from "../scenario/types.ts";

/** Annotations of the seed's Ingress that Switchyard never touches; they stay as they are all run. */
const OTHER_ANNOTATIONS = {
  "kubernetes.io/ingress.class": "alb",
  "alb.ingress.kubernetes.io/scheme": "internet-facing",
  "alb.ingress.kubernetes.io/target-type": "ip",
};

/** The Ingress annotations that put `plan` in place, as `switchyard plan --output yaml` would write them. */
function annotationsFor(service: InferenceService, plan: ServicePlan): Record<string, string> {
  return annotationsForRouting(service, plan.routing, plan.mode);
}

/** The Ingress annotations for a forward action's target groups in `mode`. */
export function annotationsForRouting(
  service: InferenceService,
  routing: RoutingPlan,
  mode: Mode,
): Record<string, string> {
  return {
    ...OTHER_ANNOTATIONS,
    [actionAnnotationKey(service.action)]: renderForwardAction(
      routing,
      service.stickiness === undefined ? {} : { stickiness: service.stickiness },
    ),
    [SWITCHYARD_ANNOTATIONS.mode]: mode,
  };
}

/** KEDA targets per unit of a plan. */
export function kedaTargetsOf(plan: ServicePlan): Record<string, string> {
  return Object.fromEntries(plan.units.map((u) => [u.name, u.kedaTarget]));
}

/**
 * The service with its hedge off (policy.hedge.maxLossShare 1): the plans of the
 * baselines that do not hedge — static weights and the clairvoyant oracle, which knows
 * when pods will be lost — are the least-cost plans, as before the hedge existed.
 */
export function unhedged(service: InferenceService): InferenceService {
  return { ...service, policy: { ...service.policy, hedge: { maxLossShare: 1 } } };
}

/** The service with the cost-optimal weights at the run's peak demand fixed (the seed's hand-set weights, done well). */
export function peakWeightedService(scenario: Scenario): InferenceService {
  const peak = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end).peakRps();
  const plan = planService({ service: unhedged(scenario.service), mode: "cost", demandRps: peak });
  return {
    ...scenario.service,
    fixedWeights: Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0])),
  };
}

/** The plan for the first minute's demand in `mode`, in place with its pods ready. */
export function plannedStart(
  scenario: Scenario,
  mode: Mode,
  service: InferenceService = scenario.service,
  autoscaling = true,
): InitialState {
  const demand = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end);
  const plan = planService({ service, mode, demandRps: demand.rpsAt(scenario.start) });
  return {
    annotations: annotationsFor(service, plan),
    kedaTargets: kedaTargetsOf(plan),
    pods: Object.fromEntries(plan.units.map((u) => [u.name, u.pods])),
    autoscaling,
  };
}
