import { loadScenario, reportOf, runPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { EnvironmentModel } from "../../../packages/sim/src/model/environment.ts";
import { plannedStart } from "../../../packages/sim/src/policies/initial-state.ts";
import { staticCostPolicy } from "../../../packages/sim/src/policies/static-policies.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { readRepoText } from "../../support/scenarios.ts";

const SCENARIO = "test/fixtures/scenarios/gaps.yaml";
const MINUTE = 60_000;

/**
 * 800 RPS on the SD2.1 scale config for an hour; from 20 to 28 minutes CloudWatch publishes
 * no ALB datapoint while the traffic still flows (longer than the HPA's 5-minute scale-down
 * stabilization window).
 */
async function gapScenario(keda = ""): Promise<Scenario> {
  const body = `name: gaps
config: ../../../examples/sd21/switchyard-scale.yaml
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 800 }
cloudwatch:
  gaps: [{ from: 20m, to: 28m }]
${keda}`;
  return loadScenario(SCENARIO, async (path) => (path === SCENARIO ? body : readRepoText(path)));
}

describe("Scenario option: cloudwatch.gaps (issue 17)", () => {
  it("serves the traffic of gap minutes, but publishes no datapoint of them: unknown demand, not zero", async () => {
    const scenario = await gapScenario();
    const env = new EnvironmentModel(scenario, plannedStart(scenario, "cost"));
    const served: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const at = scenario.start + i * MINUTE;
      env.beginStep(at);
      served.push(env.serveStep(at).units.reduce((sum, u) => sum + u.requests, 0));
      env.autoscale(at + MINUTE);
    }
    const group = scenario.service.units[0]?.service.name ?? "";
    const read = (minute: number) =>
      env.metrics.unitMinute(group, scenario.start + minute * MINUTE, scenario.start + 30 * MINUTE, "p95");
    // Minute 25 served its 48,000 requests, like minute 15; CloudWatch has nothing of it.
    expect(served[25]).toBeCloseTo(48_000, 6);
    expect(read(15).requests).toBeGreaterThan(0);
    expect(read(25)).toMatchObject({ requests: 0, latencyMs: null, healthyHosts: null });
    expect(read(28).requests).toBeGreaterThan(0);
  });

  it("with KEDA's default ignoreNullValues a gap longer than the stabilization window collapses the units; with false the HPA holds", async () => {
    const collapsing = await gapScenario();
    const holding = await gapScenario("keda: { ignoreNullValues: false }");
    const failed = async (scenario: Scenario) =>
      reportOf({ scenario, policies: [await runPolicy(scenario, staticCostPolicy)] }).policies[0]?.summary
        .failedRequests ?? 0;
    // The gap reads as 0 requests: after 5 minutes every unit drops to minReplicaCount
    // while 800 RPS still arrive.
    expect(await failed(collapsing)).toBeGreaterThan(100_000);
    expect(await failed(holding)).toBe(0);
  });
});
