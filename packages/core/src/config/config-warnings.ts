import type { RawIssue } from "./semantic-checks.ts";
import type { SwitchyardConfig } from "./types.ts";

/** kube-controller-manager's --horizontal-pod-autoscaler-tolerance default (pkg/controller/podautoscaler/config/v1alpha1/defaults.go). */
const DEFAULT_HPA_TOLERANCE = 0.1;

/**
 * What a valid config may still get wrong: `validate` prints these and exits 0, since the
 * config works, just not as well as its author may think.
 *
 * - A unit whose latency at its breaking point is above the service's SLO answers too
 *   slowly before KEDA adds a pod: the seed's method sets `maxRps` where latency reaches
 *   the SLO threshold (seed 000/003), so this unit's `maxRps` lets it run slow.
 * - A service with one unit has no other pool to fail over to: capacity mode routes to
 *   the same pods, and a capacity loss of its instance types cannot be routed around.
 * - A scaleUpTolerance below the HPA's default 10 % holds only where every ScaledObject
 *   carries it and the cluster honours it (Kubernetes 1.35+, HPAConfigurableTolerance
 *   beta; KEDA 2.18+): elsewhere the HPA keeps 10 % and the targets let pods run past
 *   their safe rate.
 */
export function configWarnings(config: SwitchyardConfig): RawIssue[] {
  const warnings: RawIssue[] = [];
  config.services.forEach((service, s) => {
    const { slo } = service;
    if (service.units.length === 1) {
      const only = service.units[0];
      warnings.push({
        path: ["services", s, "units"],
        message: `service ${service.name} has one unit (${only?.name}): when ${only?.instanceTypes.join(", ")} runs out of EC2 capacity there is no other pool to fail over to, and capacity mode routes to the same pods; add a unit on another instance type`,
      });
    }
    if (service.scaleUpTolerance < DEFAULT_HPA_TOLERANCE) {
      warnings.push({
        path: ["services", s, "scaleUpTolerance"],
        message: `${service.scaleUpTolerance} is below the HPA's default tolerance of ${DEFAULT_HPA_TOLERANCE}: it holds only if every unit's ScaledObject sets spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance to it and the cluster runs Kubernetes 1.35 or later (HPAConfigurableTolerance) with KEDA 2.18 or later; elsewhere the HPA ignores the field, keeps 10 %, and these KEDA targets let pods run ${Math.round((100 * (1 + DEFAULT_HPA_TOLERANCE)) / (1 + service.scaleUpTolerance) - 100)} % past their safe rate`,
      });
    }
    service.units.forEach((unit, u) => {
      if (unit.latencyMs > slo.latencyMs) {
        warnings.push({
          path: ["services", s, "units", u, "latencyMs"],
          message: `${unit.name} answers in ${unit.latencyMs} ms at its breaking point (maxRps ${unit.maxRps}), above the service's ${slo.statistic} SLO of ${slo.latencyMs} ms: near maxRps this unit alone can break the SLO; set maxRps to the highest rate whose latency is within ${slo.latencyMs} ms, or expect slow minutes when it runs near full load`,
        });
      }
    });
  });
  return warnings;
}
