import type { TargetGroupWeight } from "./types.ts";

/** One target group whose weight in the listener rule is not the planned one (RoutingCheck's differences). */
export interface RoutingDifference {
  readonly serviceName: string;
  readonly expected: number;
  /** null: the target group is not in the rule's forward action. */
  readonly actual: number | null;
}

/** One target group of a listener rule's forward action, as the ALB holds it. */
export interface RuleTarget {
  /** The Service the target group belongs to; its ARN when it belongs to none of ours. */
  readonly serviceName: string;
  /** As the API gave it: absent for a plain forward to one target group. */
  readonly weight: number | undefined;
}

/** The ELBv2 API's weight when none is given: 1, as it echoes a plain forward. */
function weightOf(target: RuleTarget): number {
  return target.weight ?? 1;
}

/**
 * How a listener rule's forward action differs from the planned weights: each planned
 * Service whose target group is missing (actual null) or weighted otherwise, then each
 * target group of the rule that carries traffic the plan does not give it (expected 0).
 * Empty when the rule holds the plan. The ALB verifier (packages/adapters) and the
 * simulator's load balancer both judge a rule with it.
 */
export function routingDifferences(
  rule: readonly RuleTarget[],
  expected: readonly Pick<TargetGroupWeight, "serviceName" | "weight">[],
): RoutingDifference[] {
  const inRule = new Map(rule.map((t) => [t.serviceName, t]));
  const carrying = expected.filter((e) => e.weight > 0);
  const differences: RoutingDifference[] = [];
  const planned = new Set<string>();
  for (const entry of expected) {
    const target = inRule.get(entry.serviceName);
    if (target === undefined) {
      differences.push({ serviceName: entry.serviceName, expected: entry.weight, actual: null });
      continue;
    }
    planned.add(target.serviceName);
    // A forward to one target group sends it every request whatever its weight (the
    // API may echo it as 1 or leave it out), so it holds the plan when that target
    // group is the only one planned to carry traffic.
    const soleCarrier = rule.length === 1 && carrying.length === 1 && carrying[0] === entry;
    const actual = soleCarrier ? entry.weight : weightOf(target);
    if (actual !== entry.weight) {
      differences.push({ serviceName: entry.serviceName, expected: entry.weight, actual });
    }
  }
  for (const target of rule) {
    if (!planned.has(target.serviceName) && weightOf(target) > 0) {
      differences.push({ serviceName: target.serviceName, expected: 0, actual: weightOf(target) });
    }
  }
  return differences;
}
