import type { DeploymentUnit, InferenceService } from "../config/types.ts";
import type { AllocationUnit } from "./allocation.ts";
import type { UnavailableReason, UnitCondition } from "./types.ts";
import { podHourlyPrice } from "./unit-economics.ts";

/** How each unit takes part in a plan: the pods it holds and the bounds its allocation may move within. */

/** How one unit takes part in a plan. */
export interface Participant {
  readonly unit: DeploymentUnit;
  /** Set when the unit takes no traffic and no new pods. */
  readonly unavailable?: UnavailableReason;
  /** Pods the unit has now; the count an unavailable unit keeps. */
  readonly heldPods: number;
  /** True when every unit is unavailable and this one is used anyway, at its held pods. */
  readonly forced: boolean;
  /** A planning cap on the unit's pods (see UnitCondition.maxPods). */
  readonly maxPods?: number;
  /** Some of its ready pods are being reclaimed: the cap may go below minReplicaCount. */
  readonly reclaiming?: boolean;
  /** Ready pods that stay (runningPods less those being reclaimed); null when the conditions do not say. */
  readonly readyPods: number | null;
  /** The unit's condition as given. */
  readonly condition: UnitCondition;
}

export function participantsOf(
  service: InferenceService,
  conditions: Readonly<Record<string, UnitCondition>>,
): Participant[] {
  const everyUnitDown = service.units.every((unit) => conditions[unit.name]?.unavailable !== undefined);
  return service.units.map((unit) => {
    const condition = conditions[unit.name] ?? {};
    // Pods being reclaimed are planned as gone: they serve for two minutes at most.
    const reclaimingPods = condition.reclaimingPods ?? 0;
    const heldPods = Math.max(
      0,
      Math.min((condition.runningPods ?? unit.minReplicaCount) - reclaimingPods, unit.maxReplicaCount),
    );
    const readyPods = condition.runningPods === undefined ? null : heldPods;
    const reclaiming = reclaimingPods > 0 ? { reclaiming: true } : {};
    if (condition.unavailable === undefined) {
      return condition.maxPods === undefined
        ? { unit, heldPods, forced: false, readyPods, condition, ...reclaiming }
        : {
            unit,
            heldPods,
            forced: false,
            readyPods,
            condition,
            maxPods: Math.max(0, condition.maxPods),
            ...reclaiming,
          };
    }
    // An ALB rule with every weight 0 is not a state to rely on; when nothing is
    // available, keep routing to what runs so a unit that recovers serves at once.
    return everyUnitDown
      ? { unit, heldPods, forced: true, readyPods, condition }
      : { unit, heldPods, forced: false, readyPods, condition, ...{ unavailable: condition.unavailable } };
  });
}

/** Allocation bounds for one unit serving `perPodRps` per pod in this plan. */
export function allocationUnit(p: Participant, perPodRps: number): AllocationUnit {
  if (p.unavailable === "no-capacity") {
    // Frozen, never drained: its running pods are the scarcest capacity there is, so
    // they keep serving (up to all of them), and it gets no pod it cannot launch.
    return {
      rps: perPodRps,
      price: podHourlyPrice(p.unit),
      min: Math.min(p.heldPods, p.unit.minReplicaCount),
      max: p.heldPods,
    };
  }
  if (p.unavailable !== undefined) {
    return { rps: 0, price: podHourlyPrice(p.unit), min: p.heldPods, max: p.heldPods };
  }
  if (p.forced) {
    return { rps: perPodRps, price: podHourlyPrice(p.unit), min: p.heldPods, max: p.heldPods };
  }
  // A cap never goes below minReplicaCount: those pods run (and are paid for) anyway —
  // unless they are being reclaimed, when what is left is all the unit can serve now.
  const cap =
    p.reclaiming === true && p.maxPods !== undefined
      ? p.maxPods
      : Math.max(p.unit.minReplicaCount, p.maxPods ?? p.unit.maxReplicaCount);
  const max = Math.min(p.unit.maxReplicaCount, cap);
  return {
    rps: perPodRps,
    price: podHourlyPrice(p.unit),
    min: Math.min(p.unit.minReplicaCount, max),
    max,
  };
}
