import { describe, expect, it } from "vitest";
import { HorizontalAutoscaler } from "../../../packages/sim/src/model/autoscaler.ts";

const keda = {
  pollingMs: 30_000,
  metricWindowMs: 60_000,
  tolerance: 0.1,
  scaleDownStabilizationMs: 300_000,
  ignoreNullValues: true,
};
const MINUTE = 60_000;

describe("Class: HorizontalAutoscaler", () => {
  it("asks for ceil(metric ÷ target) pods, within min and max", () => {
    const hpa = new HorizontalAutoscaler(keda);
    expect(hpa.desiredReplicas({ at: 0, current: 1, metric: 250, target: 95.5, min: 1, max: 100 })).toBe(3);
    expect(
      new HorizontalAutoscaler(keda).desiredReplicas({
        at: 0,
        current: 1,
        metric: 5000,
        target: 95.5,
        min: 1,
        max: 10,
      }),
    ).toBe(10);
  });

  it("leaves replicas alone within the 10 % tolerance (a pod runs up to its breaking point when the target has 10 % headroom)", () => {
    const hpa = new HorizontalAutoscaler(keda);
    expect(hpa.desiredReplicas({ at: 0, current: 1, metric: 105, target: 95.5, min: 1, max: 100 })).toBe(1);
    expect(hpa.desiredReplicas({ at: MINUTE, current: 1, metric: 106, target: 95.5, min: 1, max: 100 })).toBe(
      2,
    );
  });

  it("scales down only to the highest recommendation of the last 5 minutes", () => {
    const hpa = new HorizontalAutoscaler(keda);
    expect(hpa.desiredReplicas({ at: 0, current: 4, metric: 380, target: 95.5, min: 1, max: 100 })).toBe(4);
    expect(hpa.desiredReplicas({ at: MINUTE, current: 4, metric: 100, target: 95.5, min: 1, max: 100 })).toBe(
      4,
    );
    expect(
      hpa.desiredReplicas({ at: 4 * MINUTE, current: 4, metric: 100, target: 95.5, min: 1, max: 100 }),
    ).toBe(4);
    expect(
      hpa.desiredReplicas({ at: 5 * MINUTE, current: 4, metric: 100, target: 95.5, min: 1, max: 100 }),
    ).toBe(2);
    expect(
      hpa.desiredReplicas({ at: 7 * MINUTE, current: 2, metric: 100, target: 95.5, min: 1, max: 100 }),
    ).toBe(2);
  });

  it("leaves replicas alone when the trigger errors (no datapoint with ignoreNullValues false)", () => {
    const hpa = new HorizontalAutoscaler(keda);
    expect(hpa.desiredReplicas({ at: 0, current: 9, metric: null, target: 95.5, min: 1, max: 100 })).toBe(9);
  });

  // Issue 17, docs/simulator.md: KEDA deletes the HPA while paused-replicas is set and makes
  // a new one when it is removed; a new HPA has no history to hold a scale-down up.
  it("forgets its history when the HPA is deleted: the new one drops to what the metric says at once", () => {
    const kept = new HorizontalAutoscaler(keda);
    const made = new HorizontalAutoscaler(keda);
    for (const hpa of [kept, made]) {
      expect(hpa.desiredReplicas({ at: 0, current: 9, metric: 860, target: 95.5, min: 1, max: 100 })).toBe(9);
    }
    made.forget();
    // The next minute reads no datapoint: 0 with ignoreNullValues.
    expect(kept.desiredReplicas({ at: MINUTE, current: 9, metric: 0, target: 95.5, min: 1, max: 100 })).toBe(
      9,
    );
    expect(made.desiredReplicas({ at: MINUTE, current: 9, metric: 0, target: 95.5, min: 1, max: 100 })).toBe(
      1,
    );
  });
});

describe("Class: HorizontalAutoscaler — as kubernetes horizontal.go normalizes", () => {
  it("goes straight to a raised minReplicas, whatever the metric (reconcileAutoscaler: current < min)", () => {
    const hpa = new HorizontalAutoscaler(keda);
    expect(hpa.desiredReplicas({ at: 0, current: 2, metric: 100, target: 95.5, min: 7, max: 100 })).toBe(7);
  });

  it("keeps the metric's recommendations, not the floor's: once the floor falls, it scales down to what the metric asked for in the window", () => {
    const hpa = new HorizontalAutoscaler(keda);
    // Four minutes at 7 pods held by the floor while the metric asks for 2.
    for (let m = 0; m < 4; m += 1) {
      expect(
        hpa.desiredReplicas({ at: m * MINUTE, current: 7, metric: 150, target: 95.5, min: 7, max: 100 }),
      ).toBe(7);
    }
    // The floor is lowered: down to the highest the metric asked for, 2, at once.
    expect(
      hpa.desiredReplicas({ at: 4 * MINUTE, current: 7, metric: 150, target: 95.5, min: 1, max: 100 }),
    ).toBe(2);
  });

  it("scales up at most max(+4 pods, +100 %) per 15 s sync (the default scale-up policies), two syncs a 30 s poll", () => {
    const hpa = new HorizontalAutoscaler(keda);
    // 1 → 5 (+4) → 10 (+100 %) in one 30 s poll, though the metric asks for 53.
    expect(hpa.desiredReplicas({ at: 0, current: 1, metric: 5000, target: 95.5, min: 1, max: 150 })).toBe(10);
    expect(
      hpa.desiredReplicas({ at: 30_000, current: 10, metric: 5000, target: 95.5, min: 1, max: 150 }),
    ).toBe(40);
    expect(
      hpa.desiredReplicas({ at: 60_000, current: 40, metric: 5000, target: 95.5, min: 1, max: 150 }),
    ).toBe(53);
  });
});
