import type { DeploymentUnit } from "@switchyard/core";
import { SECOND } from "@switchyard/core";
import type { LatencyModel } from "./latency-model.ts";

interface ServedStep {
  /** Requests that reached the unit's pods in the step. */
  readonly requests: number;
  /** Requests refused because the queue was full, or lost with removed pods: the targets' 5xx. */
  readonly failed: number;
  /** p95 of the step's requests, queueing included. */
  readonly p95Ms: number;
  /** Requests still waiting at the end of the step, over all the unit's pods. */
  readonly queueAfter: number;
}

/**
 * One step of a unit's ready pods as a fluid queue: they complete at most saturation ×
 * maxRps each; arrivals beyond that wait, up to `queueSeconds` of work, and the rest fail.
 * Every pod of a unit sees the same load (round-robin within its target groups).
 */
export function serveStep(
  model: LatencyModel,
  unit: Pick<DeploymentUnit, "maxRps" | "latencyMs">,
  readyPods: number,
  arrivalRps: number,
  queued: number,
  seconds: number,
): ServedStep {
  const capacity = readyPods * model.saturationRps(unit.maxRps);
  const bound = model.parameters.queueSeconds * capacity;
  // Pods removed since the last step take their queued requests with them: they fail.
  const dropped = Math.max(0, queued - bound);
  const queueBefore = queued - dropped;
  const requests = arrivalRps * seconds;
  let queueAfter: number;
  let failed = dropped;
  if (arrivalRps <= capacity) {
    queueAfter = Math.max(0, queueBefore - (capacity - arrivalRps) * seconds);
  } else {
    const grown = queueBefore + (arrivalRps - capacity) * seconds;
    failed += Math.max(0, grown - bound);
    queueAfter = Math.min(grown, bound);
  }
  const delayMs = capacity > 0 ? ((queueBefore + queueAfter) / 2 / capacity) * SECOND : 0;
  const p95Ms = model.p95Ms(unit.latencyMs, unit.maxRps, arrivalRps / readyPods) + delayMs;
  return { requests, failed, p95Ms, queueAfter };
}
