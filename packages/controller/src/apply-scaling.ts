import type { ClusterGateway, ScalingChange, SwitchyardConfig } from "@switchyard/core";
import { serviceNamed } from "./service-lookup.ts";
import { parseSwitchState, type ScalingResult } from "./switch-state.ts";

export interface ApplyScalingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
}

/**
 * The ScaleReceivers step: sets each unit's KEDA target for the new mode, before any
 * traffic moves. A failure part-way leaves the changed targets for Rollback, which
 * restores every target that still holds the value this step wrote.
 */
export async function applyScaling(rawState: unknown, deps: ApplyScalingDeps): Promise<ScalingResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const changes: ScalingChange[] = [];
  for (const step of state.plan.scaling) {
    changes.push(await deps.cluster.setScalingTarget(service, step.unit, step.to));
  }
  return { changes };
}
