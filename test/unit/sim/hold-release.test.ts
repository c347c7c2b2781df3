import { loadScenario, runPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { switchyardPolicy } from "../../../packages/sim/src/policies/switchyard-policy.ts";
import type { PolicyResult } from "../../../packages/sim/src/run/simulate.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { readRepoFile } from "../../support/paths.ts";
import { readRepoText } from "../../support/scenarios.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const SCENARIO = "test/fixtures/scenarios/hold-release-gap.yaml";
const MINUTE = 60_000;
const INF2 = "sd21-inf2";

/**
 * 400 RPS, then 800 from 00:10: the weights planned for 400 make KEDA run pods the
 * cost-optimal plan does not need, so a rebalance moves weight to inf2 (held at its new
 * pods until receiverHoldSeconds after traffic moved), with the forecast floor `mode`
 * (off or forecast-only: no forecast floor is written) and CloudWatch `gaps`.
 */
async function rebalanceScenario(mode: string, gaps = ""): Promise<Scenario> {
  const doc = parseDocument(readRepoFile(CONFIG));
  doc.setIn(["services", 0, "forecast"], doc.createNode({ mode }));
  const text = `name: hold-release-gap
config: ../../../${CONFIG}
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: steps, steps: [{ from: 0s, rps: 400 }, { from: 10m, rps: 800 }] }
${gaps}
`;
  const files: Record<string, string> = { [SCENARIO]: text, [CONFIG]: doc.toString() };
  return loadScenario(SCENARIO, async (path) => files[path] ?? readRepoText(path));
}

function unitColumn(result: PolicyResult, from: number, column: "replicas" | "minReplicas"): number[] {
  const u = result.minutes.units.indexOf(INF2);
  const values: number[] = [];
  for (let i = 0; i < result.minutes.length; i += 1) {
    if (result.minutes.timeAt(i) >= from) values.push(result.minutes.unitValue(i, u, column));
  }
  return values;
}

function failedFrom(result: PolicyResult, from: number): number {
  let failed = 0;
  for (let i = 0; i < result.minutes.length; i += 1) {
    if (result.minutes.timeAt(i) >= from) failed += result.minutes.value(i, "failed");
  }
  return failed;
}

describe("Simulator: a replica hold released into a CloudWatch gap (issue 17)", () => {
  it.each(["off", "forecast-only"])(
    "keeps the released unit at the pods its weight needs through a gap at the release (forecast %s)",
    async (mode) => {
      // Where the rebalance's hold is lifted: receiverHoldSeconds (300 s) after traffic moved.
      const calm = await runPolicy(await rebalanceScenario(mode), switchyardPolicy);
      const rebalance = calm.moves.find((m) => m.move === "rebalance");
      expect(rebalance?.outcome).toBe("succeeded");
      const moved = rebalance?.appliedAt ?? 0;
      const releasedAt = moved + 300_000;
      const start = Date.parse("2024-11-14T00:00:00Z");
      const gapFrom = Math.floor((releasedAt - start) / MINUTE);
      const held = Math.max(...unitColumn(calm, moved, "replicas").slice(0, 3));
      expect(held).toBeGreaterThan(1);

      // The minute of the release and the next publish no ALB datapoint: KEDA's trigger
      // reads 0 (ignoreNullValues, its default) at the first sync of the HPA made anew.
      const gaps = `cloudwatch: { gaps: [{ from: ${gapFrom}m, to: ${gapFrom + 2}m }] }`;
      const result = await runPolicy(await rebalanceScenario(mode, gaps), switchyardPolicy);
      expect(result.moves.find((m) => m.move === "rebalance")?.appliedAt).toBe(moved);
      // Without the release floor inf2 fell to its minReplicaCount of 1 and failed ~100k requests.
      expect(Math.min(...unitColumn(result, moved, "replicas"))).toBeGreaterThanOrEqual(held);
      expect(failedFrom(result, moved)).toBe(0);
      // The floor held minReplicaCount up through the window, then the owner's 1 came back.
      const floor = unitColumn(result, moved, "minReplicas");
      expect(Math.max(...floor)).toBeGreaterThan(1);
      expect(floor.at(-1)).toBe(1);
    },
  );
});
