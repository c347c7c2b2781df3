import type { InferenceService } from "@switchyard/core";
import type { LoadBalancerTargets } from "@switchyard/core/ports";

/**
 * Names for the ALB objects the Load Balancer Controller would make for the service's
 * Ingress: one load balancer, one target group per Kubernetes Service (each unit's and the
 * consolidated one). The target groups are assumed to stay while the Ingress names their
 * Service in any mode (the controller's garbage collection of unused groups is not modelled).
 */
export function targetGroupsOf(service: InferenceService): LoadBalancerTargets {
  const lbName = `k8s-${service.namespace}-${service.ingress}`.slice(0, 32);
  const lbId = "5151f1a7c0de0001";
  const names = [
    ...service.units.map((u) => u.service.name),
    ...(service.consolidatedService === undefined ? [] : [service.consolidatedService.name]),
  ];
  const targetGroups: Record<string, { arn: string; dimension: string }> = {};
  names.forEach((name, index) => {
    const tgName = `k8s-${service.namespace}-${name}`.slice(0, 32);
    const id = `0000${index + 1}`.slice(-4).padStart(16, "a");
    targetGroups[name] = {
      arn: `arn:aws:elasticloadbalancing:us-west-2:000000000000:targetgroup/${tgName}/${id}`,
      dimension: `targetgroup/${tgName}/${id}`,
    };
  });
  return {
    loadBalancerArn: `arn:aws:elasticloadbalancing:us-west-2:000000000000:loadbalancer/app/${lbName}/${lbId}`,
    loadBalancerDimension: `app/${lbName}/${lbId}`,
    targetGroups,
  };
}
