import type { PolicyResult, SimulationResult } from "../run/simulate.ts";
import type { Scenario } from "../scenario/types.ts";
import { type FrontierRow, frontierRows } from "./hedge-frontier-report.ts";
import type { MinuteSeries } from "./minute-series.ts";
import { type PolicySummary, summarize } from "./policy-summary.ts";
import { type ReferenceCosts, referenceCosts } from "./reference-costs.ts";

/** One policy's run, read for the report. */
export interface PolicyReport {
  readonly result: PolicyResult;
  readonly minutes: MinuteSeries;
  readonly summary: PolicySummary;
}

/** The floor and the lower bound, and which policies (if any) served every request for less than the bound. */
interface ReportReference extends ReferenceCosts {
  /** Policies that failed no request yet cost less than the lower bound: the bound is broken. */
  readonly boundBrokenBy: readonly string[];
}

export interface SimulationReport {
  readonly scenario: Scenario;
  readonly reference: ReportReference;
  readonly policies: readonly PolicyReport[];
  /** The cost–risk frontier, when the run was asked for one (`simulate --hedge`). */
  readonly frontier?: readonly FrontierRow[];
}

export function reportOf(simulation: SimulationResult): SimulationReport {
  const costs = referenceCosts(simulation.scenario);
  const policies = simulation.policies.map((result) => {
    const minutes = result.minutes;
    return { result, minutes, summary: summarize(result, minutes, simulation.scenario, costs) };
  });
  const frontier = simulation.frontier?.map(({ maxLossShare, result }) => ({
    maxLossShare,
    summary: summarize(result, result.minutes, simulation.scenario, costs),
  }));
  return {
    scenario: simulation.scenario,
    reference: {
      ...costs,
      boundBrokenBy: policies.filter((p) => breaksBound(p.summary, costs)).map((p) => p.summary.name),
    },
    policies,
    ...(frontier === undefined
      ? {}
      : {
          frontier: frontierRows(
            frontier,
            policies.map((p) => p.summary),
          ),
        }),
  };
}

/**
 * A policy that served every request (none failed) for less than the lower bound
 * proves the bound wrong: it is meant to be what no such policy can undercut. A cent
 * of slack covers float dust over a long run.
 */
function breaksBound(summary: PolicySummary, costs: ReferenceCosts): boolean {
  return summary.failedRequests < 0.5 && summary.totalCost < costs.lowerBoundCost - 0.005;
}
