import {
  adjustedThroughput,
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  formatKedaTarget,
  kedaTargetValue,
} from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { sd21Service } from "../../support/sd21.ts";

const units = sd21Service().units;
const unit = (name: string) => {
  const found = units.find((u) => u.name === name);
  if (found === undefined) {
    throw new Error(`no unit ${name}`);
  }
  return found;
};

describe("Function: costPerInferenceSecond", () => {
  // Seed 003, Table 1. The seed prints 0.00733 (inf2) and 0.01023 (trn1), which do
  // not follow from its own prices and throughputs; the formula is what we test.
  it.each([
    ["sd21-a10g-triton", 0.01118, 0.000005],
    ["sd21-l4-triton", 0.01319, 0.00002],
    ["sd21-a10g-cuda", 0.01677, 0.000005],
    ["sd21-inf2", 0.7582 / 105, 1e-12],
    ["sd21-trn1", 1.3438 / 130, 1e-12],
  ])("gives Table 1's cost for %s", (name, expected, tolerance) => {
    expect(Math.abs(costPerInferenceSecond(unit(name)) - expected)).toBeLessThanOrEqual(tolerance);
  });

  it("does not reproduce the seed's printed inf2 and trn1 figures, which contradict its prices", () => {
    expect(costPerInferenceSecond(unit("sd21-inf2"))).toBeCloseTo(0.00722, 5);
    expect(costPerInferenceSecond(unit("sd21-trn1"))).toBeCloseTo(0.01034, 5);
  });

  it("ranks inf2 cheapest and g5 CUDA dearest, as the seed's weights assume", () => {
    const ranked = [...units].sort((a, b) => costPerInferenceSecond(a) - costPerInferenceSecond(b));
    expect(ranked.map((u) => u.name)).toEqual([
      "sd21-inf2",
      "sd21-trn1",
      "sd21-a10g-triton",
      "sd21-l4-triton",
      "sd21-a10g-cuda",
    ]);
  });
});

describe("Function: costPerMillionAtFullLoad", () => {
  it("prices a million requests on g5 Triton at $3.10", () => {
    expect(costPerMillionAtFullLoad(unit("sd21-a10g-triton"))).toBeCloseTo((1.006 / (90 * 3600)) * 1e6, 9);
    expect(costPerMillionAtFullLoad(unit("sd21-a10g-triton"))).toBeCloseTo(3.105, 3);
  });
});

describe("Function: adjustedThroughput", () => {
  it("gives Table 2's 89.2, 89.2, 89.2, 61.0, 60.0 for the five SD2.1 units", () => {
    expect(adjustedThroughput(units).map((v) => Number(v.toFixed(1)))).toEqual([
      89.2, 89.2, 89.2, 61.0, 60.0,
    ]);
  });

  it("never exceeds a unit's own maxRps", () => {
    adjustedThroughput(units).forEach((adjusted, i) => {
      expect(adjusted).toBeLessThanOrEqual(units[i]?.maxRps ?? 0);
    });
  });

  it("returns nothing for no units", () => {
    expect(adjustedThroughput([])).toEqual([]);
  });
});

describe("Function: kedaTargetValue", () => {
  it("is the per-pod throughput when the headroom is 0", () => {
    expect(formatKedaTarget(kedaTargetValue(105, 0))).toBe("105");
    expect(formatKedaTarget(kedaTargetValue(89.2, 0))).toBe("89.2");
  });

  it("keeps the plan's headroom: 105 RPS with 10 % headroom targets 95.5", () => {
    expect(formatKedaTarget(kedaTargetValue(105, 0.1))).toBe("95.5");
  });
});
