import { type InferenceService, routingDifferences, type TargetGroupWeight } from "@switchyard/core";
import type {
  LoadBalancerLocator,
  LoadBalancerTargets,
  RoutingCheck,
  RoutingVerifier,
  TargetGroupHealth,
  TargetHealthReader,
} from "@switchyard/core/ports";
import type { EnvironmentModel } from "../model/environment.ts";
import { membersOf } from "../model/routing.ts";
import type { SimClock } from "./sim-clock.ts";
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

/**
 * The ALB's target health over the environment model: a Service has a target group while
 * the Load Balancer Controller model keeps one (see `LoadBalancerModel`); its targets are
 * the ready pods of the units it selects, `initial` until the group's warm-up has passed,
 * then `healthy`.
 */
export class InMemoryTargetHealthReader implements TargetHealthReader {
  readonly #env: EnvironmentModel;
  readonly #clock: SimClock;

  constructor(env: EnvironmentModel, clock: SimClock) {
    this.#env = env;
    this.#clock = clock;
  }

  async health(
    service: InferenceService,
    serviceNames: readonly string[],
  ): Promise<readonly TargetGroupHealth[]> {
    const arns = targetGroupsOf(service).targetGroups;
    return serviceNames.map((serviceName) => {
      const from = this.#env.alb.servingFrom(serviceName);
      if (from === null) {
        return { serviceName, targetGroupArn: null, targets: {} };
      }
      const pods = membersOf(service, serviceName).reduce(
        (sum, unit) => sum + (this.#env.deployments.get(unit)?.count("ready") ?? 0),
        0,
      );
      const state = this.#clock.now() >= from ? "healthy" : "initial";
      return {
        serviceName,
        targetGroupArn: arns[serviceName]?.arn ?? serviceName,
        targets: pods === 0 ? {} : { [state]: pods },
      };
    });
  }
}
