import {
  type InferenceService,
  type LoadBalancerLocator,
  type LoadBalancerTargets,
  type RoutingCheck,
  type RoutingVerifier,
  routingDifferences,
  type TargetGroupWeight,
} from "@switchyard/core";
import type { EnvironmentModel } from "../model/environment.ts";
import { targetGroupsOf } from "./target-group-directory.ts";

export class InMemoryLoadBalancerLocator implements LoadBalancerLocator {
  async locate(service: InferenceService): Promise<LoadBalancerTargets> {
    return targetGroupsOf(service);
  }
}

/** Compares the simulated listener rule (as the ALB holds it, after the controller's lag) with a plan. */
export class InMemoryRoutingVerifier implements RoutingVerifier {
  readonly #env: EnvironmentModel;

  constructor(env: EnvironmentModel) {
    this.#env = env;
  }

  async verify(service: InferenceService, expected: readonly TargetGroupWeight[]): Promise<RoutingCheck> {
    const rule = [...this.#env.alb.rule.weights].map(([serviceName, weight]) => ({ serviceName, weight }));
    const differences = routingDifferences(rule, expected);
    const ruleArn = `${targetGroupsOf(service).loadBalancerArn.replace(":loadbalancer/", ":listener-rule/")}/listener/rule`;
    return { applied: differences.length === 0, differences, ruleArn };
  }
}
