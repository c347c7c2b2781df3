import { readdirSync } from "node:fs";
import {
  policiesNamed,
  referenceCosts,
  renderSummaryTable,
  reportOf,
  runPolicy,
  simulate,
} from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { CapacityCalendar } from "../../../packages/sim/src/capacity/capacity-calendar.ts";
import { staticCostPolicy } from "../../../packages/sim/src/policies/static-policies.ts";
import { podsCanRun } from "../../../packages/sim/src/report/reference-costs.ts";
import { reportMarkdown } from "../../../packages/sim/src/report/report-markdown.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { repoPath } from "../../support/paths.ts";
import { inlineScenario, repoScenario, withScenario } from "../../support/scenarios.ts";

const HOUR = 3_600_000;
/** One pod of each SD2.1 unit per hour: 0.7582 + 1.3438 + 1.0060 + 0.8048 + 1.0060. */
const FLOOR_PODS_PER_HOUR = 4.9188;

describe("Function: referenceCosts", () => {
  it.each([
    // The floor's five pods serve 446 RPS at their breaking points: the bound is the floor.
    [300, FLOOR_PODS_PER_HOUR],
    // 1,000 RPS: 554 RPS more, cheapest as 6 more inf2 pods (630 RPS, $4.5492/h).
    [1000, FLOOR_PODS_PER_HOUR + 6 * 0.7582],
  ])(
    "prices %d RPS for an hour at the cheapest whole pods at their breaking points, no headroom",
    async (rps, perHour) => {
      const scenario = await inlineScenario(`name: flat
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: ${rps} }
`);
      const costs = referenceCosts(scenario);
      expect(costs.floorCost).toBeCloseTo(FLOOR_PODS_PER_HOUR, 6);
      expect(costs.lowerBoundCost).toBeCloseTo(perHour, 6);
      expect(costs.infeasibleSteps).toBe(0);
    },
  );

  it("respects the capacity of each moment: no pods where a window took them, earlier pods where launches stop", async () => {
    const body = (window: string) => `name: windows
start: 2024-11-14T00:00:00Z
duration: 2h
demand: { shape: constant, rps: 1000 }
${window}`;
    const open = referenceCosts(await inlineScenario(body("")));
    const lost = referenceCosts(
      await inlineScenario(
        body("capacity:\n  - { instanceType: inf2.xlarge, from: 30m, to: 1h30m, podsLost: true }\n"),
      ),
    );
    const blocked = referenceCosts(
      await inlineScenario(body("capacity:\n  - { instanceType: inf2.xlarge, from: 30m, to: 1h30m }\n")),
    );
    // inf2 running pods gone for an hour: its floor pod is not paid, nor for the 3 minutes
    // after (Karpenter's offering cache: the new pod may still wait for a node), and its
    // share costs more elsewhere.
    expect(lost.floorCost).toBeCloseTo(2 * FLOOR_PODS_PER_HOUR - 0.7582 * (1 + 3 / 60), 6);
    expect(lost.lowerBoundCost).toBeGreaterThan(open.lowerBoundCost + 1);
    // No new inf2, but those launched before the window may serve through it.
    expect(blocked.floorCost).toBeCloseTo(open.floorCost, 6);
    expect(blocked.lowerBoundCost).toBeCloseTo(open.lowerBoundCost, 6);
  });

  it("counts demand beyond every allowed pod at all of them, and says how many steps were so", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/overload.yaml");
    const costs = referenceCosts(scenario);
    const everyPod = scenario.service.units.reduce((sum, u) => sum + u.maxReplicaCount * u.hourlyPrice, 0);
    expect(costs.infeasibleSteps).toBe(30);
    expect(costs.lowerBoundCost).toBeGreaterThan(everyPod / 2);
  });
});

describe("Function: podsCanRun", () => {
  it("lets a pool that cannot launch keep what it launched before, until a window takes its pods", async () => {
    const scenario = await inlineScenario(`name: calendar
start: 2024-11-14T00:00:00Z
duration: 4h
demand: { shape: constant, rps: 100 }
capacity:
  - { instanceType: inf2.xlarge, from: 1h, to: 2h }
  - { instanceType: inf2.xlarge, from: 2h, to: 3h, podsLost: true }
`);
    const calendar = new CapacityCalendar(scenario.capacity);
    const inf2 = scenario.service.units.find((u) => u.name === "sd21-inf2");
    if (inf2 === undefined) {
      throw new Error("no sd21-inf2 in the SD2.1 config");
    }
    const at = (h: number) => scenario.start + h * HOUR;
    expect(podsCanRun(inf2, calendar, at(0.5))).toBe(true);
    expect(podsCanRun(inf2, calendar, at(1.5))).toBe(true);
    expect(podsCanRun(inf2, calendar, at(2.5))).toBe(false);
    expect(podsCanRun(inf2, calendar, at(3.5))).toBe(true);
  });
});

/**
 * A shortened copy of a bundled scenario: two hours around its first capacity window
 * (from half an hour before it opens), else the two hours before demand first peaks,
 * else its first two hours. The full runs are checked by `npm run bench:sim`.
 */
function shortened(scenario: Scenario): Scenario {
  const first = scenario.capacity[0]?.from;
  const peak = scenario.demand.kind === "cosine" ? scenario.demand.peakAt : undefined;
  const from = first !== undefined ? first - HOUR / 2 : peak !== undefined ? peak - 2 * HOUR : scenario.start;
  const start = Math.max(scenario.start, from);
  return withScenario(scenario, { start, end: Math.min(scenario.end, start + 2 * HOUR) });
}

describe("Report: the lower bound", () => {
  it.each(readdirSync(repoPath("examples/sd21/scenarios")).filter((f) => f.endsWith(".yaml")))(
    "is never undercut by a policy that serves every request, nor the floor by any policy, on a shortened %s",
    async (file) => {
      const scenario = shortened(await repoScenario(`examples/sd21/scenarios/${file}`));
      const report = reportOf(await simulate(scenario, policiesNamed()));
      const { floorCost, lowerBoundCost } = report.reference;
      expect(lowerBoundCost).toBeGreaterThanOrEqual(floorCost);
      for (const { summary } of report.policies) {
        expect(
          summary.costAboveFloor,
          `${summary.name} paid $${summary.totalCost.toFixed(2)}, below the floor $${floorCost.toFixed(2)}`,
        ).toBeGreaterThanOrEqual(-0.005);
        if (summary.failedRequests < 0.5) {
          expect(
            summary.totalCost,
            `${summary.name} served every request for $${summary.totalCost.toFixed(2)}`,
          ).toBeGreaterThanOrEqual(lowerBoundCost);
        }
      }
      expect(report.reference.boundBrokenBy).toEqual([]);
    },
  );

  it("says the bound is broken when a policy serves every request for less", async () => {
    // Run static-cost on a quiet hour, then read the run against a config whose pods
    // serve half as much: that bound is wrong (twice too high) and the report must say so.
    const scenario = await inlineScenario(`name: quiet
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 1000 }
`);
    const run = await runPolicy(scenario, staticCostPolicy);
    expect([...run.minutes].reduce((sum, m) => sum + m.failed, 0)).toBe(0);
    const halved: Scenario = withScenario(scenario, {
      service: {
        ...scenario.service,
        units: scenario.service.units.map((u) => ({ ...u, maxRps: u.maxRps / 2 })),
      },
    });
    const report = reportOf({ scenario: halved, policies: [run] });
    expect(report.reference.boundBrokenBy).toEqual(["static-cost"]);
    expect(renderSummaryTable(report)).toMatch(
      /LOWER BOUND BROKEN: static-cost served every request for less than \$/,
    );
    expect(reportMarkdown(report, [])).toContain("**The lower bound is broken**: static-cost");

    const honest = reportOf({ scenario, policies: [run] });
    expect(honest.reference.boundBrokenBy).toEqual([]);
    expect(renderSummaryTable(honest)).not.toMatch(/BROKEN/);
  });
});
