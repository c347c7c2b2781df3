import { LoadBalancerNotFoundError } from "../errors.ts";

/**
 * CloudWatch names an ALB and its target groups by the resource part of their ARNs:
 * `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>` is
 * `LoadBalancer=app/<name>/<id>`, and `…:targetgroup/<name>/<id>` is
 * `TargetGroup=targetgroup/<name>/<id>`. Deriving them saves a lookup per unit, and a
 * malformed ARN fails here rather than as a metric query that quietly returns nothing.
 */
export function loadBalancerDimension(arn: string): string {
  const marker = ":loadbalancer/";
  const at = arn.indexOf(marker);
  const resource = at === -1 ? "" : arn.slice(at + marker.length);
  if (!/^app\/[^/]+\/[^/]+$/.test(resource)) {
    throw new LoadBalancerNotFoundError(
      `${arn} is not an Application Load Balancer ARN (expected …:loadbalancer/app/<name>/<id>)`,
    );
  }
  return resource;
}

export function targetGroupDimension(arn: string): string {
  const resource = arn.slice(arn.lastIndexOf(":") + 1);
  if (!/^targetgroup\/[^/]+\/[^/]+$/.test(resource)) {
    throw new LoadBalancerNotFoundError(
      `${arn} is not a target group ARN (expected …:targetgroup/<name>/<id>)`,
    );
  }
  return resource;
}
