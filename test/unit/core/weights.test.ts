import { proportionalWeights } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("Function: proportionalWeights", () => {
  it.each([
    { shares: [210, 90], weights: [70, 30] },
    { shares: [1, 1, 1], weights: [34, 33, 33] },
    { shares: [40, 20, 15, 10, 15], weights: [40, 20, 15, 10, 15] },
    { shares: [4, 2, 1.5, 1, 1.5], weights: [40, 20, 15, 10, 15] },
    { shares: [735, 130, 90, 61, 60], weights: [68, 12, 8, 6, 6] },
    { shares: [0, 5, 0], weights: [0, 100, 0] },
    { shares: [0, 0], weights: [0, 0] },
  ])("rounds $shares to $weights by largest remainder", ({ shares, weights }) => {
    expect(proportionalWeights(shares)).toEqual(weights);
  });

  it("gives a unit with a sliver of capacity one point rather than none", () => {
    expect(proportionalWeights([1000, 1])).toEqual([99, 1]);
  });

  it("returns integers 0-999 summing to 100 whenever any share is positive", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (shares) => {
          const weights = proportionalWeights(shares);
          for (const w of weights) {
            expect(Number.isInteger(w)).toBe(true);
            expect(w).toBeGreaterThanOrEqual(0);
            expect(w).toBeLessThanOrEqual(999);
          }
          const sum = weights.reduce((a, b) => a + b, 0);
          expect(sum).toBe(shares.some((s) => s > 0) ? 100 : 0);
          shares.forEach((s, i) => {
            if (s === 0) {
              expect(weights[i]).toBe(0);
            }
          });
        },
      ),
    );
  });
});
