import { capacityTypesOf, type EpochMs } from "@switchyard/core";
import type { CapacityCalendar, Offering } from "../capacity/capacity-calendar.ts";
import type { UnitPods } from "./unit-pods.ts";

/** One failed launch attempt, as Karpenter's event and CloudTrail's CreateFleet error report it. */
export interface CapacityError {
  readonly instanceType: string;
  readonly at: EpochMs;
  /** Pods that wanted a node of this type in the attempt. */
  readonly count: number;
  readonly units: readonly string[];
  readonly code: "InsufficientInstanceCapacity";
  /** The override's zone (CreateFleet's `overrides.availabilityZone`); null for a unit without zones. */
  readonly zone: string | null;
  /** The fleet's capacity type (the error item's `lifecycle`). */
  readonly capacityType: Offering["capacityType"];
}

/**
 * Launches a node for every pending pod, as Karpenter 1.x does
 * (aws/karpenter-provider-aws v1.14 pkg/providers/instance/instance.go): for each of the
 * unit's instance types, the capacity types its NodePool allows in Karpenter's order
 * (Spot before on-demand: `getCapacityType`), one CreateFleet per capacity type over the
 * unit's zones, fewest of its pods first (a zonal topology spread; Karpenter itself does
 * not balance zones, docs concepts/scheduling.md). An offering EC2 refuses — instance
 * type, zone and capacity type — is cached as unavailable for `offeringCacheMs`
 * (`UnavailableOfferingsTTL`, 3 minutes) and not tried again before then. A fleet that
 * launched in another zone reports no error (CreateFleet returns a partial success,
 * which Switchyard does not count either); a capacity type refused in every zone is one
 * error per zone, and the next capacity type is tried at once (the on-demand fallback).
 * So a blocked pool produces one error per offering every few minutes while pods wait.
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

  /** Caches an offering EC2 refused as unavailable for the cache's TTL. */
  markUnavailable(instanceType: string, offering: Offering, at: EpochMs): void {
    const key = offeringKey(instanceType, offering);
    this.#unavailableUntil.set(
      key,
      Math.max(this.#unavailableUntil.get(key) ?? 0, at + this.#offeringCacheMs),
    );
  }

  provision(at: EpochMs, deployments: readonly UnitPods[]): CapacityError[] {
    const failed = new Map<string, { type: string; offering: Offering; count: number; units: Set<string> }>();
    const cached = (type: string, offering: Offering) =>
      (this.#unavailableUntil.get(offeringKey(type, offering)) ?? Number.NEGATIVE_INFINITY) > at;
    for (const deployment of deployments) {
      const capacityTypes = capacityTypesOf(deployment.unit);
      for (const pod of deployment.pending()) {
        launch: for (const type of deployment.unit.instanceTypes) {
          for (const capacityType of capacityTypes) {
            const zones: readonly (string | null)[] =
              deployment.unit.zones === undefined ? [null] : deployment.zonesBySpread();
            const refused: Offering[] = [];
            for (const zone of zones) {
              const offering = { zone, capacityType };
              if (cached(type, offering)) {
                continue;
              }
              if (this.#calendar.canLaunch(type, at, offering)) {
                pod.phase = "starting";
                pod.instanceType = type;
                pod.offering = offering;
                pod.launchedAt = at;
                pod.readyAt = at + this.#startupMs(type);
                break launch;
              }
              refused.push(offering);
            }
            for (const offering of refused) {
              const key = offeringKey(type, offering);
              const entry = failed.get(key) ?? { type, offering, count: 0, units: new Set<string>() };
              entry.count += 1;
              entry.units.add(deployment.unit.name);
              failed.set(key, entry);
            }
          }
        }
      }
    }
    for (const entry of failed.values()) {
      this.markUnavailable(entry.type, entry.offering, at);
    }
    return [...failed.values()].map((entry) => ({
      instanceType: entry.type,
      at,
      count: entry.count,
      units: [...entry.units],
      code: "InsufficientInstanceCapacity",
      zone: entry.offering.zone,
      capacityType: entry.offering.capacityType,
    }));
  }
}

function offeringKey(instanceType: string, offering: Offering): string {
  return `${instanceType}\u0000${offering.zone ?? ""}\u0000${offering.capacityType}`;
}
