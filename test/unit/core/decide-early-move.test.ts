import { decide } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { servedByReadyPods } from "../../../packages/core/src/decision/routing-load.ts";
import type { DecisionSignals, UnitRuntime } from "../../../packages/core/src/decision/types.ts";
import {
  COST_WEIGHTS,
  capacityError,
  MINUTE,
  minutes,
  policyOf,
  service,
  state,
  T0,
  UNITS,
} from "../../support/decision-fixtures.ts";

const svc = service();
const policy = policyOf(svc);
const G5 = ["sd21-a10g-triton", "sd21-a10g-cuda"];

/** Every unit at `rps` and `latencyMs` for 30 minutes; the two g5 units out of g5.xlarge capacity. */
function g5Lost(rpsOf: (unit: string) => number, latencyOf: (unit: string) => number): DecisionSignals {
  return {
    minutes: Object.fromEntries(
      UNITS.map((u) => [u, minutes(30, () => ({ rps: rpsOf(u), latencyMs: latencyOf(u) }))]),
    ),
    capacity: [capacityError("g5.xlarge", T0 - MINUTE, 4)],
  };
}

function runtime(ready: number, desired: number): UnitRuntime {
  return { desiredReplicas: desired, readyReplicas: ready, unschedulableSince: null, unschedulablePods: 0 };
}

/** What the pods ready in `units` serve of `demand` under `weights`. */
function servedNow(
  weights: Readonly<Record<string, number>>,
  units: Readonly<Record<string, UnitRuntime>>,
  demand: number,
): number {
  const ready = Object.fromEntries(UNITS.map((u) => [u, units[u]?.readyReplicas ?? 0]));
  return servedByReadyPods(svc, weights, ready, demand);
}

describe("Function: decide — a route-around moves before its receivers are ready only when that serves more", () => {
  it("waits for the receivers in a spike that overloads every unit: moving early would serve less", () => {
    // Demand jumped to 3× what the fleet serves: every unit's pods are overloaded and the
    // pods KEDA asked for are still starting; the g5 units break the SLO and cannot grow.
    const units = Object.fromEntries(UNITS.map((u) => [u, runtime(1, 4)]));
    const signals = g5Lost(
      () => 250,
      () => 6000,
    );
    const decision = decide(state({ units }), signals, policy, T0);
    expect(decision).toMatchObject({ kind: "reroute", causes: G5, urgent: false });
    if (decision.kind !== "reroute") return;
    const early = decision.evidence.find((e) => e.rule === "early-move");
    expect(early).toMatchObject({ passed: false });
    expect(decision.reasons.at(-1)).toMatch(
      /moving before the receivers' pods are ready would serve less, so traffic moves once they are$/,
    );
    expect(servedNow(decision.weights.target, units, decision.demandRps)).toBeLessThanOrEqual(
      servedNow(decision.weights.current, units, decision.demandRps),
    );
  });

  it("moves at once when the frozen units are overloaded and pods ready elsewhere have room", () => {
    // The g5 units get far more than their one pod each serves; inf2 has ten ready pods at a third of their rate.
    const units = {
      ...Object.fromEntries(UNITS.map((u) => [u, runtime(1, 1)])),
      "sd21-inf2": runtime(10, 10),
    };
    const signals = g5Lost(
      (u) => (G5.includes(u) ? 240 : 40),
      (u) => (G5.includes(u) ? 4000 : 600),
    );
    const decision = decide(state({ units }), signals, policy, T0);
    expect(decision).toMatchObject({ kind: "reroute", causes: G5, urgent: true });
    expect(decision.evidence).toContainEqual(expect.objectContaining({ rule: "early-move", passed: true }));
    expect(decision.reasons.at(-1)).toMatch(
      /urgent: sd21-a10g-triton breaks the SLO, so traffic moves at once/,
    );
  });

  it("property: an urgent route-around on an SLO breach serves more with the pods ready now than the weights in force", () => {
    let urgentMoves = 0;
    let waitingMoves = 0;
    fc.assert(
      fc.property(
        fc.record({
          ready: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 5, maxLength: 5 }),
          starting: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 5, maxLength: 5 }),
          rps: fc.array(fc.integer({ min: 10, max: 400 }), { minLength: 5, maxLength: 5 }),
        }),
        ({ ready, starting, rps }) => {
          const units = Object.fromEntries(
            UNITS.map((u, i) => [u, runtime(ready[i] ?? 1, (ready[i] ?? 1) + (starting[i] ?? 0))]),
          );
          const rpsOf = (u: string) => rps[UNITS.indexOf(u as (typeof UNITS)[number])] ?? 40;
          const signals = g5Lost(rpsOf, (u) => (G5.includes(u) ? 3000 : 600));
          const decision = decide(state({ units, weights: COST_WEIGHTS }), signals, policy, T0);
          if (decision.kind !== "reroute") {
            return;
          }
          if (decision.urgent !== true) {
            waitingMoves += 1;
            return;
          }
          urgentMoves += 1;
          expect(servedNow(decision.weights.target, units, decision.demandRps)).toBeGreaterThan(
            servedNow(decision.weights.current, units, decision.demandRps),
          );
        },
      ),
      { numRuns: 150 },
    );
    // Both answers occur among the cases drawn: the property is not vacuous.
    expect(urgentMoves).toBeGreaterThan(0);
    expect(waitingMoves).toBeGreaterThan(0);
  });
});
