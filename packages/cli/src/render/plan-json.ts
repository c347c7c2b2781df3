import {
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  type DeploymentUnit,
  type ServicePlan,
} from "@switchyard/core";
import { renderForwardAction } from "@switchyard/core/manifests";
import type { ServicePlanReport } from "../commands/plan-report.ts";

/** `--output json`: `{"services":[{"name","demandRps","modes":{"cost":{...},"capacity":{...}}}]}`. */
export function planJson(reports: readonly ServicePlanReport[]): unknown {
  return {
    services: reports.map((report) => ({
      name: report.service.name,
      namespace: report.service.namespace,
      ingress: report.service.ingress,
      action: report.service.action,
      demandRps: report.demandRps,
      demandSource: report.demandSource,
      headroom: report.service.headroom,
      modes: Object.fromEntries(report.plans.map((plan) => [plan.mode, modeJson(report, plan)])),
    })),
  };
}

function modeJson(report: ServicePlanReport, plan: ServicePlan): unknown {
  return {
    weighting: plan.weighting,
    hourlyCost: plan.hourlyCost,
    costPerMillion: plan.costPerMillion,
    feasible: plan.feasible,
    shortfallRps: plan.shortfallRps,
    requiredRps: plan.requiredRps,
    capacityRps: plan.capacityRps,
    targetAllowance: plan.targetAllowance,
    units: plan.units.map((unitPlan, i) => {
      const unit = report.service.units[i] as DeploymentUnit;
      return {
        name: unitPlan.name,
        pods: unitPlan.pods,
        weight: unitPlan.weight,
        kedaTarget: unitPlan.kedaTarget,
        safeRps: unitPlan.safeRps,
        asksAtRps: unitPlan.safeRps / (1 + plan.targetAllowance.startupAllowance),
        startupSeconds: unit.startupSeconds,
        trafficShare: unitPlan.trafficShare,
        plannedRps: unitPlan.plannedRps,
        maxRps: unit.maxRps,
        adjustedThroughput: report.adjusted[i],
        costPerInferenceSecond: costPerInferenceSecond(unit),
        costPerMillionAtFullLoad: costPerMillionAtFullLoad(unit),
        ...(unitPlan.unavailable === undefined ? {} : { unavailable: unitPlan.unavailable }),
      };
    }),
    targetGroups: plan.routing.targetGroups,
    annotation: renderForwardAction(
      plan.routing,
      report.service.stickiness === undefined ? {} : { stickiness: report.service.stickiness },
    ),
    notes: plan.notes,
    ...(plan.hedge === undefined ? {} : { hedge: plan.hedge }),
  };
}
