import type { Logger } from "@aws-lambda-powertools/logger";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { InferenceService, TargetGroupWeight } from "@switchyard/core";
import type { LoadBalancerTargets, RoutingCheck, RoutingVerifier } from "@switchyard/core/ports";
import { readForwardRules } from "./elb-forward-rules.ts";
import { ElbLoadBalancerLocator, type LocateOptions } from "./elb-load-balancer-locator.ts";
import { compareRouting } from "./elb-routing-comparison.ts";

/** What the verifier needs of a locator: a cached locate that can be told to look again. */
export interface RefreshableLocator {
  locate(service: InferenceService, options?: LocateOptions): Promise<LoadBalancerTargets>;
}

interface ElbRoutingVerifierOptions {
  /** Created once per container, at module scope. */
  readonly client: ElasticLoadBalancingV2Client;
  readonly locator: RefreshableLocator;
  readonly logger?: Logger;
}

/**
 * Reads the weights the ALB's listener rule holds and compares them with the plan.
 * It reports and does not throw when they differ: the VerifyAlb step decides whether
 * to wait (the controller has not reconciled yet) or fail.
 */
export class ElbRoutingVerifier implements RoutingVerifier {
  /** Its own calls, and those of the locator it is given. */
  static readonly iamActions = [
    ...ElbLoadBalancerLocator.iamActions,
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
  ] as const;

  readonly #client: ElasticLoadBalancingV2Client;
  readonly #locator: RefreshableLocator;
  readonly #logger: Logger | undefined;

  constructor(options: ElbRoutingVerifierOptions) {
    this.#client = options.client;
    this.#locator = options.locator;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "ElbRoutingVerifier" } });
  }

  async verify(service: InferenceService, expected: readonly TargetGroupWeight[]): Promise<RoutingCheck> {
    const require = expected.map((entry) => entry.serviceName);
    const targets = await this.#locator.locate(service, { require });
    const purpose = `while verifying the routing of Ingress ${service.namespace}/${service.ingress}`;
    const rules = await readForwardRules(this.#client, targets.loadBalancerArn, purpose);
    let comparison = compareRouting(targets, rules, expected);
    if (!comparison.check.applied && comparison.locationMayBeStale) {
      // A switch replaces target groups; a location cached before it names the old
      // ones. One fresh read of the ALB's target groups settles it.
      const fresh = await this.#locator.locate(service, { require, refresh: true });
      const freshRules =
        fresh.loadBalancerArn === targets.loadBalancerArn
          ? rules
          : await readForwardRules(this.#client, fresh.loadBalancerArn, purpose);
      comparison = compareRouting(fresh, freshRules, expected);
    }
    const { check } = comparison;
    this.#logger?.info("routing verified", {
      service: service.name,
      applied: check.applied,
      ruleArn: check.ruleArn,
      differences: check.differences,
    });
    return check;
  }
}
