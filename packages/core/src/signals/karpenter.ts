import type { ClusterEvent } from "../cluster/types.ts";
import type { CapacitySignal } from "./types.ts";

/** The reason Karpenter records when a launch fails for lack of EC2 capacity. */
export const KARPENTER_CAPACITY_REASON = "InsufficientCapacityError";

/**
 * EC2's text, as Karpenter embeds it after `with fleet error(s), ` (several errors are
 * joined with `; `): `InsufficientInstanceCapacity: We currently do not have
 * sufficient inf2.xlarge capacity in the Availability Zone you requested (us-west-2a).`
 * The zone clause is missing from some variants (e.g. "in zones with support for ..."),
 * so it is optional; the code before the colon may be cut off by Karpenter's truncation.
 */
const EC2_CAPACITY_TEXT =
  /(?:\b([A-Z][A-Za-z]+): )?We currently do not have sufficient ([a-z0-9-]+\.[a-z0-9-]+) capacity(?: in the Availability Zone you requested \(([a-z]{2}(?:-[a-z]+)+-\d[a-z])\))?/g;

const DEFAULT_CODE = "InsufficientInstanceCapacity";

/**
 * Karpenter's InsufficientCapacityError events as capacity signals: one per instance
 * type and zone an event's message names. Events that name no instance type ("all
 * requested instance types were unavailable during launch", reservation or Spot
 * errors without a type) say nothing about a unit's pool, so they are skipped.
 */
export function karpenterCapacitySignals(events: readonly ClusterEvent[]): CapacitySignal[] {
  const signals: CapacitySignal[] = [];
  for (const event of events) {
    if (event.reason !== KARPENTER_CAPACITY_REASON) {
      continue;
    }
    const seen = new Set<string>();
    for (const match of event.message.matchAll(EC2_CAPACITY_TEXT)) {
      const [, code, instanceType, zone] = match;
      if (instanceType === undefined) {
        continue;
      }
      const key = `${instanceType}/${zone ?? ""}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      signals.push({
        instanceType,
        at: event.at,
        source: "karpenter-event",
        code: code ?? DEFAULT_CODE,
        count: event.count,
        ...(zone === undefined ? {} : { availabilityZone: zone }),
        detail: `${event.involvedObject.kind} ${event.involvedObject.name}`,
      });
    }
  }
  return signals;
}
