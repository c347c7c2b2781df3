import type { RawIssue } from "./semantic-checks.ts";
import type { SwitchyardConfig } from "./types.ts";

/**
 * What a valid config may still get wrong: `validate` prints these and exits 0, since the
 * config works, just not as well as its author may think.
 *
 * - A unit whose latency at its breaking point is above the service's SLO answers too
 *   slowly before KEDA adds a pod: the seed's method sets `maxRps` where latency reaches
 *   the SLO threshold (seed 000/003), so this unit's `maxRps` lets it run slow.
 * - A service with one unit has no other pool to fail over to: capacity mode routes to
 *   the same pods, and a capacity loss of its instance types cannot be routed around.
 */
export function configWarnings(config: SwitchyardConfig): RawIssue[] {
  const warnings: RawIssue[] = [];
  config.services.forEach((service, s) => {
    const { slo } = service;
    if (service.units.length === 1) {
      const only = service.units[0];
      warnings.push({
        path: ["services", s, "units"],
        message: `service ${service.name} has one unit (${only?.name}): when ${only?.instanceTypes.join(", ")} runs out of EC2 capacity there is no other pool to fail over to, and capacity mode routes to the same pods; add a unit on another instance type`,
      });
    }
    service.units.forEach((unit, u) => {
      if (unit.latencyMs > slo.latencyMs) {
        warnings.push({
          path: ["services", s, "units", u, "latencyMs"],
          message: `${unit.name} answers in ${unit.latencyMs} ms at its breaking point (maxRps ${unit.maxRps}), above the service's ${slo.statistic} SLO of ${slo.latencyMs} ms: near maxRps this unit alone can break the SLO; set maxRps to the highest rate whose latency is within ${slo.latencyMs} ms, or expect slow minutes when it runs near full load`,
        });
      }
    });
  });
  return warnings;
}
