import { type ServicePlan, shellCommand, shellQuote } from "@switchyard/core";
import { handAppliedTargetPatch, ingressRoutingPatch, renderForwardAction } from "@switchyard/core/manifests";
import { stringify } from "yaml";
import type { ServicePlanReport } from "../commands/plan-report.ts";
import { num } from "./numbers.ts";

/** One patch a user can apply by hand, with what `kubectl patch` needs to apply it. */
export interface PlanPatch {
  /** The plan it belongs to: `sd21 · cost mode at 446 RPS`. */
  readonly plan: string;
  /** `sd21-cost-ingress-sd21.yaml`: service, mode, kind and object, unique within a plan. */
  readonly fileName: string;
  readonly namespace: string;
  readonly resource: "ingress" | "scaledobject";
  readonly name: string;
  /** Ingress: a JSON merge patch of Switchyard's annotations; ScaledObject: a JSON patch (CRDs refuse strategic merge). */
  readonly type: "merge" | "json";
  /** The YAML document, headed by comments saying what it is and how to apply it; ends with a newline. */
  readonly document: string;
}

/**
 * The `kubectl patch` command that applies `patch` from `file` (null: the placeholder
 * `<this document>`, in a document's own header). kubectl reads a patch file as JSON or YAML.
 */
export function kubectlPatchCommand(patch: PlanPatch, file: string | null): string {
  // Every word quoted as the shell reads it back: the line is meant to be pasted.
  const command = shellCommand([
    "kubectl",
    "-n",
    patch.namespace,
    "patch",
    patch.resource,
    patch.name,
    "--type",
    patch.type,
    "--patch-file",
  ]);
  return `${command} ${file === null ? "<this document>" : shellQuote(file)}`;
}

/**
 * The patches of each plan, in the order to apply them: the ScaledObjects first, so the
 * receiving units scale before traffic moves (make-before-break, as the mode switch does),
 * then the Ingress.
 */
export function planPatches(reports: readonly ServicePlanReport[], transitionAt: string): PlanPatch[] {
  return reports.flatMap((report) =>
    report.plans.flatMap((plan) => [
      ...scaledObjectPatches(report, plan),
      ingressPatch(report, plan, transitionAt),
    ]),
  );
}

/** `--output yaml` on stdout: every patch as one YAML document, separated by `---`. */
export function renderPlanYaml(reports: readonly ServicePlanReport[], transitionAt: string): string {
  return planPatches(reports, transitionAt)
    .map((patch) => patch.document)
    .join("---\n");
}

function ingressPatch(report: ServicePlanReport, plan: ServicePlan, transitionAt: string): PlanPatch {
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
  const target = {
    plan: planTitle(report, plan),
    fileName: `${service.name}-${plan.mode}-ingress-${service.ingress}.yaml`,
    namespace: service.namespace,
    resource: "ingress",
    name: service.ingress,
    type: "merge",
  } as const;
  return {
    ...target,
    document: [
      `# ${planTitle(report, plan)}: Ingress ${service.namespace}/${service.ingress}`,
      `# ${kubectlPatchCommand({ ...target, document: "" }, null)}`,
      stringify(patch, { lineWidth: 0 }),
    ].join("\n"),
  };
}

function scaledObjectPatches(report: ServicePlanReport, plan: ServicePlan): PlanPatch[] {
  const { service } = report;
  return plan.units.flatMap((unitPlan, i) => {
    const unit = service.units[i];
    if (unit === undefined) {
      return [];
    }
    const target = {
      plan: planTitle(report, plan),
      fileName: `${service.name}-${plan.mode}-scaledobject-${unit.scaledObject.name}.yaml`,
      namespace: service.namespace,
      resource: "scaledobject",
      name: unit.scaledObject.name,
      type: "json",
    } as const;
    const patches: PlanPatch[] = [
      {
        ...target,
        document: [
          `# ${service.name} · ${plan.mode} mode: ScaledObject ${service.namespace}/${unit.scaledObject.name} → ${unit.scaledObject.metadataKey} "${unitPlan.kedaTarget}"`,
          `# ${kubectlPatchCommand({ ...target, document: "" }, null)}`,
          stringify(handAppliedTargetPatch(unit.scaledObject, unitPlan.kedaTarget)),
        ].join("\n"),
      },
    ];
    if (service.scaleUpTolerance !== HPA_DEFAULT_TOLERANCE) {
      // The targets assume this tolerance: the HPA must apply it (KEP-4951; KEDA copies
      // spec.advanced.horizontalPodAutoscalerConfig.behavior into the HPA). A merge patch:
      // the path may not exist yet, which a JSON patch's add cannot create.
      const behavior = {
        ...target,
        fileName: target.fileName.replace(/\.yaml$/, "-tolerance.yaml"),
        type: "merge",
      } as const;
      patches.push({
        ...behavior,
        document: [
          `# ${service.name} · ${plan.mode} mode: ScaledObject ${service.namespace}/${unit.scaledObject.name} → the HPA's scale-up tolerance ${service.scaleUpTolerance} (Kubernetes 1.35 or later, KEDA 2.18 or later)`,
          `# ${kubectlPatchCommand({ ...behavior, document: "" }, null)}`,
          stringify({
            spec: {
              advanced: {
                horizontalPodAutoscalerConfig: {
                  behavior: { scaleUp: { tolerance: String(service.scaleUpTolerance) } },
                },
              },
            },
          }),
        ].join("\n"),
      });
    }
    return patches;
  });
}

/** kube-controller-manager's --horizontal-pod-autoscaler-tolerance default. */
const HPA_DEFAULT_TOLERANCE = 0.1;

function planTitle(report: ServicePlanReport, plan: ServicePlan): string {
  return `${report.service.name} · ${plan.mode} mode at ${num(report.demandRps)} RPS`;
}
