import { switchyardPolicyWith } from "../policies/switchyard-policy.ts";
import type { Scenario } from "../scenario/types.ts";
import { type PolicyResult, type ProgressListener, runPolicy, type SimulationResult } from "./simulate.ts";

/** Switchyard's run of a scenario with one risk budget. */
interface FrontierRun {
  /** policy.hedge.maxLossShare of the run. */
  readonly maxLossShare: number;
  readonly result: PolicyResult;
}

/**
 * The cost–risk frontier: Switchyard run on the same scenario once per risk budget
 * (policy.hedge.maxLossShare), each in its own environment, beside the simulation's
 * other policies. Budgets are kept in the order given.
 */
export async function withHedgeFrontier(
  simulation: SimulationResult,
  levels: readonly number[],
  onProgress: ProgressListener = () => {},
): Promise<SimulationResult> {
  const frontier: FrontierRun[] = [];
  for (const maxLossShare of levels) {
    frontier.push({
      maxLossShare,
      result: await runPolicy(simulation.scenario, hedgeAt(maxLossShare), onProgress),
    });
  }
  return { ...simulation, frontier };
}

function hedgeAt(maxLossShare: number) {
  return switchyardPolicyWith({ maxLossShare });
}

/** Whether the scenario has a Spot unit, whose hedge the frontier varies. */
export function hasSpotUnits(scenario: Scenario): boolean {
  return scenario.service.units.some((unit) => unit.capacityTypes?.includes("spot") === true);
}
