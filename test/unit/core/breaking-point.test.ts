import { adjustedThroughput, breakingPoint, type LoadTestStep } from "@switchyard/core";
import { describe, expect, it } from "vitest";

/** The default limit: issue 11's rule, the highest rate within the SLO that keeps up. */
const ISSUE_RULE = { sloMs: 900, keepUp: 0.95, limit: "slo" } as const;
/** How the seed's Table 2 was read: where throughput plateaus, whatever the latency there. */
const SEED = { ...ISSUE_RULE, limit: "throughput" } as const;

/** Steps as [offered, served, p95 ms]. */
const steps = (...rows: [number, number, number][]): LoadTestStep[] =>
  rows.map(([offeredRps, servedRps, latencyMs]) => ({ offeredRps, servedRps, latencyMs }));

// The l4 unit of seed 003: throughput follows up to 61 RPS, where p95 is 960 ms (Table 2:
// 0.96 s at 61 RPS, over the 900 ms threshold), then plateaus.
const L4 = steps([40, 39.8, 812], [55, 54.6, 893], [61, 60.2, 960], [67, 61.5, 2310]);

describe("Function: breakingPoint", () => {
  it("with limit slo takes the highest step within the SLO whose served rate keeps up, and says where throughput alone plateaued (l4: 55 RPS at 893 ms, plateau 61 RPS at 960 ms)", () => {
    expect(breakingPoint(L4, ISSUE_RULE)).toEqual({
      verdict: "reached",
      maxRps: 55,
      latencyMs: 893,
      withinSlo: true,
      sloRps: 55,
      throughput: { offeredRps: 61, latencyMs: 960, plateaued: true },
      brokeAt: { offeredRps: 61, servedRps: 60.2, latencyMs: 960, why: "over-slo" },
    });
  });

  it("with limit slo also stops at a step that falls behind within the SLO", () => {
    expect(breakingPoint(steps([10, 10, 100], [20, 19.9, 200], [30, 24, 400]), ISSUE_RULE)).toMatchObject({
      verdict: "reached",
      maxRps: 20,
      brokeAt: { offeredRps: 30, why: "falls-behind" },
      throughput: { offeredRps: 20, plateaued: true },
    });
  });

  it("with limit throughput takes the last step before served falls below 95 % of offered, with the latency measured there (seed Table 2's l4: 61 RPS at 960 ms)", () => {
    expect(breakingPoint(L4, SEED)).toEqual({
      verdict: "reached",
      maxRps: 61,
      latencyMs: 960,
      withinSlo: false,
      sloRps: 55,
      throughput: { offeredRps: 61, latencyMs: 960, plateaued: true },
      brokeAt: { offeredRps: 67, servedRps: 61.5, latencyMs: 2310, why: "falls-behind" },
    });
  });

  it("with limit slo reports a throughput that never plateaued as the highest rate tested", () => {
    expect(breakingPoint(steps([10, 10, 100], [20, 20, 950]), ISSUE_RULE)).toMatchObject({
      verdict: "reached",
      maxRps: 10,
      throughput: { offeredRps: 20, latencyMs: 950, plateaued: false },
    });
  });

  it("reads the steps in order of offered rate, whatever the file's order, and ignores steps after the break", () => {
    const shuffled = steps([120, 106, 1840], [60, 59.8, 575], [130, 125, 2000], [105, 104.6, 670]);
    expect(breakingPoint(shuffled, SEED)).toMatchObject({ verdict: "reached", maxRps: 105, latencyMs: 670 });
  });

  it("keeps up at exactly 95 % of offered and falls behind just below it", () => {
    expect(breakingPoint(steps([10, 10, 100], [20, 19, 120], [30, 28.4, 150]), SEED)).toMatchObject({
      maxRps: 20,
      brokeAt: { offeredRps: 30 },
    });
  });

  it("reports not-reached with the highest rate tested when no step broke", () => {
    expect(breakingPoint(steps([10, 10, 100], [20, 20, 950]), SEED)).toEqual({
      verdict: "not-reached",
      maxRps: 20,
      latencyMs: 950,
      withinSlo: false,
      sloRps: 10,
      throughput: { offeredRps: 20, latencyMs: 950, plateaued: false },
    });
  });

  it("with limit slo reports below-range when the lowest step is already over the SLO", () => {
    expect(breakingPoint(steps([10, 10, 950], [20, 15, 990]), ISSUE_RULE)).toEqual({
      verdict: "below-range",
      brokeAt: { offeredRps: 10, servedRps: 10, latencyMs: 950, why: "over-slo" },
    });
  });

  it("reports below-range when the lowest step already broke", () => {
    expect(breakingPoint(steps([10, 5, 100], [20, 6, 300]), SEED)).toEqual({
      verdict: "below-range",
      brokeAt: { offeredRps: 10, servedRps: 5, latencyMs: 100, why: "falls-behind" },
    });
  });

  it("with limit throughput gives the seed's adjusted throughputs 89.2 / 61.0 / 60.0 from breaking points of the example load test's shape", () => {
    const knee = (max: number, latency: number) =>
      breakingPoint(
        steps([max / 2, max / 2, latency * 0.8], [max, max * 0.99, latency], [max * 1.1, max * 1.0, 2000]),
        SEED,
      );
    const points = [knee(105, 670), knee(130, 510), knee(90, 680), knee(61, 960), knee(60, 920)];
    const maxRps = points.map((p) => (p.verdict === "reached" ? p.maxRps : Number.NaN));
    expect(maxRps).toEqual([105, 130, 90, 61, 60]);
    expect(adjustedThroughput(maxRps.map((m) => ({ maxRps: m }))).map((a) => Number(a.toFixed(1)))).toEqual([
      89.2, 89.2, 89.2, 61, 60,
    ]);
  });
});
