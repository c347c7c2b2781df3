import type { ScaledObjectState } from "../cluster/types.ts";
import type { InferenceService } from "../config/types.ts";
import { SWITCHYARD_ANNOTATIONS } from "../manifests/annotations.ts";
import { parseFloorMark } from "../manifests/replica-floor-patch.ts";
import type { EpochMs } from "../signals/types.ts";
import type { FloorAction, ReleaseFloor, ReplicaFloors } from "./replica-floor.ts";

/**
 * The floor a lifted replica hold leaves on its unit, as ReleaseReceivers asks for it
 * (`hold-release`, which `replicaFloorPatch` applies on the ScaledObject as read). Lifting
 * `paused-replicas` makes KEDA create the HPA anew (2.18–2.20 delete it while paused),
 * and the HPA controller forgets the stabilization history of an HPA it found gone
 * (kubernetes pkg/controller/podautoscaler/horizontal.go `reconcileKey`): the new HPA's
 * first sync applies what the metric says then, down to minReplicaCount in one step — and
 * a minute CloudWatch has no datapoint for reads as 0 with the aws-cloudwatch trigger's
 * default `ignoreNullValues` (issue 17: inf2 from 9 pods to 1). So the unit keeps, as its
 * minReplicaCount, the pods its routed share needs at its safe rate (the move's plan for
 * the weight it now carries; never more than it was held at) until the new HPA has a
 * stabilization window of its own (`firstWindowEnd`): a single empty minute no longer
 * moves it then.
 */
export function releaseFloorAction(input: {
  /** The move's planned pods for the unit: its share of the planned demand at its safe rate. */
  readonly plannedPods: number | undefined;
  /** The count it was held at. */
  readonly heldReplicas: number;
  readonly releasedAt: EpochMs;
  /** The switch whose hold is lifted: a unit no longer held by it gets no floor. */
  readonly owner: string;
}): FloorAction {
  const planned = input.plannedPods ?? input.heldReplicas;
  return {
    kind: "hold-release",
    pods: Math.max(0, Math.min(input.heldReplicas, planned)),
    releasedAt: input.releasedAt,
    owner: input.owner,
  };
}

/**
 * What the one writer of minReplicaCount does for a unit, from the forecast floor's
 * action (null when the forecast does not act: off, forecast-only, or a pin) and the
 * release floor its ScaledObject's mark carries: while the release window lasts, the
 * higher of the two; once it is over, the forecast's action (which writes the mark
 * without the window), or, without an acting forecast, the owner's value back. Null
 * when there is nothing to write.
 */
export function unitFloorAction(
  forecast: FloorAction | null,
  release: ReleaseFloor | null,
  now: EpochMs,
): FloorAction | null {
  if (release === null || now >= release.until) {
    return forecast ?? (release === null ? null : { kind: "restore" });
  }
  if (forecast?.kind === "raise") {
    return { kind: "raise", pods: Math.max(forecast.pods, release.pods), release };
  }
  // No forecast floor to compose with (none acts, none forecast, or keep): the release
  // floor stands, and a floor already higher is not lowered.
  return { kind: "keep-release", release };
}

/** One unit's floor write for this evaluation, with why. */
export interface UnitFloorWrite {
  readonly unit: string;
  readonly action: FloorAction;
  readonly why: string;
}

/**
 * Each unit's floor write for this evaluation, in config order: the forecast floors when
 * they act (`forecast`, null otherwise) composed with the release floors the ScaledObjects'
 * marks carry (none when they could not be read). Units with nothing to write are left out.
 */
export function floorWrites(
  service: InferenceService,
  forecast: ReplicaFloors | null,
  scaledObjects: Readonly<Record<string, ScaledObjectState>> | null,
  now: EpochMs,
): UnitFloorWrite[] {
  const writes: UnitFloorWrite[] = [];
  for (const unit of service.units) {
    const planned = forecast?.units.find((u) => u.unit === unit.name) ?? null;
    const mark = parseFloorMark(
      scaledObjects?.[unit.name]?.object.metadata?.annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor],
    );
    const release = mark?.release ?? null;
    const action = unitFloorAction(planned?.action ?? null, release, now);
    if (action === null) {
      continue;
    }
    writes.push({ unit: unit.name, action, why: whyOf(unit.name, planned?.why ?? null, release, now) });
  }
  return writes;
}

function whyOf(unit: string, forecastWhy: string | null, release: ReleaseFloor | null, now: EpochMs): string {
  if (release === null) {
    return forecastWhy ?? "";
  }
  const until = new Date(release.until).toISOString().slice(11, 19);
  const held =
    now < release.until
      ? `a lifted hold keeps ${unit} at ${release.pods} pod${release.pods === 1 ? "" : "s"} or more until ${until} UTC, one scale-down stabilization window of the HPA KEDA made anew`
      : `the lifted hold's window ended at ${until} UTC`;
  return forecastWhy === null ? held : `${forecastWhy}; ${held}`;
}
