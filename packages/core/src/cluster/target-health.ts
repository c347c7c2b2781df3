import type { TargetGroupHealth, TargetState } from "../ports.ts";

/** `2 healthy, 1 initial`, or `no registered target`. */
function describeTargets(group: TargetGroupHealth): string {
  const parts = (Object.entries(group.targets) as [TargetState, number][])
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`);
  return parts.length === 0 ? "no registered target" : parts.join(", ");
}

/**
 * Why target groups that are to carry traffic cannot serve it yet: one line per group
 * with no healthy target, or that the ALB does not have. The ALB answers 503 for a target
 * group with no registered target (ELB user guide, load-balancer-troubleshooting.md
 * "HTTP 503"), and sends a request only to a target that passed its initial health checks
 * (target-group-register-targets.md); a group whose every target is unhealthy "fails
 * open" (target-group-health-checks.md), which is no serving either. `missing` says how
 * to read a group the ALB does not have: `wait` (the Load Balancer Controller is about to
 * make it: the standby rule names it) or `ignore` (nothing names it before traffic moves
 * to it, so waiting cannot help).
 */
export function targetGroupProblems(
  health: readonly TargetGroupHealth[],
  missing: "wait" | "ignore",
): string[] {
  return health.flatMap((group) => {
    if (group.targetGroupArn === null) {
      return missing === "wait"
        ? [`Service ${group.serviceName}: the ALB has no target group for it yet`]
        : [];
    }
    return (group.targets.healthy ?? 0) > 0
      ? []
      : [
          `Service ${group.serviceName}: target group ${group.targetGroupArn} has no healthy target (${describeTargets(group)})`,
        ];
  });
}
