import type { EpochMs } from "@switchyard/core";
import type { CapacityCalendar } from "../capacity/capacity-calendar.ts";
import type { UnitPods } from "./unit-pods.ts";

/** One failed launch attempt, as Karpenter's event and CloudTrail's CreateFleet error report it. */
export interface CapacityError {
  readonly instanceType: string;
  readonly at: EpochMs;
  /** Pods that wanted a node of this type in the attempt. */
  readonly count: number;
  readonly units: readonly string[];
  readonly code: "InsufficientInstanceCapacity";
}

/**
 * Launches a node for every pending pod, trying the unit's instance types in order. A type
 * that EC2 refuses is cached as unavailable for `offeringCacheMs` (Karpenter's 3-minute
 * cache of failed offerings) and not tried again before then, so a blocked pool produces
 * one error per type every few minutes while pods wait, not one per step.
 */
export class Karpenter {
  readonly #calendar: CapacityCalendar;
  readonly #startupMs: (instanceType: string) => number;
  readonly #offeringCacheMs: number;
  readonly #unavailableUntil = new Map<string, EpochMs>();

  constructor(
    calendar: CapacityCalendar,
    startupMs: (instanceType: string) => number,
    offeringCacheMs: number,
  ) {
    this.#calendar = calendar;
    this.#startupMs = startupMs;
    this.#offeringCacheMs = offeringCacheMs;
  }

  provision(at: EpochMs, deployments: readonly UnitPods[]): CapacityError[] {
    const failed = new Map<string, { count: number; units: Set<string> }>();
    for (const deployment of deployments) {
      for (const pod of deployment.pending()) {
        for (const type of deployment.unit.instanceTypes) {
          if ((this.#unavailableUntil.get(type) ?? Number.NEGATIVE_INFINITY) > at) {
            continue;
          }
          if (this.#calendar.canLaunch(type, at)) {
            pod.phase = "starting";
            pod.instanceType = type;
            pod.launchedAt = at;
            pod.readyAt = at + this.#startupMs(type);
            break;
          }
          const entry = failed.get(type) ?? { count: 0, units: new Set<string>() };
          entry.count += 1;
          entry.units.add(deployment.unit.name);
          failed.set(type, entry);
        }
      }
    }
    for (const type of failed.keys()) {
      this.#unavailableUntil.set(type, at + this.#offeringCacheMs);
    }
    return [...failed.entries()].map(([instanceType, entry]) => ({
      instanceType,
      at,
      count: entry.count,
      units: [...entry.units],
      code: "InsufficientInstanceCapacity",
    }));
  }
}
