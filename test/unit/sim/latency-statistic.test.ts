import { loadScenario, renderSummaryTable, reportOf, runPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import {
  InMemoryCapacityRecorder,
  InMemoryMetricsReader,
} from "../../../packages/sim/src/adapters/in-memory-metrics.ts";
import { SimClock } from "../../../packages/sim/src/adapters/sim-clock.ts";
import { targetGroupsOf } from "../../../packages/sim/src/adapters/target-group-directory.ts";
import { EnvironmentModel } from "../../../packages/sim/src/model/environment.ts";
import { inverseStandardNormalCdf } from "../../../packages/sim/src/model/latency-model.ts";
import { plannedStart } from "../../../packages/sim/src/policies/initial-state.ts";
import { staticCostPolicy } from "../../../packages/sim/src/policies/static-policies.ts";
import { timelineCsv } from "../../../packages/sim/src/report/timeline-csv.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { defaultLatencyModel } from "../../support/latency-model.ts";
import { readRepoFile } from "../../support/paths.ts";
import { readRepoText } from "../../support/scenarios.ts";

const MINUTE = 60_000;
const CONFIG = "examples/sd21/switchyard.yaml";
const SCENARIO = "test/fixtures/scenarios/p99.yaml";

/** The SD2.1 config with another SLO statistic, and a scenario on it, read as the CLI would. */
async function scenarioWithStatistic(statistic: string, body: string, sloMs = 900): Promise<Scenario> {
  const doc = parseDocument(readRepoFile(CONFIG));
  doc.setIn(["services", 0, "slo", "statistic"], statistic);
  doc.setIn(["services", 0, "slo", "latencyMs"], sloMs);
  const files: Record<string, string> = {
    [SCENARIO]: `name: p99\nconfig: ../../../${CONFIG}\n${body}`,
    [CONFIG]: doc.toString(),
  };
  return loadScenario(SCENARIO, async (path) => files[path] ?? readRepoText(path));
}

const STEADY = `start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 420 }
`;

const GROWING = `start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: steps, steps: [{ from: 0s, rps: 300 }, { from: 10m, rps: 420 }] }
`;

describe("Function: inverseStandardNormalCdf", () => {
  it.each([
    [0.5, 0],
    [0.9, 1.2815515655446004],
    [0.95, 1.6448536269514722],
    [0.99, 2.3263478740408408],
    [0.999, 3.090232306167813],
    [0.01, -2.3263478740408408],
  ])("gives z(%d) = %d within 1e-8", (p, z) => {
    expect(inverseStandardNormalCdf(p)).toBeCloseTo(z, 8);
  });
});

describe("Class: LatencyModel at any percentile", () => {
  const model = defaultLatencyModel();

  it("puts 1 % of requests above the p99 of one unit and of a mixture, and the p99 above the p95", () => {
    const p99 = model.quantileMs(800, 0.99);
    expect(p99).toBeCloseTo(800 * Math.exp((2.3263478740408408 - 1.6448536269514722) * 0.25), 6);
    expect(model.fractionSlowerThan(800, p99)).toBeCloseTo(0.01, 6);
    const parts = [
      { requests: 900, p95Ms: 500 },
      { requests: 100, p95Ms: 2000 },
    ];
    const mixed = model.statisticMs(parts, "p99") as number;
    const slower =
      (900 * model.fractionSlowerThan(500, mixed) + 100 * model.fractionSlowerThan(2000, mixed)) / 1000;
    expect(slower).toBeCloseTo(0.01, 6);
    expect(mixed).toBeGreaterThan(model.statisticMs(parts, "p95") as number);
    expect(model.statisticMs(parts, "p95")).toBeCloseTo(model.mixtureP95(parts) as number, 9);
    expect(model.statisticMs(parts, "average")).toBeCloseTo(
      (900 * model.averageMs(500) + 100 * model.averageMs(2000)) / 1000,
      9,
    );
  });

  it("refuses a statistic that is neither a percentile nor average, naming slo.statistic", () => {
    expect(() => model.statisticMs([{ requests: 1, p95Ms: 500 }], "tm99")).toThrow(/slo.statistic/);
  });
});

describe("Simulated CloudWatch: TargetResponseTime at the SLO's statistic", () => {
  it("answers GetMetricData with the percentile the reader asks for, as CloudWatch would", async () => {
    const scenario = await scenarioWithStatistic("p99", STEADY);
    const clock = new SimClock(scenario.start);
    const env = new EnvironmentModel(scenario, plannedStart(scenario, "cost"));
    for (let i = 0; i < 5; i += 1) {
      const at = scenario.start + i * MINUTE;
      clock.set(at);
      env.beginStep(at);
      env.serveStep(at);
      env.autoscale(at + MINUTE);
    }
    clock.set(scenario.start + 5 * MINUTE);
    const reader = new InMemoryMetricsReader(env, clock, new InMemoryCapacityRecorder());
    const lb = targetGroupsOf(scenario.service);
    const read = async (latencyStatistic: string) => {
      const snapshot = await reader.read({
        services: [
          {
            service: "sd21",
            loadBalancer: lb.loadBalancerDimension,
            targetGroups: { "sd21-inf2": lb.targetGroups["sd21-inf2"]?.dimension ?? null },
            consolidatedTargetGroup: null,
            latencyStatistic,
          },
        ],
        instanceTypes: [],
        start: scenario.start,
        end: scenario.start + 2 * MINUTE,
      });
      return snapshot.services.sd21?.units["sd21-inf2"]?.[0]?.latencyMs ?? null;
    };
    const [p95, p99, average] = [await read("p95"), await read("p99"), await read("average")];
    const sigma = scenario.latency.spread;
    expect(p95).not.toBeNull();
    // One unit's requests are log-normal around its p95: the p99 sits exp((z99 − z95)·σ) above it.
    expect(p99).toBeCloseTo((p95 as number) * Math.exp((2.3263478740408408 - 1.6448536269514722) * sigma), 2);
    expect(average).toBeLessThan(p95 as number);
  });
});

const SLO_MS = 600;

describe("Report: a p99 SLO", () => {
  it("is shown as p99, and scores each minute on the p99 it reports", async () => {
    // Static cost weights after demand grows from 300 to 420 RPS, against a 600 ms
    // objective: the slower units' p99 is over it in some minutes.
    const scenario = await scenarioWithStatistic("p99", GROWING, SLO_MS);
    const report = reportOf({ scenario, policies: [await runPolicy(scenario, staticCostPolicy)] });
    expect(renderSummaryTable(report).split("\n")[0]).toMatch(/ · SLO p99 600 ms$/);
    expect(timelineCsv(report).split("\n")[0]).toMatch(/,failed,p99_ms,slo_violated,/);
    const minutes = [...(report.policies[0]?.minutes ?? [])];
    const answered = minutes.filter((m) => m.failed < 0.5 && m.latencyMs !== null);
    expect(answered.length).toBeGreaterThan(30);
    for (const m of answered) {
      // Bisection tolerance: the reported p99 and the share of slow requests agree.
      if (Math.abs((m.latencyMs as number) - SLO_MS) > 0.5) {
        expect(m.sloViolated, `${new Date(m.at).toISOString()} p99 ${m.latencyMs} ms`).toBe(
          (m.latencyMs as number) > SLO_MS,
        );
      }
    }
    expect(answered.some((m) => m.sloViolated)).toBe(true);

    const p95 = await scenarioWithStatistic("p95", GROWING, SLO_MS);
    const p95Report = reportOf({ scenario: p95, policies: [await runPolicy(p95, staticCostPolicy)] });
    expect(renderSummaryTable(p95Report).split("\n")[0]).toMatch(/ · SLO p95 600 ms$/);
    const p95Minutes = [...(p95Report.policies[0]?.minutes ?? [])];
    // latencyMs is each unit's response time at maxRps at the SLO's statistic: the same
    // number read as a p95 is a slower fleet (its p99 is 19 % above it), so the p95 run
    // breaks its objective in at least as many minutes.
    expect(p95Minutes.filter((m) => m.sloViolated).length).toBeGreaterThanOrEqual(
      minutes.filter((m) => m.sloViolated).length,
    );
  });
});
