import { HorizontalAutoscaler } from "@switchyard/sim";
import { describe, expect, it } from "vitest";

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
