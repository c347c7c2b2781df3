import type { ClusterGateway, ReplicaHold, SwitchyardConfig } from "@switchyard/core";
import { serviceNamed } from "./service-lookup.ts";
import { type HoldsRelease, parseSwitchState } from "./switch-state.ts";

export interface ReleaseHoldsDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
}

/**
 * The ReleaseReceivers step, `receiverHoldSeconds` after traffic moved: lifts the
 * receivers' holds so KEDA scales them on their load again. Released any earlier, KEDA
 * would still see the old, lower load in its metric window and scale the new pods away
 * just before the traffic that needs them arrives.
 */
export async function releaseHolds(rawState: unknown, deps: ReleaseHoldsDeps): Promise<HoldsRelease> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const released: ReplicaHold[] = [];
  for (const hold of state.plan.holds) {
    released.push(await deps.cluster.holdReplicas(service, hold.unit, null, state.plan.input.executionName));
  }
  return { released };
}
