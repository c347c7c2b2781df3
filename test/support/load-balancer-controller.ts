import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { actionAnnotationKey, type InferenceService, parseForwardAction } from "@switchyard/core";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { type FakeLoadBalancer, listenerArn, ruleArn, weightedRule } from "./elb-account.ts";
import type { KubeApiDouble } from "./kube-api-double.ts";

/**
 * A stand-in for the AWS Load Balancer Controller: the ALB's listener rule shows the
 * weights of the Ingress annotation as it was `lag` DescribeRules calls ago, or never
 * moves (`"never"`): the reconcile delay, or a controller that does not reconcile.
 */
export class LoadBalancerControllerStandIn {
  lag: number | "never" = 0;
  describeRulesCalls = 0;
  readonly #double: KubeApiDouble;
  readonly #service: InferenceService;
  readonly #alb: FakeLoadBalancer;
  #shown: Rule | undefined;

  constructor(double: KubeApiDouble, service: InferenceService, alb: FakeLoadBalancer) {
    this.#double = double;
    this.#service = service;
    this.#alb = alb;
  }

  /** The rule as the ALB holds it for the annotation now on the Ingress. */
  ruleForIngress(): Rule {
    const ingress = this.#double.get("Ingress", this.#service.namespace, this.#service.ingress);
    const value = ingress?.metadata.annotations?.[actionAnnotationKey(this.#service.action)] ?? "";
    const action = parseForwardAction(value, "stand-in");
    const targets = action.forwardConfig.targetGroups.map((group) => {
      const resource = `${this.#service.namespace}/${this.#service.ingress}-${group.serviceName}:${group.servicePort}`;
      const tg = this.#alb.targetGroups.find((t) => t.tags["ingress.k8s.aws/resource"] === resource);
      if (tg === undefined) {
        throw new Error(`the stand-in has no target group for ${resource}`);
      }
      return { arn: tg.arn, weight: group.weight ?? 1 };
    });
    return weightedRule(ruleArn(listenerArn(this.#alb, 80), 1), 1, targets);
  }

  /** Takes over DescribeListeners/DescribeRules on the ELBv2 stub; the current annotation shows at once. */
  serve(stub: AwsClientStub<ElasticLoadBalancingV2Client>): void {
    this.#shown = this.ruleForIngress();
    this.describeRulesCalls = 0;
    stub.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: listenerArn(this.#alb, 80),
          LoadBalancerArn: this.#alb.arn,
          Port: 80,
          Protocol: "HTTP",
        },
      ],
    });
    stub.on(DescribeRulesCommand).callsFake(() => {
      this.describeRulesCalls += 1;
      if (this.lag !== "never" && this.describeRulesCalls > this.lag) {
        this.#shown = this.ruleForIngress();
      }
      return { Rules: [this.#shown as Rule] };
    });
  }
}
