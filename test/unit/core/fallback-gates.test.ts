import { planService } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import * as gates from "../../../packages/core/src/decision/fallback-gates.ts";
import type { Observations, UnitObservation } from "../../../packages/core/src/decision/observations.ts";
import { calmSignals, MINUTE, policyOf, state, switchRecord, T0 } from "../../support/decision-fixtures.ts";
import { inf2Error, observed, policy, svc } from "../../support/rule-fixtures.ts";

const inCapacity = state({ mode: "capacity" });
const calm = observed(inCapacity, calmSignals());
const inf2 = calm.units.find((u) => u.unit.name === "sd21-inf2") as UnitObservation;

describe("Function: quietPeriod", () => {
  it.each([
    // recovery, last error (min before T0), last fallback undone, quiet period, passed, the detail's end
    [
      "recovered",
      12,
      false,
      10,
      true,
      "launches were tried in the quiet period and none failed: capacity is back",
    ],
    ["unproven", 12, false, 10, false, "no launch was tried since: quiet, but recovery is unproven"],
    ["quiet", 7, false, 10, false, "(quiet period 10 min); not quiet for long enough yet"],
    ["failing", 3, false, 10, false, "(quiet period 10 min); launches still fail"],
    [
      "recovered",
      12,
      true,
      20,
      false,
      "(quiet period 20 min (2× after a fallback that had to be undone)); launches",
    ],
  ] as const)(
    "%s, last error %s min ago, undone %s: quiet period %s min, passed %s",
    (recovery, ago, undone, threshold, passed, end) => {
      const gate = gates.quietPeriod(
        { ...inf2, lastCapacitySignalAt: T0 - ago * MINUTE, recovery },
        undone,
        policy,
        T0,
      );
      expect(gate).toMatchObject({
        rule: "quiet-period",
        unit: "sd21-inf2",
        observed: ago,
        threshold,
        passed,
      });
      expect(
        gate.detail.startsWith(
          `sd21-inf2: last capacity error ${ago} min ago (quiet period ${threshold} min`,
        ),
      ).toBe(true);
      expect(gate.detail).toContain(end);
    },
  );

  it("passes a unit with no capacity error in the signals", () => {
    expect(
      gates.quietPeriod({ ...inf2, lastCapacitySignalAt: null, recovery: "clear" }, false, policy, T0),
    ).toEqual({
      rule: "quiet-period",
      unit: "sd21-inf2",
      observed: null,
      threshold: 10,
      passed: true,
      detail: "sd21-inf2: no capacity error in the signals (quiet period 10 min)",
    });
  });

  it("is never shorter than the capacity-error window", () => {
    const long = policyOf(svc, { capacityErrorWindowMinutes: 15 });
    const gate = gates.quietPeriod(
      { ...inf2, lastCapacitySignalAt: T0 - 12 * MINUTE, recovery: "recovered" },
      false,
      long,
      T0,
    );
    expect(gate).toMatchObject({ threshold: 15, passed: false });
  });
});

describe("Function: podsSchedule", () => {
  it.each([
    { unschedulablePods: 0, podsReady: true, passed: true, detail: "sd21-inf2: every pod schedules" },
    { unschedulablePods: 1, podsReady: true, passed: false, detail: "sd21-inf2: 1 pod cannot be scheduled" },
    {
      unschedulablePods: 3,
      podsReady: false,
      passed: false,
      detail: "sd21-inf2: 3 pods cannot be scheduled",
    },
    {
      unschedulablePods: 0,
      podsReady: false,
      passed: false,
      detail: "sd21-inf2: its pods schedule but none is ready yet",
    },
  ])(
    "$unschedulablePods unschedulable, pods ready $podsReady → passed $passed",
    ({ unschedulablePods, podsReady, passed, detail }) => {
      expect(gates.podsSchedule({ ...inf2, unschedulablePods, podsReady })).toEqual({
        rule: "pods-schedule",
        unit: "sd21-inf2",
        observed: unschedulablePods,
        threshold: 0,
        passed,
        detail,
      });
    },
  );
});

describe("Function: routeAroundGate", () => {
  it("freezes every cause whose gates did not pass, and passes when cost mode still covers demand", () => {
    const failed = gates.podsSchedule({ ...inf2, unschedulablePods: 1 });
    const { plan, routeAround } = gates.routeAroundGate(inCapacity, calm, [failed]);
    expect(plan.units.find((u) => u.name === "sd21-inf2")?.unavailable).toBe("no-capacity");
    expect(routeAround).toMatchObject({ rule: "route-around", passed: true, threshold: 220 });
    expect(routeAround.detail).toMatch(
      /^cost mode with sd21-inf2 frozen at its running pods serves [\d.]+ of 220 RPS needed at \$[\d.]+\/h$/,
    );
  });

  it("leaves a cause that passed its gates free to grow", () => {
    const { plan, routeAround } = gates.routeAroundGate(inCapacity, calm, [gates.podsSchedule(inf2)]);
    expect(plan.units.find((u) => u.name === "sd21-inf2")?.unavailable).toBeUndefined();
    expect(routeAround.detail).toMatch(/^cost mode serves /);
  });
});

describe("Function: sloHolds", () => {
  const feasible = planService({ service: svc, mode: "cost", demandRps: 200 });
  const infeasible = { ...feasible, feasible: false };
  const breaching = (o: Observations): Observations => ({
    ...o,
    units: o.units.map((u) => (u.unit.name === "sd21-trn1" ? { ...u, breachesSlo: true } : u)),
  });
  const silent = (o: Observations): Observations => ({
    ...o,
    units: o.units.map((u) => ({ ...u, latency: { ...u.latency, knownMinutes: 0 } })),
  });
  it.each([
    {
      case: "every unit within the SLO",
      observations: calm,
      plan: infeasible,
      passed: true,
      observed: "within SLO",
      detail: "SLO 900 ms holds over the last 5 min",
    },
    {
      case: "a breach, and cost mode could not serve either",
      observations: breaching(calm),
      plan: infeasible,
      passed: false,
      observed: "sd21-trn1",
      detail: "SLO 900 ms broken by sd21-trn1",
    },
    {
      case: "a breach of capacity mode's own while cost mode covers demand",
      observations: breaching(calm),
      plan: feasible,
      passed: true,
      observed: "sd21-trn1",
      detail:
        "SLO 900 ms broken by sd21-trn1 in capacity mode, but cost mode covers the demand: the breach does not hold the fallback back",
    },
    {
      case: "no latency at all, and cost mode could not serve",
      observations: silent(calm),
      plan: infeasible,
      passed: false,
      observed: "no latency data",
      detail: "no latency reported in the last 5 min: the SLO cannot be shown to hold",
    },
  ])("$case", ({ observations, plan, passed, observed, detail }) => {
    expect(gates.sloHolds(inCapacity, observations, policy, plan)).toEqual({
      rule: "slo-holds",
      observed,
      threshold: 900,
      passed,
      detail,
    });
  });
});

describe("Function: fallbackGates", () => {
  it("orders the evidence: each cause's gates, route-around, the SLO, then the anti-flap gates", () => {
    const found = gates.fallbackGates(
      inCapacity,
      observed(inCapacity, inf2Error(calmSignals(), 2)),
      policy,
      T0,
    );
    expect(found.evidence.map((e) => e.rule)).toEqual([
      "quiet-period",
      "pods-schedule",
      "route-around",
      "slo-holds",
      "dwell-time",
      "switch-cap",
    ]);
    expect(found).toMatchObject({ recovered: false, troubleClear: true });
  });

  it("reads an undone fallback from the history: the quiet period doubles", () => {
    const undone = state({
      mode: "capacity",
      switches: [switchRecord("failover", T0 - 30 * MINUTE), switchRecord("fallback", T0 - 50 * MINUTE)],
    });
    const found = gates.fallbackGates(undone, observed(undone, inf2Error(calmSignals(), 12)), policy, T0);
    expect(found.causes[0]).toMatchObject({ rule: "quiet-period", threshold: 20, passed: false });
  });
});
