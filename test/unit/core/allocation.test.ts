import { type AllocationUnit, costOptimalAllocation } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateAllocation, greedyAllocation } from "../../../packages/core/src/planning/allocation.ts";
import { sd21Service } from "../../support/sd21.ts";

const sd21 = sd21Service().units;
const bounded = (min: number, max: number): AllocationUnit[] =>
  sd21.map((u) => ({ rps: u.maxRps, price: u.hourlyPrice, min, max }));

/** Every combination of pods, for checking the optimizer on small cases. */
function bruteForceCost(units: readonly AllocationUnit[], required: number): number | undefined {
  let best: number | undefined;
  const pods = units.map((u) => u.min);
  const visit = (k: number): void => {
    if (k === units.length) {
      const a = evaluateAllocation(units, [...pods], required);
      if (a.feasible && (best === undefined || a.hourlyCost < best)) {
        best = a.hourlyCost;
      }
      return;
    }
    const unit = units[k] as AllocationUnit;
    for (let n = unit.min; n <= unit.max; n += 1) {
      pods[k] = n;
      visit(k + 1);
    }
  };
  visit(0);
  return best;
}

const unitArb = fc.record({
  rps: fc.integer({ min: 5, max: 150 }),
  price: fc.integer({ min: 20, max: 500 }).map((c) => c / 100),
  min: fc.integer({ min: 0, max: 2 }),
  span: fc.integer({ min: 0, max: 3 }),
});
const unitsArb = fc
  .array(unitArb, { minLength: 1, maxLength: 5 })
  .map((list) => list.map(({ span, ...u }): AllocationUnit => ({ ...u, max: u.min + span })));

describe("Function: costOptimalAllocation", () => {
  it("at 300 RPS with 0-2 pods per unit picks 2 × inf2 + 1 × g5 Triton at $2.5224/h", () => {
    const exact = costOptimalAllocation(bounded(0, 2), 300);
    expect(exact.pods).toEqual([2, 0, 1, 0, 0]);
    expect(exact.hourlyCost).toBeCloseTo(2.5224, 10);
    expect(exact.feasible).toBe(true);
  });

  it("beats greedy cheapest-first there, which spends $2.8602/h (13 % more)", () => {
    const greedy = greedyAllocation(bounded(0, 2), 300);
    expect(greedy.pods).toEqual([2, 1, 0, 0, 0]);
    expect(greedy.hourlyCost).toBeCloseTo(2.8602, 10);
    const exact = costOptimalAllocation(bounded(0, 2), 300);
    expect(1 - exact.hourlyCost / greedy.hourlyCost).toBeGreaterThan(0.11);
  });

  it("at 1000 RPS with 1-10 pods per unit runs 7/1/1/1/1 at $9.468/h", () => {
    const exact = costOptimalAllocation(bounded(1, 10), 1000);
    expect(exact.pods).toEqual([7, 1, 1, 1, 1]);
    expect(exact.hourlyCost).toBeCloseTo(9.468, 10);
  });

  it("keeps the floor when the minimum pods already cover demand", () => {
    const floor = costOptimalAllocation(bounded(1, 10), 400);
    expect(floor.pods).toEqual([1, 1, 1, 1, 1]);
    expect(floor.capacityRps).toBe(446);
  });

  it("uses every pod and reports infeasible when demand exceeds all capacity", () => {
    const all = costOptimalAllocation(bounded(0, 2), 1000);
    expect(all.pods).toEqual([2, 2, 2, 2, 2]);
    expect(all.feasible).toBe(false);
    expect(all.capacityRps).toBe(892);
  });

  it("between plans of equal cost prefers the larger capacity", () => {
    // One g5 Triton pod (90 RPS) and one g5 CUDA pod (60 RPS) cost the same.
    const units: AllocationUnit[] = [
      { rps: 60, price: 1.006, min: 0, max: 1 },
      { rps: 90, price: 1.006, min: 0, max: 1 },
    ];
    expect(costOptimalAllocation(units, 50).pods).toEqual([0, 1]);
  });

  it("never costs more than any other feasible allocation (checked against brute force)", () => {
    fc.assert(
      fc.property(unitsArb, fc.integer({ min: 0, max: 900 }), (units, required) => {
        const exact = costOptimalAllocation(units, required);
        const brute = bruteForceCost(units, required);
        if (brute === undefined) {
          expect(exact.feasible).toBe(false);
        } else {
          expect(exact.feasible).toBe(true);
          expect(exact.hourlyCost).toBeCloseTo(brute, 9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never costs more than greedy, and covers what greedy covers", () => {
    fc.assert(
      fc.property(unitsArb, fc.integer({ min: 0, max: 900 }), (units, required) => {
        const exact = costOptimalAllocation(units, required);
        const greedy = greedyAllocation(units, required);
        expect(exact.feasible).toBe(greedy.feasible);
        if (greedy.feasible) {
          expect(exact.hourlyCost).toBeLessThanOrEqual(greedy.hourlyCost + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every unit within its min and max pods", () => {
    fc.assert(
      fc.property(unitsArb, fc.integer({ min: 0, max: 900 }), (units, required) => {
        const exact = costOptimalAllocation(units, required);
        exact.pods.forEach((n, i) => {
          expect(n).toBeGreaterThanOrEqual(units[i]?.min ?? 0);
          expect(n).toBeLessThanOrEqual(units[i]?.max ?? 0);
        });
      }),
    );
  });
});
