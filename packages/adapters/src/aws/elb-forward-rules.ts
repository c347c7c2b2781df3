import {
  type ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeRules,
  type Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { STANDBY_SOURCE_IP } from "@switchyard/core/manifests";
import { elbPages } from "./elb-call.ts";

/** A target group of a rule's forward action; `weight` is absent when the API gave none. */
interface ForwardTarget {
  readonly arn: string;
  readonly weight: number | undefined;
}

/** A listener rule that forwards, with its target groups, in listener then priority order. */
export interface ForwardRule {
  readonly ruleArn: string;
  readonly listenerArn: string;
  readonly priority: string;
  readonly targets: readonly ForwardTarget[];
}

/** DescribeRules accepts page sizes 1-400; the largest keeps a 100-rule ALB to one call per listener. */
const RULES_PAGE_SIZE = 400;

/**
 * Every forwarding rule of every listener of the ALB (the default rule included, as
 * DescribeRules returns it). Rules that redirect, answer fixed responses or
 * authenticate without forwarding are left out, and so are Switchyard's standby rules
 * (`isStandbyRule`): they name target groups without ever carrying traffic.
 */
export async function readForwardRules(
  client: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
  purpose: string,
): Promise<ForwardRule[]> {
  const listenerArns: string[] = [];
  for await (const page of elbPages(
    "DescribeListeners",
    purpose,
    paginateDescribeListeners({ client }, { LoadBalancerArn: loadBalancerArn }),
  )) {
    listenerArns.push(...(page.Listeners ?? []).flatMap((listener) => listener.ListenerArn ?? []));
  }

  const rules: ForwardRule[] = [];
  for (const listenerArn of listenerArns) {
    // The paginator's page-size option is not wired for DescribeRules: PageSize goes in the input.
    for await (const page of elbPages(
      "DescribeRules",
      purpose,
      paginateDescribeRules({ client }, { ListenerArn: listenerArn, PageSize: RULES_PAGE_SIZE }),
    )) {
      for (const rule of page.Rules ?? []) {
        const targets = forwardTargetsOf(rule);
        if (rule.RuleArn !== undefined && targets.length > 0 && !isStandbyRule(rule)) {
          rules.push({ ruleArn: rule.RuleArn, listenerArn, priority: rule.Priority ?? "", targets });
        }
      }
    }
  }
  return rules;
}

/**
 * The target groups of a rule's forward action. A weighted forward lists them in
 * `ForwardConfig.TargetGroups`; a forward to one target group may instead come back as
 * the action's `TargetGroupArn` alone, without a weight.
 */
function forwardTargetsOf(rule: Rule): ForwardTarget[] {
  const forward = (rule.Actions ?? []).find((action) => action.Type === "forward");
  if (forward === undefined) {
    return [];
  }
  const tuples = forward.ForwardConfig?.TargetGroups ?? [];
  if (tuples.length > 0) {
    return tuples.flatMap((tuple) =>
      tuple.TargetGroupArn === undefined ? [] : [{ arn: tuple.TargetGroupArn, weight: tuple.Weight }],
    );
  }
  return forward.TargetGroupArn === undefined ? [] : [{ arn: forward.TargetGroupArn, weight: undefined }];
}

/**
 * A standby rule Switchyard added to keep target groups registered (core's
 * `standbyActions`): the Load Balancer Controller turns its `conditions.<name>` into a
 * source-ip condition on Switchyard's TEST-NET address, which no client has.
 */
function isStandbyRule(rule: Rule): boolean {
  return (rule.Conditions ?? []).some(
    (c) =>
      c.Field === "source-ip" &&
      [...(c.SourceIpConfig?.Values ?? []), ...(c.Values ?? [])].includes(STANDBY_SOURCE_IP),
  );
}
