import type { Logger } from "@aws-lambda-powertools/logger";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { InferenceService } from "@switchyard/core";
import type {
  LoadBalancerTargets,
  TargetGroupHealth,
  TargetHealthReader,
  TargetState,
} from "@switchyard/core/ports";
import { awsErrorName } from "./aws-fault.ts";
import { elbCall } from "./elb-call.ts";
import { ElbLoadBalancerLocator } from "./elb-load-balancer-locator.ts";
import type { RefreshableLocator } from "./elb-routing-verifier.ts";

interface ElbTargetHealthReaderOptions {
  /** Created once per container, at module scope. */
  readonly client: ElasticLoadBalancingV2Client;
  readonly locator: RefreshableLocator;
  readonly logger?: Logger;
}

const STATES: ReadonlySet<string> = new Set<TargetState>([
  "initial",
  "healthy",
  "unhealthy",
  "unhealthy.draining",
  "unused",
  "draining",
  "unavailable",
]);

/**
 * The targets of a service's target groups, counted by state, from ELBv2
 * DescribeTargetHealth (one call per target group; the load balancer's own health view,
 * without CloudWatch's one-minute lag on HealthyHostCount). A Service whose target group
 * the ALB does not have (the Load Balancer Controller has not made it, or deleted it) is
 * reported with a null ARN.
 */
export class ElbTargetHealthReader implements TargetHealthReader {
  /** Its own call, and those of the locator it is given. */
  static readonly iamActions = [
    ...ElbLoadBalancerLocator.iamActions,
    "elasticloadbalancing:DescribeTargetHealth",
  ] as const;

  readonly #client: ElasticLoadBalancingV2Client;
  readonly #locator: RefreshableLocator;
  readonly #logger: Logger | undefined;

  constructor(options: ElbTargetHealthReaderOptions) {
    this.#client = options.client;
    this.#locator = options.locator;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "ElbTargetHealthReader" } });
  }

  async health(
    service: InferenceService,
    serviceNames: readonly string[],
  ): Promise<readonly TargetGroupHealth[]> {
    const purpose = `while reading the target health of Ingress ${service.namespace}/${service.ingress}`;
    const cached = await this.#locator.locate(service, { require: serviceNames });
    let health = await this.#describeAll(cached, serviceNames, purpose);
    const missing = health.filter((h) => h.targetGroupArn === null).map((h) => h.serviceName);
    if (missing.length > 0) {
      // The controller makes and deletes target groups; a location cached before that
      // names the old ones. One fresh read of the ALB's target groups settles it.
      const fresh = await this.#locator.locate(service, { require: serviceNames, refresh: true });
      const found = await this.#describeAll(fresh, missing, purpose);
      health = health.map((h) => found.find((f) => f.serviceName === h.serviceName) ?? h);
    }
    this.#logger?.info("target health read", { service: service.name, health });
    return health;
  }

  async #describeAll(
    targets: LoadBalancerTargets,
    serviceNames: readonly string[],
    purpose: string,
  ): Promise<TargetGroupHealth[]> {
    const health: TargetGroupHealth[] = [];
    for (const serviceName of serviceNames) {
      const arn = targets.targetGroups[serviceName]?.arn ?? null;
      health.push({ serviceName, ...(await this.#describe(arn, purpose)) });
    }
    return health;
  }

  async #describe(
    arn: string | null,
    purpose: string,
  ): Promise<Pick<TargetGroupHealth, "targetGroupArn" | "targets">> {
    if (arn === null) {
      return { targetGroupArn: null, targets: {} };
    }
    try {
      const output = await elbCall("DescribeTargetHealth", purpose, () =>
        this.#client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
      );
      const targets: Partial<Record<TargetState, number>> = {};
      for (const description of output.TargetHealthDescriptions ?? []) {
        const state = description.TargetHealth?.State;
        if (state !== undefined && STATES.has(state)) {
          targets[state as TargetState] = (targets[state as TargetState] ?? 0) + 1;
        }
      }
      return { targetGroupArn: arn, targets };
    } catch (error) {
      // Deleted since it was located: the controller no longer has it.
      if (error instanceof Error && awsErrorName(error.cause) === "TargetGroupNotFoundException") {
        return { targetGroupArn: null, targets: {} };
      }
      throw error;
    }
  }
}
