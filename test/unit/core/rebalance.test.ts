import { describe, expect, it } from "vitest";
import { RISK_MINUTES, rebalanceCheck } from "../../../packages/core/src/decision/rebalance.ts";
import type { DecisionSignals, ServiceState } from "../../../packages/core/src/decision/types.ts";
import {
  CALM_RPS,
  COST_WEIGHTS,
  calmSignals,
  optimalWeights,
  service,
  state,
} from "../../support/decision-fixtures.ts";
import { demand, observed, policy, svc } from "../../support/rule-fixtures.ts";

/** L4 at most 2 pods (122 RPS): weights that send it most of the demand overload it. */
const smallL4 = service({
  units: svc.units.map((u) => (u.name === "sd21-l4-triton" ? { ...u, maxReplicaCount: 2 } : u)),
});

function check(s: ServiceState, signals: DecisionSignals) {
  return rebalanceCheck(s, observed(s, signals), policy);
}

describe("Function: rebalanceCheck", () => {
  it.each([
    {
      case: "demand moved the cost-optimal plan past the dead band for the sustain window",
      s: state(),
      signals: demand(() => 1500),
      passed: true,
      atRisk: false,
      detail:
        /^the cost-optimal plan saves [\d.]+ % of the cost above the minReplicaCount floor over the pods the current weights need, in each of the last 15 measured min \(dead band 10 %\)$/,
    },
    {
      case: "the move has lasted 5 of the 15 minutes",
      s: state(),
      signals: demand((i) => (i >= 25 ? 1500 : CALM_RPS)),
      passed: false,
      atRisk: false,
      detail:
        /^the cost-optimal plan saves [\d.-]+ % or less of the cost above the floor over the current weights in the last 15 measured min \(dead band 10 %\)$/,
    },
    {
      case: "the weights in force are the plan's: nothing to save",
      s: state(),
      signals: calmSignals(),
      passed: false,
      atRisk: false,
      detail: /^the cost-optimal plan saves 0 % or less/,
    },
    {
      case: "10 measured minutes of the 15 a rebalance needs",
      s: state(),
      signals: demand(() => 1500, 10),
      passed: false,
      atRisk: false,
      detail: /^10 of the 15 measured minutes a rebalance needs: demand is not known for long enough$/,
    },
    {
      case: "the weights in force send one unit more than its pods can ever serve",
      s: state({ service: smallL4, weights: { ...COST_WEIGHTS, "sd21-l4-triton": 999 } }),
      signals: demand(() => 1000),
      passed: true,
      atRisk: true,
      detail: new RegExp(
        `^the current weights send up to [\\d.]+ RPS more than the units' pods can serve in each of the last ${RISK_MINUTES} measured min$`,
      ),
    },
  ])("$case", ({ s, signals, passed, atRisk, detail }) => {
    const result = check(s, signals);
    expect(result.band).toMatchObject({ rule: "rebalance-dead-band", threshold: 10, passed });
    expect(result.band.detail).toMatch(detail);
    expect(result.atRisk).toBe(atRisk);
  });

  it("targets the cost-optimal weights for the demand it plans for", () => {
    const result = check(
      state(),
      demand(() => 1500),
    );
    expect(result.planned).toMatchObject({ slope: null });
    expect(result.planned.rps).toBeCloseTo(1500, 6);
    expect(result.target).toEqual(optimalWeights(1500));
  });

  it("plans a rising demand ahead, and targets the weights for where it leads", () => {
    const result = check(
      state(),
      demand((i) => 320 + 20 * i),
    );
    expect(result.planned.slope).toBeCloseTo(20, 6);
    expect(result.target).toEqual(optimalWeights(result.planned.rps));
  });

  it("counts a risk only when it lasts each of the last RISK_MINUTES measured minutes", () => {
    const s = state({ service: smallL4, weights: { ...COST_WEIGHTS, "sd21-l4-triton": 999 } });
    const lately = (minutesAtRisk: number) => demand((i) => (i >= 30 - minutesAtRisk ? 1000 : 100));
    expect(check(s, lately(RISK_MINUTES - 1)).atRisk).toBe(false);
    expect(check(s, lately(RISK_MINUTES)).atRisk).toBe(true);
  });

  it("counts no risk on demand it did not measure", () => {
    const s = state({ service: smallL4, weights: { ...COST_WEIGHTS, "sd21-l4-triton": 999 } });
    const unmeasured = demand(() => 0);
    const silent = {
      ...unmeasured,
      minutes: Object.fromEntries(
        Object.entries(unmeasured.minutes).map(([u, rows]) => [
          u,
          rows.map((m) => ({ ...m, latencyMs: null })),
        ]),
      ),
    };
    expect(observed(s, silent).demandSource).toBe("running-pods");
    expect(check(s, silent).atRisk).toBe(false);
    expect(
      check(
        s,
        demand(() => 1000),
      ).atRisk,
    ).toBe(true);
  });
});
