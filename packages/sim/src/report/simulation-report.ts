import { LatencyModel } from "../model/latency-model.ts";
import type { PolicyResult, SimulationResult } from "../run/simulate.ts";
import type { Scenario } from "../scenario/types.ts";
import { type MinuteRecord, minutesOf } from "./minute-series.ts";
import { type PolicySummary, summarize } from "./policy-summary.ts";

/** One policy's run, read for the report. */
export interface PolicyReport {
  readonly result: PolicyResult;
  readonly minutes: readonly MinuteRecord[];
  readonly summary: PolicySummary;
}

export interface SimulationReport {
  readonly scenario: Scenario;
  readonly policies: readonly PolicyReport[];
}

export function reportOf(simulation: SimulationResult): SimulationReport {
  const latency = new LatencyModel(simulation.scenario.latency);
  return {
    scenario: simulation.scenario,
    policies: simulation.policies.map((result) => {
      const minutes = minutesOf(result.steps, simulation.scenario.service, latency);
      return { result, minutes, summary: summarize(result, minutes, simulation.scenario) };
    }),
  };
}
