import {
  handAppliedTargetPatch,
  ingressRoutingPatch,
  renderForwardAction,
  type ServicePlan,
} from "@switchyard/core";
import { stringify } from "yaml";
import type { ServicePlanReport } from "../commands/plan-report.ts";
import { num } from "./numbers.ts";

/**
 * `--output yaml`: the patches a user could apply by hand, one YAML document each, with
 * the kubectl command in a comment. The Ingress patch is a merge patch of Switchyard's
 * annotations only; ScaledObject patches are JSON patches of one trigger value.
 */
export function renderPlanYaml(reports: readonly ServicePlanReport[], transitionAt: string): string {
  const documents: string[] = [];
  for (const report of reports) {
    for (const plan of report.plans) {
      documents.push(ingressDocument(report, plan, transitionAt), ...scaledObjectDocuments(report, plan));
    }
  }
  return documents.join("---\n");
}

function ingressDocument(report: ServicePlanReport, plan: ServicePlan, transitionAt: string): string {
  const { service } = report;
  const patch = ingressRoutingPatch({
    action: service.action,
    actionValue: renderForwardAction(
      plan.routing,
      service.stickiness === undefined ? {} : { stickiness: service.stickiness },
    ),
    mode: plan.mode,
    transitionAt,
  });
  return [
    `# ${service.name} · ${plan.mode} mode at ${num(report.demandRps)} RPS: Ingress ${service.namespace}/${service.ingress}`,
    `# kubectl -n ${service.namespace} patch ingress ${service.ingress} --type merge --patch-file <this document>`,
    stringify(patch, { lineWidth: 0 }),
  ].join("\n");
}

function scaledObjectDocuments(report: ServicePlanReport, plan: ServicePlan): string[] {
  const { service } = report;
  return plan.units.map((unitPlan, i) => {
    const unit = service.units[i];
    if (unit === undefined) {
      return "";
    }
    return [
      `# ${service.name} · ${plan.mode} mode: ScaledObject ${service.namespace}/${unit.scaledObject.name} → ${unit.scaledObject.metadataKey} "${unitPlan.kedaTarget}"`,
      `# kubectl -n ${service.namespace} patch scaledobject ${unit.scaledObject.name} --type json --patch-file <this document>`,
      stringify(handAppliedTargetPatch(unit.scaledObject, unitPlan.kedaTarget)),
    ].join("\n");
  });
}
