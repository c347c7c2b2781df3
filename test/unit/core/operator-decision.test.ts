import { isRefusal, operatorDecision, parsePin } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import {
  calmSignals,
  capacityError,
  MINUTE,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
} from "../../support/decision-fixtures.ts";

const policy = policyOf(service());
const quiet = { minutes: {}, consolidated: null, capacity: [] };

describe("Function: operatorDecision", () => {
  it("fails over from cost mode with the operator's reason as its only evidence, sized to what the ready pods serve", () => {
    const verdict = operatorDecision(state(), quiet, policy, T0, { move: "failover", reason: "INC-1" });

    if (isRefusal(verdict)) throw new Error(verdict.message);
    expect(verdict).toMatchObject({
      kind: "failover",
      from: "cost",
      to: "capacity",
      causes: [],
      urgent: false,
      at: T0,
    });
    // Two ready pods per unit at maxRps less 10 % headroom: 2 × 446 / 1.1.
    expect(verdict.demandRps).toBeCloseTo(810.91, 2);
    expect(verdict.evidence).toEqual([
      {
        rule: "operator",
        observed: "INC-1",
        threshold: null,
        passed: true,
        detail:
          'an operator asked for a failover: "INC-1"; planned for 810.9 RPS (what the ready pods serve at their cost-mode KEDA targets; pass --demand to plan for another)',
      },
    ]);
    expect(verdict.reasons).toEqual([verdict.evidence[0]?.detail]);
  });

  it("plans for the measured demand when there is one, or the operator's --demand", () => {
    const measured = operatorDecision(state(), calmSignals(), policy, T0, { move: "failover", reason: "x" });
    const given = operatorDecision(state(), calmSignals(), policy, T0, {
      move: "failover",
      reason: "x",
      demandRps: 1200,
    });
    expect(isRefusal(measured) ? null : [measured.demandRps, measured.reasons[0]]).toEqual([
      200,
      'an operator asked for a failover: "x"; planned for 200 RPS (the demand measured on the ALB)',
    ]);
    expect(isRefusal(given) ? null : given.reasons[0]).toBe(
      'an operator asked for a failover: "x"; planned for 1200 RPS (given with --demand)',
    );
  });

  it("plans with each unit's condition: a pool with capacity errors stays frozen in the plan", () => {
    const signals = { ...quiet, capacity: [capacityError("inf2.xlarge", T0 - 2 * MINUTE)] };
    const verdict = operatorDecision(state(), signals, policy, T0, { move: "failover", reason: "x" });
    expect(isRefusal(verdict) ? null : verdict.conditions["sd21-inf2"]).toEqual({
      runningPods: 2,
      unavailable: "no-capacity",
    });
  });

  it("falls back from capacity mode, anti-flap or not: a person decided", () => {
    const justSwitched = state({ mode: "capacity", lastTransitionAt: T0 - MINUTE });
    const verdict = operatorDecision(justSwitched, quiet, policy, T0, {
      move: "fallback",
      reason: "resolved",
    });
    expect(isRefusal(verdict) ? verdict.message : verdict.kind).toBe("fallback");
  });

  it.each([
    [
      "a switch runs",
      state({ switches: [switchRecord("rebalance", T0 - 3 * MINUTE, "RUNNING")] }),
      "failover",
      "running",
    ],
    ["a pin holds the other mode", state({ pin: parsePin("cost", "cost") }), "failover", "pinned"],
    ["it is in the target mode", state({ mode: "capacity" }), "failover", "already"],
    ["it is in cost mode already", state(), "fallback", "already"],
  ] as const)("refuses when %s", (_what, given, move, refused) => {
    const verdict = operatorDecision(given, quiet, policy, T0, { move, reason: "x" });
    expect(isRefusal(verdict) ? verdict.refused : verdict.kind).toBe(refused);
  });

  it("goes with a pin that holds the target mode, and past a pin that expired", () => {
    const pinnedAlong = state({ pin: parsePin("capacity", "cost") });
    const expired = state({ pin: parsePin("cost until 2026-11-14T20:00:00Z", "cost") });
    for (const given of [pinnedAlong, expired]) {
      const verdict = operatorDecision(given, quiet, policy, T0, { move: "failover", reason: "x" });
      expect(isRefusal(verdict) ? verdict.message : verdict.kind).toBe("failover");
    }
  });
});
