import { loadScenario, runPolicy, switchyardPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { readRepoFile } from "../../support/paths.ts";
import { readRepoText } from "../../support/scenarios.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const SCENARIO = "test/fixtures/scenarios/demand-jump.yaml";
// 100 RPS, then 420 RPS from 00:10: the least-cost weights move by more than 10 points
// (a second inf2 pod becomes worth it), so a rebalance is due once that lasts 15 minutes.
const SCENARIO_TEXT = `name: demand-jump
config: ../../../${CONFIG}
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: steps, steps: [{ from: 0s, rps: 100 }, { from: 10m, rps: 420 }] }
`;

/** The bundled config with one policy threshold changed, read as the CLI would read the file. */
async function scenarioWithPolicy(edit: Record<string, number> = {}) {
  const doc = parseDocument(readRepoFile(CONFIG));
  for (const [key, value] of Object.entries(edit)) {
    doc.setIn(["policy", key], value);
  }
  const files: Record<string, string> = { [SCENARIO]: SCENARIO_TEXT, [CONFIG]: doc.toString() };
  return loadScenario(SCENARIO, async (path) => files[path] ?? readRepoText(path));
}

describe("Policy: switchyard", () => {
  it("runs the production decide and planner: the config's rebalance dead band decides whether it rebalances", async () => {
    const base = await runPolicy(await scenarioWithPolicy(), switchyardPolicy);
    const rebalance = base.moves.find((m) => m.move === "rebalance");
    expect(rebalance?.outcome).toBe("succeeded");
    expect(rebalance?.reasons[0]).toMatch(/by more than 10 points in each of the last 15 min/);
    // decide's sustain window: 15 one-minute observations of the new demand, read 2 minutes late.
    expect(
      ((rebalance?.decidedAt ?? 0) - Date.parse("2024-11-14T00:10:00Z")) / 60_000,
    ).toBeGreaterThanOrEqual(15);

    const wide = await runPolicy(
      await scenarioWithPolicy({ rebalanceDeadBandPercent: 60 }),
      switchyardPolicy,
    );
    expect(wide.moves).toEqual([]);
    const slow = await runPolicy(await scenarioWithPolicy({ rebalanceSustainMinutes: 30 }), switchyardPolicy);
    expect(slow.moves[0]?.reasons[0]).toMatch(/in each of the last 30 min/);
    expect(slow.moves[0]?.decidedAt ?? 0).toBeGreaterThan(rebalance?.decidedAt ?? Infinity);
  });

  it("fails over on the first capacity error with decide's own reasons, through the workflow's steps", async () => {
    const scenario = await loadScenario("test/fixtures/scenarios/short-outage.yaml", readRepoText);
    const run = await runPolicy(scenario, switchyardPolicy);
    const failover = run.moves.find((m) => m.move === "failover");
    expect(failover).toMatchObject({ from: "cost", to: "capacity", outcome: "succeeded" });
    expect(failover?.reasons[0]).toMatch(
      /sd21-inf2 \(weight \d+\) cannot get inf2.xlarge capacity: \d+ InsufficientInstanceCapacity/,
    );
    expect(failover?.decidedAt).toBe(Date.parse("2024-11-14T00:30:00Z"));
    // ShiftTraffic patched the Ingress within the minute; the steps ran in sim time.
    expect((failover?.appliedAt ?? 0) - (failover?.decidedAt ?? 0)).toBeLessThan(60_000);
    const firstCapacityMinute = run.steps.find((s) => s.mode === "capacity");
    expect(firstCapacityMinute?.at).toBe(Date.parse("2024-11-14T00:31:00Z"));
    expect(run.failures).toEqual([]);
  });
});

describe("Class: StepFunctionsStandIn", () => {
  it("rolls a switch back when the ALB does not show the new weights within verifyTimeoutSeconds", async () => {
    const text = readRepoFile("test/fixtures/scenarios/short-outage.yaml").replace(
      "podStartup:",
      "alb: { ruleLag: 10m }\npodStartup:",
    );
    const scenario = await loadScenario("test/fixtures/scenarios/slow-alb.yaml", async (path) =>
      path === "test/fixtures/scenarios/slow-alb.yaml" ? text : readRepoText(path),
    );
    const run = await runPolicy(scenario, switchyardPolicy);
    const first = run.moves[0];
    expect(first).toMatchObject({ move: "failover", outcome: "failed" });
    expect(first?.notes.join(" ")).toMatch(
      /RoutingNotAppliedError: the ALB listener rule does not hold the planned weights yet/,
    );
    // Rollback put the cost-mode annotation back, so the ALB never routed in capacity mode
    // before a later failover's patch had waited out the 10-minute lag.
    const firstCapacity = run.steps.find((s) => s.mode === "capacity")?.at ?? Infinity;
    expect(firstCapacity - (first?.decidedAt ?? 0)).toBeGreaterThan(10 * 60_000);
  });
});
