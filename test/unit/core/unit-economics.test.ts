import {
  adjustedThroughput,
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  podHourlyPrice,
} from "@switchyard/core";
import { describe, expect, it } from "vitest";
import {
  formatKedaTarget,
  kedaTargetValue,
  targetAllowance,
} from "../../../packages/core/src/planning/unit-economics.ts";
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
  const none = { scaleUpTolerance: 0, startupAllowance: 0 };

  it("is the safe rate when nothing is to be allowed for", () => {
    expect(formatKedaTarget(kedaTargetValue(105, none))).toBe("105");
    expect(formatKedaTarget(kedaTargetValue(89.2, none))).toBe("89.2");
  });

  it("asks for the next pod at the safe rate: 105 RPS past the HPA's 10 % tolerance targets 95.5", () => {
    const target = kedaTargetValue(105, { scaleUpTolerance: 0.1, startupAllowance: 0 });
    expect(formatKedaTarget(target)).toBe("95.5");
    // The HPA adds a pod once usage ÷ (target × replicas) > 1.1: at 105 RPS a pod, not past it.
    expect(target * 1.1).toBeCloseTo(105, 9);
  });

  it("leaves the start-up allowance too when no forecast floor starts pods ahead: 105 ÷ 1.1 ÷ 1.1 = 86.8", () => {
    const target = kedaTargetValue(105, { scaleUpTolerance: 0.1, startupAllowance: 0.1 });
    expect(formatKedaTarget(target)).toBe("86.8");
    expect(target * 1.1).toBeCloseTo(105 / 1.1, 9);
  });
});

describe("Function: targetAllowance", () => {
  it("is the HPA's tolerance alone when the forecast floor acts, and the headroom besides when it does not", () => {
    const service = sd21Service();
    expect(targetAllowance(service)).toEqual({ scaleUpTolerance: 0.1, startupAllowance: 0 });
    for (const mode of ["off", "forecast-only"] as const) {
      expect(targetAllowance({ ...service, forecast: { ...service.forecast, mode } })).toEqual({
        scaleUpTolerance: 0.1,
        startupAllowance: 0.1,
      });
    }
    expect(targetAllowance({ ...service, scaleUpTolerance: 0 }).scaleUpTolerance).toBe(0);
  });
});

describe("Function: podHourlyPrice", () => {
  it("shares an instance's price between the pods it holds: an inf2.48xlarge pod of three costs $4.3271/h", () => {
    expect(podHourlyPrice({ hourlyPrice: 12.9813, podsPerInstance: 3 })).toBeCloseTo(4.3271, 4);
    expect(podHourlyPrice({ hourlyPrice: 1.006, podsPerInstance: 1 })).toBe(1.006);
  });
});
