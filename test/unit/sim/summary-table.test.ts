import { summarize } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import type { PolicySummary } from "../../../packages/sim/src/report/policy-summary.ts";
import type { SimulationReport } from "../../../packages/sim/src/report/simulation-report.ts";
import { referenceLines } from "../../../packages/sim/src/report/summary-table.ts";

/** A report of two policies against a floor and a lower bound; only what the lines read is filled. */
function report(floorCost: number, lowerBoundCost: number): SimulationReport {
  const policy = (name: string, totalCost: number) =>
    summarize(
      {
        name,
        description: "",
        moves: [],
        decisions: [],
        capacityErrors: [],
        failures: [],
        wallMs: 0,
        minutes: { length: 0 },
      } as never,
      {
        length: 1,
        value: (_i: number, column: string) =>
          column === "costUsd" ? totalCost : column === "requests" ? 1e6 : 0,
        violatedAt: () => false,
        modeAt: () => "cost",
        timeAt: () => 0,
        indexAt: () => 0,
      } as never,
      { capacity: [] } as never,
      { floorCost, lowerBoundCost, infeasibleSteps: 0 },
    );
  const policies = [policy("switchyard", floorCost + 4.2), policy("static-cost", floorCost + 8.53)];
  return {
    scenario: {},
    reference: { floorCost, lowerBoundCost, infeasibleSteps: 0, boundBrokenBy: [] },
    policies: policies.map((summary: PolicySummary) => ({ summary })),
  } as unknown as SimulationReport;
}

describe("Function: referenceLines", () => {
  it("gives each policy's ratio to the lower bound's cost above the floor when the bound is well above the floor", () => {
    const [, line] = referenceLines(report(236.1, 845.04));

    expect(line).toBe(
      "cost above the floor (as a ratio to the lower bound's $608.94): switchyard $4.20 (0.01×), static-cost $8.53 (0.01×)",
    );
  });

  it("gives no ratio against a lower bound a few cents above the floor, and says why (not 10.72×)", () => {
    const r = report(118.05, 118.44);

    const [, line] = referenceLines(r);

    expect(line).toBe(
      "cost above the floor (no ratio: the lower bound is only $0.39 above the floor, 0.3 % of it, too little to divide by): switchyard $4.20, static-cost $8.53",
    );
    expect(r.policies.map((p) => p.summary.costAboveFloorRatio)).toEqual([null, null]);
  });

  it("gives no ratio when the lower bound is the floor", () => {
    const [, line] = referenceLines(report(19.14, 19.14));

    expect(line).toBe(
      "cost above the floor (no ratio: the lower bound is the floor: the pods minReplicaCount keeps serve every minute's demand): switchyard $4.20, static-cost $8.53",
    );
  });
});
