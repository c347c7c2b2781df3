import type { ComparedPolicy, PolicyRun } from "./compared-policy.ts";
import { peakWeightedService, plannedStart } from "./initial-state.ts";

/** A policy that sets its routing once and never acts again. */
const idle: PolicyRun = { moves: () => [], decisions: () => [], failures: () => [] };

/**
 * Cost weights fixed for the whole run (the least-cost plan's weights at the run's peak
 * demand, like the seed's hand-set 40/20/15/10/15), KEDA at each unit's breaking point,
 * and nobody watching capacity.
 */
export const staticCostPolicy: ComparedPolicy = {
  name: "static-cost",
  description: "weighted routing fixed at the least-cost weights for the peak demand; never switches",
  initialState: (scenario) => plannedStart(scenario, "cost", peakWeightedService(scenario)),
  attach: () => idle,
};

/** Round-robin over every unit's pods all the time (the seed's capacity-optimized configuration). */
export const staticCapacityPolicy: ComparedPolicy = {
  name: "static-capacity",
  description:
    "round-robin per pod through the consolidated Service all the time, KEDA at adjusted throughput",
  initialState: (scenario) => plannedStart(scenario, "capacity"),
  attach: () => idle,
};
