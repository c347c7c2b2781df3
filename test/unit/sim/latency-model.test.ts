import { describe, expect, it } from "vitest";
import { LatencyModel, standardNormalCdf } from "../../../packages/sim/src/model/latency-model.ts";
import { serveStep } from "../../../packages/sim/src/model/unit-queue.ts";
import { defaultLatencyModel } from "../../support/latency-model.ts";

const model = defaultLatencyModel();
// sd21-inf2: 105 RPS at its breaking point with 670 ms.
const inf2 = { maxRps: 105, latencyMs: 670 };

describe("Class: LatencyModel", () => {
  it.each([
    [0, 670 * 0.8],
    [105, 670],
    [52.5, 670 * (0.8 + 0.2 * 0.5 ** 4)],
    [115.5, 670 * (1 + 6 * 0.1)],
    [500, 670 * (1 + 6 * 0.2)],
  ])(
    "follows the measured latency up to the breaking point and rises steeply past it: %d RPS → %d ms",
    (rps, p95) => {
      expect(model.p95Ms(inf2.latencyMs, inf2.maxRps, rps)).toBeCloseTo(p95, 6);
    },
  );

  // Issue 17: with latencyMs read as a p95, every pod at its breaking point broke a p99
  // objective equal to its latencyMs by 19 % (the oracle showed 66 SLO-violation minutes).
  it.each([
    { statistic: "p95", quantile: 0.95 },
    { statistic: "p99", quantile: 0.99 },
    { statistic: "p50", quantile: 0.5 },
  ])(
    "reads latencyMs at the SLO's statistic ($statistic): that statistic is latencyMs at maxRps",
    ({ statistic, quantile }) => {
      const { parameters } = defaultLatencyModel();
      const atSlo = new LatencyModel(parameters, statistic);
      const p95 = atSlo.p95Ms(inf2.latencyMs, inf2.maxRps, inf2.maxRps);
      expect(atSlo.quantileMs(p95, quantile)).toBeCloseTo(inf2.latencyMs, 6);
    },
  );

  it("reads latencyMs as an average when the SLO is one", () => {
    const { parameters } = defaultLatencyModel();
    const atSlo = new LatencyModel(parameters, "average");
    expect(atSlo.averageMs(atSlo.p95Ms(670, 105, 105))).toBeCloseTo(670, 6);
  });

  it("puts 5 % of requests above the p95 and combines units into a p95 between theirs", () => {
    expect(model.fractionSlowerThan(700, 700)).toBeCloseTo(0.05, 4);
    const mixed = model.mixtureP95([
      { requests: 900, p95Ms: 500 },
      { requests: 100, p95Ms: 2000 },
    ]);
    expect(mixed).toBeGreaterThan(500);
    expect(mixed).toBeLessThan(2000);
    const slower =
      (900 * model.fractionSlowerThan(500, mixed ?? 0) + 100 * model.fractionSlowerThan(2000, mixed ?? 0)) /
      1000;
    expect(slower).toBeCloseTo(0.05, 3);
    expect(model.mixtureP95([])).toBeNull();
  });

  it("gives an average below the p95 and a standard normal CDF within 1e-6", () => {
    expect(model.averageMs(700)).toBeLessThan(700);
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 6);
    expect(standardNormalCdf(1.6448536)).toBeCloseTo(0.95, 6);
    expect(standardNormalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });
});

describe("Function: serveStep", () => {
  it("serves everything with no queue below the plateau", () => {
    const step = serveStep(model, inf2, 2, 200, 0, 60);
    expect(step).toMatchObject({ requests: 12_000, failed: 0, queueAfter: 0 });
    expect(step.p95Ms).toBeCloseTo(model.p95Ms(670, 105, 100), 6);
  });

  it("queues requests beyond the plateau up to the queue bound and fails the rest with 5xx", () => {
    // One pod plateaus at 126 RPS; 200 RPS for 60 s is 4,440 too many; the queue holds 5 s × 126 = 630.
    const step = serveStep(model, inf2, 1, 200, 0, 60);
    expect(step.queueAfter).toBeCloseTo(630, 6);
    expect(step.failed).toBeCloseTo(4440 - 630, 6);
    expect(step.p95Ms).toBeGreaterThan(model.p95Ms(670, 105, 126) + 2000);
  });

  it("drains a queue when load falls, and fails what removed pods held", () => {
    const drained = serveStep(model, inf2, 1, 100, 630, 60);
    expect(drained.queueAfter).toBe(0);
    expect(drained.failed).toBe(0);
    const shrunk = serveStep(model, inf2, 1, 100, 5000, 60);
    expect(shrunk.failed).toBeCloseTo(5000 - 630, 6);
  });
});
