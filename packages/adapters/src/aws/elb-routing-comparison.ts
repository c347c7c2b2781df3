import { type RuleTarget, routingDifferences, type TargetGroupWeight } from "@switchyard/core";
import type { LoadBalancerTargets, RoutingCheck } from "@switchyard/core/ports";
import type { ForwardRule } from "./elb-forward-rules.ts";

interface RoutingComparison {
  readonly check: RoutingCheck;
  /**
   * No rule forwards to a located target group, or the chosen rule forwards to one
   * the location does not know: the location may predate a switch that replaced
   * target groups, so it is worth reading again before concluding.
   */
  readonly locationMayBeStale: boolean;
}

interface Candidate {
  readonly rule: ForwardRule;
  /** Planned Services whose target group the rule forwards to. */
  readonly planned: number;
  /** Every target group of the rule belongs to this Ingress. */
  readonly allOurs: boolean;
}

/**
 * Finds the listener rule(s) of the service's forward action and compares their
 * weights with the plan. Pure: the verifier reads, this decides.
 *
 * On an ALB of an implicit IngressGroup every rule belongs to this Ingress, so the
 * rules' own `ingress.k8s.aws/resource` tags (`<port>:<priority>`) cannot tell the
 * action's rule from another path's; what can is the target groups: the rule that
 * forwards to the most planned Services, then the one forwarding only to this
 * Ingress's target groups, then the one with more target groups. The same Ingress rule
 * exists once per listener (HTTP and HTTPS), and the controller updates listeners one
 * after the other, so the best rule of every listener is checked: routing is applied
 * only when it is applied on all of them.
 */
export function compareRouting(
  targets: LoadBalancerTargets,
  rules: readonly ForwardRule[],
  expected: readonly TargetGroupWeight[],
): RoutingComparison {
  const serviceByArn = new Map(Object.entries(targets.targetGroups).map(([name, tg]) => [tg.arn, name]));
  const plannedArns = new Set(expected.flatMap((e) => targets.targetGroups[e.serviceName]?.arn ?? []));

  const candidates: Candidate[] = rules
    .filter((rule) => rule.targets.some((t) => serviceByArn.has(t.arn)))
    .map((rule) => ({
      rule,
      planned: rule.targets.filter((t) => plannedArns.has(t.arn)).length,
      allOurs: rule.targets.every((t) => serviceByArn.has(t.arn)),
    }));
  const best = [...candidates].sort(byPreference)[0];
  if (best === undefined) {
    return {
      check: {
        applied: false,
        differences: expected.map((e) => ({ serviceName: e.serviceName, expected: e.weight, actual: null })),
        ruleArn: null,
      },
      locationMayBeStale: true,
    };
  }

  const perListener = new Map<string, Candidate>();
  for (const candidate of candidates) {
    if (byPreference(candidate, best) === 0 && !perListener.has(candidate.rule.listenerArn)) {
      perListener.set(candidate.rule.listenerArn, candidate);
    }
  }
  const checked = [...perListener.values()].map(({ rule }) => ({
    rule,
    differences: routingDifferences(ruleTargets(rule, serviceByArn), expected),
  }));
  const failing = checked.find((c) => c.differences.length > 0);
  const reported = failing ?? checked[0];
  return {
    check: {
      applied: failing === undefined,
      differences: reported?.differences ?? [],
      ruleArn: reported?.rule.ruleArn ?? best.rule.ruleArn,
    },
    locationMayBeStale: checked.some(({ rule }) => rule.targets.some((t) => !serviceByArn.has(t.arn))),
  };
}

/** Negative when `a` is the better match. */
function byPreference(a: Candidate, b: Candidate): number {
  return (
    b.planned - a.planned ||
    Number(b.allOurs) - Number(a.allOurs) ||
    b.rule.targets.length - a.rule.targets.length
  );
}

/** The rule's target groups by the Service each belongs to (its ARN when none of ours). */
function ruleTargets(rule: ForwardRule, serviceByArn: ReadonlyMap<string, string>): RuleTarget[] {
  return rule.targets.map((t) => ({ serviceName: serviceByArn.get(t.arn) ?? t.arn, weight: t.weight }));
}
