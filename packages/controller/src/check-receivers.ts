import type { Clock, ClusterGateway, SwitchyardConfig } from "@switchyard/core";
import { serviceNamed } from "./service-lookup.ts";
import { parseSwitchState, type ReceiversCheck } from "./switch-state.ts";

export interface CheckReceiversDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/**
 * One readiness check of WaitForReceivers: every unit that will get more traffic has
 * at least one ready pod and no pod still starting (ready >= desired, so any scale-out
 * its new KEDA target asked for has finished). Past the deadline the workflow moves
 * traffic anyway: a failover must not wait long on a service already degraded.
 */
export async function checkReceivers(rawState: unknown, deps: CheckReceiversDeps): Promise<ReceiversCheck> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  const units = state.plan.receivers.map((unit) => ({
    unit,
    desired: cluster.units[unit]?.desiredReplicas ?? 0,
    ready: cluster.units[unit]?.readyReplicas ?? 0,
  }));
  return {
    ready: units.every((u) => u.ready >= 1 && u.ready >= u.desired),
    timedOut: now >= Date.parse(state.plan.receiversDeadline),
    units,
    checkedAt: new Date(now).toISOString(),
  };
}
