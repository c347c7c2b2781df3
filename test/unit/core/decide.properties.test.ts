import {
  type CapacitySignal,
  type Decision,
  type DecisionSignals,
  decide,
  isMove,
  parsePin,
  type ServiceState,
} from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
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
          const capacity = raw.map((s) => capacityError(s.instanceType, T0 - s.minutesAgo * MINUTE, s.count));
          expect(decide(pinned, { ...calmSignals(), capacity }, policyOf(svc), T0).kind).toBe("pinned");
        },
      ),
    );
  });

  it("never falls back while a unit that caused the failover has capacity errors in the window", () => {
    fc.assert(
      fc.property(
        fc.subarray(
          svc.units.map((u) => u.name),
          { minLength: 1 },
        ),
        fc.array(signalArb, { maxLength: 8 }),
        fc.integer({ min: 3, max: 20 }),
        (causes, raw, quiet) => {
          const policy = policyOf(svc, { quietPeriodMinutes: quiet });
          const inCapacity = state({
            mode: "capacity",
            failoverCause: causes,
            lastTransitionAt: T0 - 120 * MINUTE,
          });
          const capacity: CapacitySignal[] = raw.map((s) =>
            capacityError(s.instanceType, T0 - s.minutesAgo * MINUTE, s.count),
          );
          const decision = decide(inCapacity, { ...calmSignals(), capacity }, policy, T0);
          if (decision.kind === "fallback") {
            for (const name of causes) {
              const types = svc.units.find((u) => u.name === name)?.instanceTypes ?? [];
              const recent = capacity.filter(
                (s) =>
                  types.includes(s.instanceType) && s.at > T0 - policy.capacityErrorWindowMinutes * MINUTE,
              );
              expect(recent).toEqual([]);
            }
          }
        },
      ),
    );
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
          const capacity = raw.map((s) => capacityError(s.instanceType, T0 - s.minutesAgo * MINUTE, s.count));
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
