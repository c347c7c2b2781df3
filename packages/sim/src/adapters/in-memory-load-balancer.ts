import type {
  InferenceService,
  LoadBalancerLocator,
  LoadBalancerTargets,
  RoutingCheck,
  RoutingDifference,
  RoutingVerifier,
  TargetGroupWeight,
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
    const rule = this.#env.alb.rule.weights;
    const differences: RoutingDifference[] = [];
    for (const entry of expected) {
      const actual = rule.get(entry.serviceName);
      if (actual === undefined) {
        differences.push({ serviceName: entry.serviceName, expected: entry.weight, actual: null });
      } else if (
        actual !== entry.weight &&
        !(rule.size === 1 && expected.filter((e) => e.weight > 0).length === 1)
      ) {
        differences.push({ serviceName: entry.serviceName, expected: entry.weight, actual });
      }
    }
    for (const [serviceName, weight] of rule) {
      if (weight > 0 && !expected.some((e) => e.serviceName === serviceName)) {
        differences.push({ serviceName, expected: 0, actual: weight });
      }
    }
    const ruleArn = `${targetGroupsOf(service).loadBalancerArn.replace(":loadbalancer/", ":listener-rule/")}/listener/rule`;
    return { applied: differences.length === 0, differences, ruleArn };
  }
}
