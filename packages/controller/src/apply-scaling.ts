import type { SwitchyardConfig } from "@switchyard/core";
import type { Clock, ClusterGateway, ReplicaHold, ScalingChange } from "@switchyard/core/ports";
import type { ControllerLogger } from "./logger.ts";
import { serviceNamed } from "./service-lookup.ts";
import { installStandby } from "./standby.ts";
import { recordSwitchEvent, startedEvent } from "./switch-events.ts";
import { parseSwitchState, type ScalingResult } from "./switch-state.ts";

interface ApplyScalingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/**
 * The ScaleReceivers step: first makes sure the Ingress has the service's standby rule,
 * so the target groups that will carry traffic exist and are health-checked while the
 * receivers start (`installStandby`); then sets each unit's KEDA target for the new mode, then holds
 * every receiving unit at the plan's pods (KEDA's paused-replicas), so its pods start
 * before any traffic moves. A failure part-way leaves what changed for Rollback, which
 * restores every target that still holds this step's value and lifts its holds. The
 * first change of the switch: its SwitchStarted Event goes on the Ingress first.
 * A repair first lifts the holds evaluate found that no running switch owns (each as its
 * owner's: a hold another switch has taken over since is left to it).
 */
export async function applyScaling(rawState: unknown, deps: ApplyScalingDeps): Promise<ScalingResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  await recordSwitchEvent(deps, service, startedEvent(state, deps.clock.now(), deps.config.cluster.region));
  const standby = await installStandby(service, deps.cluster);
  const holds: ReplicaHold[] = [];
  for (const orphan of state.plan.input.releaseHolds) {
    holds.push(await deps.cluster.holdReplicas(service, orphan.unit, null, orphan.owner));
  }
  const changes: ScalingChange[] = [];
  for (const step of state.plan.scaling) {
    changes.push(await deps.cluster.setScalingTarget(service, step.unit, () => step.to));
  }
  for (const hold of state.plan.holds) {
    holds.push(
      await deps.cluster.holdReplicas(service, hold.unit, hold.replicas, state.plan.input.executionName),
    );
  }
  return { standby, changes, holds };
}
