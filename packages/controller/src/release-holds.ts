import {
  type InferenceService,
  notResumed,
  releaseFloorAction,
  type SwitchyardConfig,
} from "@switchyard/core";
import type { Clock, ClusterGateway, ReplicaFloorChange, ReplicaHold } from "@switchyard/core/ports";
import { ScalingNotResumedError } from "./errors.ts";
import { serviceNamed } from "./service-lookup.ts";
import { type HoldsRelease, parseSwitchState, type SwitchPlan } from "./switch-state.ts";

interface ReleaseHoldsDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/** Outcomes after which the unit should be KEDA's again: this switch lifted its hold, or it was gone. */
const GIVEN_BACK: ReadonlySet<ReplicaHold["outcome"]> = new Set(["released", "unchanged"]);

/**
 * The ReleaseReceivers step, `receiverHoldSeconds` after traffic moved: lifts the
 * receivers' holds so KEDA scales them on their load again. Released any earlier, KEDA
 * would still see the old, lower load in its metric window and scale the new pods away
 * just before the traffic that needs them arrives.
 *
 * Before it lifts a hold of its own it raises the unit's minReplicaCount to the release
 * floor (core's `releaseFloor`: the pods the unit's planned share needs, for one
 * stabilization window of the HPA KEDA makes anew), through the one floor writer
 * (`setReplicaFloor`, marked, the owner's value kept): KEDA's new HPA forgets its
 * history, and a minute with no datapoint would otherwise take the unit to its
 * minReplicaCount at the first sync. Raised while still paused, the floor acts on
 * nothing until the pause goes; if it cannot be written, the hold stays (the step fails
 * and is retried or alerts). evaluate puts the owner's value back once the window is over.
 *
 * Then it checks that KEDA took each unit back — no paused-replicas, the ScaledObject's
 * Paused condition False, its HPA there — and throws ScalingNotResumedError when not,
 * unless someone else paused the ScaledObject (an operator's `paused`, `paused-scale-in`,
 * `paused-scale-out` or `paused-replicas`): that unit is listed in `pausedByOthers`, not
 * reported as KEDA failing to resume,
 * for the workflow to retry (a re-run releases nothing more) and then alert: a unit
 * KEDA silently left paused would not scale at all (KEDA issues #6982, #7231).
 */
export async function releaseHolds(rawState: unknown, deps: ReleaseHoldsDeps): Promise<HoldsRelease> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const owner = state.plan.input.executionName;
  const floors = await releaseFloors(service, state.plan, deps);
  const released: ReplicaHold[] = [];
  for (const hold of state.plan.holds) {
    released.push(await deps.cluster.holdReplicas(service, hold.unit, null, owner));
  }
  const stuck: string[] = [];
  const pausedByOthers: { unit: string; scaledObject: string; pauses: readonly string[] }[] = [];
  for (const hold of released.filter((h) => GIVEN_BACK.has(h.outcome))) {
    const autoscaling = await deps.cluster.autoscalingOf(service, hold.unit);
    if (autoscaling.pausedBy.length > 0) {
      // Someone else paused it since (or before): KEDA is right to stay paused.
      pausedByOthers.push({ unit: hold.unit, scaledObject: hold.scaledObject, pauses: autoscaling.pausedBy });
      continue;
    }
    const problems = notResumed(autoscaling);
    if (problems.length > 0) {
      stuck.push(`ScaledObject ${service.namespace}/${hold.scaledObject}: ${problems.join("; ")}`);
    }
  }
  if (stuck.length > 0) {
    throw new ScalingNotResumedError(
      `KEDA has not resumed autoscaling after the replica holds were lifted — ${stuck.join(" | ")}. KEDA 2.18.2 or later is required (issues #6982, #7231); check the keda-operator logs, and restart it if the ScaledObject stays Paused`,
    );
  }
  return { released, pausedByOthers, floors };
}

/**
 * Raises each unit this switch still holds to its release floor, before any hold is
 * lifted (core's `releaseFloorAction`; the write checks, on the ScaledObject as read,
 * that the hold is still this switch's — a unit it does not unpause gets no floor). A
 * floor someone else changed since Switchyard raised it is theirs: the first write only
 * drops the mark, the second raises from their value.
 */
async function releaseFloors(
  service: InferenceService,
  plan: SwitchPlan,
  deps: ReleaseHoldsDeps,
): Promise<ReplicaFloorChange[]> {
  const releasedAt = deps.clock.now();
  const changes: ReplicaFloorChange[] = [];
  for (const hold of plan.holds) {
    const action = releaseFloorAction({
      plannedPods: plan.target.units.find((u) => u.name === hold.unit)?.pods,
      heldReplicas: hold.replicas,
      releasedAt,
      owner: plan.input.executionName,
    });
    let change = await deps.cluster.setReplicaFloor(service, hold.unit, action);
    if (change.outcome === "changed-by-someone-else") {
      change = await deps.cluster.setReplicaFloor(service, hold.unit, action);
    }
    if (change.outcome !== "unchanged") {
      changes.push(change);
    }
  }
  return changes;
}
