import { type CapacitySignal, type Decision, decide, isMove, parsePin, planService } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DecisionSignals, ServiceState } from "../../../packages/core/src/decision/types.ts";
import {
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  minutes,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
  UNITS,
} from "../../support/decision-fixtures.ts";

const svc = service();
const INSTANCE_TYPES = ["inf2.xlarge", "trn1.2xlarge", "g5.xlarge", "g6.xlarge"];

/** Applies a move the way a successful mode-switch execution does. */
function applied(current: ServiceState, decision: Decision, now: number): ServiceState {
  if (!isMove(decision)) {
    return current;
  }
  return {
    ...current,
    mode: decision.to,
    lastTransitionAt: now,
    failoverCause: decision.kind === "failover" ? decision.causes : current.failoverCause,
    weights: decision.to === "cost" ? COST_WEIGHTS : Object.fromEntries(svc.units.map((u) => [u.name, 100])),
    switches: [switchRecord(decision.kind, now), ...current.switches],
  };
}

const signalArb = fc.record({
  instanceType: fc.constantFrom(...INSTANCE_TYPES),
  minutesAgo: fc.integer({ min: 0, max: 40 }),
  count: fc.integer({ min: 1, max: 5 }),
});

/** Some of the units, at least one: the causes of a failover. */
const causesArb = fc.subarray(
  svc.units.map((u) => u.name),
  { minLength: 1 },
);

/** The CloudTrail capacity errors the generated signals stand for, each its minutes before T0. */
function capacityFrom(
  raw: readonly { instanceType: string; minutesAgo: number; count: number }[],
): CapacitySignal[] {
  return raw.map((s) => capacityError(s.instanceType, T0 - s.minutesAgo * MINUTE, s.count));
}

/** In capacity mode for two hours, failed over by `causes`: no dwell time or switch cap holds a fallback back. */
function failedOverLongAgo(causes: string[]): ServiceState {
  return state({ mode: "capacity", failoverCause: causes, lastTransitionAt: T0 - 120 * MINUTE });
}

/** Cost mode's plan for the service at `demandRps` under these unit conditions. */
function costPlan(demandRps: number, conditions: Decision["conditions"]) {
  return planService({ service: svc, mode: "cost", demandRps, conditions });
}

describe("Properties: decide", () => {
  it("never makes more switches in any 60 minutes than the cap, when capacity flaps faster than the dwell time", () => {
    fc.assert(
      fc.property(
        fc.record({
          period: fc.integer({ min: 1, max: 8 }),
          phase: fc.integer({ min: 0, max: 15 }),
          cap: fc.integer({ min: 2, max: 6 }),
          extraDwell: fc.integer({ min: 1, max: 12 }),
          quiet: fc.integer({ min: 3, max: 12 }),
        }),
        ({ period, phase, cap, extraDwell, quiet }) => {
          const policy = policyOf(svc, {
            maxSwitchesPerHour: cap,
            minDwellMinutes: period + extraDwell,
            quietPeriodMinutes: quiet,
          });
          let current = state();
          const errorMinutes: number[] = [];
          const switchTimes: number[] = [];
          for (let t = 0; t < 300; t += 1) {
            const now = T0 + t * MINUTE;
            if (Math.floor((t + phase) / period) % 2 === 0) {
              errorMinutes.push(now);
            }
            const capacity = errorMinutes
              .filter((at) => at > now - 60 * MINUTE)
              .map((at) => capacityError("inf2.xlarge", at));
            const signals: DecisionSignals = { ...calmSignals(30, now), capacity };
            const decision = decide(current, signals, policy, now);
            if (isMove(decision)) {
              switchTimes.push(now);
            }
            current = applied(current, decision, now);
          }
          for (const start of switchTimes) {
            const inHour = switchTimes.filter((at) => at >= start && at < start + 60 * MINUTE).length;
            expect(inHour).toBeLessThanOrEqual(cap);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("never moves a pinned service", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("cost" as const, "capacity" as const),
        fc.constantFrom("cost", "capacity", "capacity until 2026-11-15T00:00:00Z", "nonsense"),
        fc.array(signalArb, { maxLength: 8 }),
        fc.boolean(),
        (mode, pinValue, raw, brokenAnnotation) => {
          const pinned = state({
            mode,
            pin: parsePin(pinValue, mode),
            ...(brokenAnnotation ? { weights: null, actionProblem: "not valid JSON" } : {}),
          });
          const capacity = capacityFrom(raw);
          expect(decide(pinned, { ...calmSignals(), capacity }, policyOf(svc), T0).kind).toBe("pinned");
        },
      ),
    );
  });

  it("falls back past a cause with capacity errors in the window only around it: cost mode covers demand with it frozen", () => {
    let aroundFailing = 0;
    fc.assert(
      fc.property(
        causesArb,
        fc.array(signalArb, { maxLength: 8 }),
        fc.integer({ min: 3, max: 20 }),
        fc.integer({ min: 20, max: 250 }),
        (causes, raw, quiet, rpsPerUnit) => {
          const policy = policyOf(svc, { quietPeriodMinutes: quiet });
          const inCapacity = failedOverLongAgo(causes);
          const capacity = capacityFrom(raw);
          const signals: DecisionSignals = {
            minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: rpsPerUnit }))])),
            capacity,
          };
          const decision = decide(inCapacity, signals, policy, T0);
          if (decision.kind !== "fallback") {
            return;
          }
          const failing = causes.filter((name) => {
            const types = svc.units.find((u) => u.name === name)?.instanceTypes ?? [];
            return capacity.some(
              (s) => types.includes(s.instanceType) && s.at > T0 - policy.capacityErrorWindowMinutes * MINUTE,
            );
          });
          if (failing.length === 0) {
            return;
          }
          aroundFailing += 1;
          // The fallback's plan keeps them frozen, and that plan covers the demand.
          for (const name of failing) {
            expect(decision.conditions[name]?.unavailable).toBe("no-capacity");
          }
          expect(decision.evidence).toContainEqual(
            expect.objectContaining({ rule: "route-around", passed: true }),
          );
          const plan = costPlan(decision.demandRps, decision.conditions);
          expect(plan.feasible).toBe(true);
        },
      ),
    );
    expect(aroundFailing).toBeGreaterThan(5);
  });

  it("never stays in capacity mode while cost mode covers demand with the causes frozen, whatever the latency (no absorbing state)", () => {
    let covered = 0;
    fc.assert(
      fc.property(
        causesArb,
        fc.array(signalArb, { maxLength: 8 }),
        fc.array(fc.constantFrom(600, 880, 1200, 2000), { minLength: UNITS.length, maxLength: UNITS.length }),
        fc.integer({ min: 20, max: 300 }),
        (causes, raw, latencies, rpsPerUnit) => {
          const inCapacity = failedOverLongAgo(causes);
          const capacity = capacityFrom(raw);
          const signals: DecisionSignals = {
            minutes: Object.fromEntries(
              UNITS.map((u, i) => [
                u,
                minutes(30, () => ({ rps: rpsPerUnit, latencyMs: latencies[i] ?? 600 })),
              ]),
            ),
            capacity,
          };
          const decision = decide(inCapacity, signals, policyOf(svc), T0);
          // Every cause frozen at the pods it runs, recovered or not: if even that covers
          // demand, capacity mode only costs more (and may be what breaks the SLO).
          const frozen = Object.fromEntries(
            Object.entries(decision.conditions).map(([name, c]) => [
              name,
              causes.includes(name) && c.unavailable === undefined
                ? { ...c, unavailable: "no-capacity" as const }
                : c,
            ]),
          );
          const plan = costPlan(decision.demandRps, frozen);
          if (plan.feasible) {
            covered += 1;
            expect(decision.kind).toBe("fallback");
          }
        },
      ),
    );
    expect(covered).toBeGreaterThan(10);
  });

  it("never fails over because of a capacity error on a unit with weight 0", () => {
    fc.assert(
      fc.property(
        fc.subarray(svc.units.map((u) => u.name)),
        fc.array(signalArb, { minLength: 1, maxLength: 8 }),
        (idle, raw) => {
          const weights = Object.fromEntries(
            Object.entries(COST_WEIGHTS).map(([n, w]) => [n, idle.includes(n) ? 0 : w]),
          );
          const capacity = capacityFrom(raw);
          const decision = decide(state({ weights }), { ...calmSignals(), capacity }, policyOf(svc), T0);
          if (decision.kind === "failover") {
            for (const cause of decision.causes) {
              expect(idle).not.toContain(cause);
            }
          }
        },
      ),
    );
  });
});
