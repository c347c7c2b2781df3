import type { InferenceService } from "@switchyard/core";
import type { AppliedRule } from "./load-balancer.ts";

/** Where one moment's demand goes. */
interface RoutedDemand {
  /** Requests/s arriving at each unit's pods, by unit name. */
  readonly unitRps: ReadonlyMap<string, number>;
  /** Per target group (Service name): requests/s it sends to each unit. */
  readonly byTargetGroup: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per target group: requests/s the ALB answers itself with 503 (no healthy target). */
  readonly elbFailedRps: ReadonlyMap<string, number>;
  /** Ready pods behind each target group in the rule: its HealthyHostCount. */
  readonly healthyHosts: ReadonlyMap<string, number>;
}

/**
 * The ALB's forward action: each target group gets its weight's share of requests; within
 * a group, requests go round-robin over its ready pods, so a unit's Service passes its share
 * to that unit and the consolidated Service spreads its share over every ready pod of every
 * unit. A group with no ready pod answers 503 itself (HTTPCode_ELB_5XX), and so does a
 * group for the part of the step before its targets are registered and healthy
 * (`servingShare`: the share of the step it serves, 1 when absent). With every weight 0
 * nothing is served. Stickiness is not modelled: with many clients it averages out.
 */
export function routeDemand(
  demandRps: number,
  rule: AppliedRule,
  service: InferenceService,
  readyPods: ReadonlyMap<string, number>,
  servingShare: ReadonlyMap<string, number> = new Map(),
): RoutedDemand {
  const unitRps = new Map<string, number>(service.units.map((u) => [u.name, 0]));
  const byTargetGroup = new Map<string, Map<string, number>>();
  const elbFailedRps = new Map<string, number>();
  const healthyHosts = new Map<string, number>();
  const totalWeight = [...rule.weights.values()].reduce((sum, w) => sum + w, 0);

  for (const [serviceName, weight] of rule.weights) {
    const members = membersOf(service, serviceName);
    const pods = members.reduce((sum, unit) => sum + (readyPods.get(unit) ?? 0), 0);
    healthyHosts.set(serviceName, pods);
    const routed = totalWeight > 0 ? (demandRps * weight) / totalWeight : 0;
    if (routed <= 0) {
      continue;
    }
    if (pods === 0) {
      elbFailedRps.set(serviceName, routed);
      continue;
    }
    const serving = Math.min(1, Math.max(0, servingShare.get(serviceName) ?? 1));
    if (serving < 1) {
      elbFailedRps.set(serviceName, routed * (1 - serving));
    }
    const share = routed * serving;
    if (share <= 0) {
      continue;
    }
    const split = new Map<string, number>();
    for (const unit of members) {
      const rps = (share * (readyPods.get(unit) ?? 0)) / pods;
      if (rps > 0) {
        split.set(unit, rps);
        unitRps.set(unit, (unitRps.get(unit) ?? 0) + rps);
      }
    }
    byTargetGroup.set(serviceName, split);
  }
  if (totalWeight === 0 && demandRps > 0) {
    elbFailedRps.set("(no weight)", demandRps);
  }
  return { unitRps, byTargetGroup, elbFailedRps, healthyHosts };
}

/** The units whose pods a Service selects. */
export function membersOf(service: InferenceService, serviceName: string): string[] {
  if (service.consolidatedService?.name === serviceName) {
    return service.units.map((u) => u.name);
  }
  return service.units.filter((u) => u.service.name === serviceName).map((u) => u.name);
}
