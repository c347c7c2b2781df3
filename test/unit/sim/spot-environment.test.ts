import { runPolicy, switchyardPolicyWith } from "@switchyard/sim";
import { beforeAll, describe, expect, it } from "vitest";
import { InMemoryNodePlacement } from "../../../packages/sim/src/adapters/in-memory-node-placement.ts";
import { EnvironmentModel, type SpotWarning } from "../../../packages/sim/src/model/environment.ts";
import { plannedStart } from "../../../packages/sim/src/policies/initial-state.ts";
import { parseScenario } from "../../../packages/sim/src/scenario/load.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { inlineScenario, readRepoText } from "../../support/scenarios.ts";

const MINUTE = 60_000;

/** Runs `minutes` one-minute steps with no policy acting, the way the runner does. */
function run(env: EnvironmentModel, scenario: Scenario, minutes: number, from = 0) {
  const steps = [];
  for (let i = from; i < from + minutes; i += 1) {
    const at = scenario.start + i * MINUTE;
    env.beginStep(at);
    steps.push(env.serveStep(at));
    env.autoscale(at + MINUTE);
  }
  return steps;
}

function podsOf(env: EnvironmentModel, unit: string) {
  return env.deployments.get(unit)?.pods ?? [];
}

const SCALE = "config: ../../../examples/sd21/switchyard-scale.yaml\n";

describe("Class: EnvironmentModel — Spot units and zones", () => {
  let reclaim: Scenario;
  let quiet: Scenario;
  let zonal: Scenario;
  let fallback: Scenario;
  beforeAll(async () => {
    reclaim = await inlineScenario(`${SCALE}name: reclaim
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 2000 }
units:
  sd21-inf2: { capacityType: spot }
capacity:
  - { instanceType: inf2.xlarge, from: 10m, to: 30m, podsLost: true }
`);
    quiet = await inlineScenario(`${SCALE}name: quiet
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 2000 }
units:
  sd21-inf2: { capacityType: spot }
capacity:
  - { instanceType: inf2.xlarge, from: 10m, to: 30m, podsLost: true, warning: none }
`);
    zonal = await inlineScenario(`${SCALE}name: zonal
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 2000 }
units:
  sd21-inf2: { capacityType: spot, zones: [us-west-2a, us-west-2b, us-west-2c] }
capacity:
  - { instanceType: inf2.xlarge, zone: us-west-2b, capacityType: spot, from: 10m, to: 30m, podsLost: true }
`);
    fallback = await inlineScenario(`${SCALE}name: fallback
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 2000 }
units:
  sd21-inf2: { capacityType: [spot, on-demand] }
capacity:
  - { instanceType: inf2.xlarge, capacityType: spot, from: 10m, to: 40m, podsLost: true }
`);
  });

  it("warns each Spot instance the window will take two minutes before its pods go, one event per instance", () => {
    const env = new EnvironmentModel(reclaim, plannedStart(reclaim, "cost"));
    const warnings: SpotWarning[] = [];
    env.onSpotWarning((w) => warnings.push(w));
    run(env, reclaim, 9);
    const inf2 = podsOf(env, "sd21-inf2").filter((p) => p.phase === "ready").length;
    expect(inf2).toBeGreaterThan(0);
    expect(warnings).toHaveLength(inf2);
    expect(new Set(warnings.map((w) => w.at))).toEqual(new Set([reclaim.start + 8 * MINUTE]));
    expect(new Set(warnings.map((w) => w.instanceId)).size).toBe(inf2);
    // The pods still serve until the window opens, then go.
    const [beforeLoss] = run(env, reclaim, 1, 9);
    expect(beforeLoss?.units.find((u) => u.name === "sd21-inf2")?.readyPods).toBe(inf2);
    const [atLoss] = run(env, reclaim, 1, 10);
    expect(atLoss?.units.find((u) => u.name === "sd21-inf2")?.readyPods).toBe(0);
  });

  it("sends no warning for a window that says none, nor for on-demand pods", () => {
    const env = new EnvironmentModel(quiet, plannedStart(quiet, "cost"));
    const warnings: SpotWarning[] = [];
    env.onSpotWarning((w) => warnings.push(w));
    run(env, quiet, 12);
    expect(warnings).toEqual([]);
    const onDemand = {
      ...reclaim,
      service: { ...reclaim.service, units: reclaim.service.units.map(({ capacityTypes: _t, ...u }) => u) },
    };
    const plain = new EnvironmentModel(onDemand, plannedStart(onDemand, "cost"));
    plain.onSpotWarning((w) => warnings.push(w));
    run(plain, onDemand, 12);
    expect(warnings).toEqual([]);
  });

  it("spreads a zoned unit's pods evenly over its zones, and a zone's window takes only that zone's pods", () => {
    const env = new EnvironmentModel(zonal, plannedStart(zonal, "cost"));
    const zoneCounts = () => {
      const counts: Record<string, number> = {};
      for (const pod of podsOf(env, "sd21-inf2")) {
        if (pod.phase === "ready")
          counts[pod.offering?.zone ?? "none"] = (counts[pod.offering?.zone ?? "none"] ?? 0) + 1;
      }
      return counts;
    };
    run(env, zonal, 10);
    const before = zoneCounts();
    const sizes = Object.values(before);
    expect(Object.keys(before).sort()).toEqual(["us-west-2a", "us-west-2b", "us-west-2c"]);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    run(env, zonal, 1, 10);
    const after = zoneCounts();
    expect(after["us-west-2b"]).toBeUndefined();
    expect(after["us-west-2a"]).toBe(before["us-west-2a"]);
    expect(after["us-west-2c"]).toBe(before["us-west-2c"]);
  });

  it("answers DescribeInstances of the running nodes from the pods that have one: by zone, the lost zone's gone", async () => {
    const env = new EnvironmentModel(zonal, plannedStart(zonal, "cost"));
    const placement = new InMemoryNodePlacement(env);
    run(env, zonal, 10);
    const ready = podsOf(env, "sd21-inf2").filter((p) => p.launchedAt !== null).length;
    const before = await placement.nodeCells("any", ["inf2.xlarge"]);
    expect(before.map((c) => c.availabilityZone).sort()).toEqual(["us-west-2a", "us-west-2b", "us-west-2c"]);
    expect(before.every((c) => c.capacityType === "spot" && c.instanceType === "inf2.xlarge")).toBe(true);
    expect(before.reduce((sum, c) => sum + c.nodes, 0)).toBe(ready);
    // Another instance type is not asked for; a unit without zones stands in none.
    expect(await placement.nodeCells("any", ["trn1.2xlarge"])).toEqual([]);
    run(env, zonal, 1, 10);
    const after = await placement.nodeCells("any", ["inf2.xlarge"]);
    expect(after.find((c) => c.availabilityZone === "us-west-2b")).toBeUndefined();
  });

  it("falls back to on-demand for a unit whose NodePool allows it, after a Spot error, and bills those pods at the on-demand price", () => {
    const priced = {
      ...fallback,
      service: {
        ...fallback.service,
        units: fallback.service.units.map((u) =>
          u.name === "sd21-inf2" ? { ...u, onDemandHourlyPrice: 1.5 } : u,
        ),
      },
    };
    const env = new EnvironmentModel(priced, plannedStart(priced, "cost"));
    run(env, priced, 11);
    const pods = podsOf(env, "sd21-inf2");
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.every((p) => p.phase !== "pending" && p.offering?.capacityType === "on-demand")).toBe(true);
    expect(env.capacityErrors.filter((e) => e.capacityType === "spot").length).toBeGreaterThan(0);
    expect(env.capacityErrors.some((e) => e.capacityType === "on-demand")).toBe(false);
    const deployment = env.deployments.get("sd21-inf2");
    expect(deployment?.billedHourlyCost()).toBeCloseTo((deployment?.billed() ?? 0) * 1.5, 9);
  });
});

describe("Function: parseScenario — Spot windows and unit overrides", () => {
  it.each([
    [
      "a zone no unit of the type lists",
      "units: { sd21-inf2: { capacityType: spot } }\ncapacity:\n  - { instanceType: inf2.xlarge, zone: us-west-2a, from: 1h, to: 2h }\n",
      "capacity[0].zone",
      /us-west-2a: no unit on inf2\.xlarge lists this zone/,
    ],
    [
      "a warning for a window that takes no pods",
      "capacity:\n  - { instanceType: inf2.xlarge, from: 1h, to: 2h, warning: 2m }\n",
      "capacity[0].warning",
      /set podsLost: true, or drop warning/,
    ],
    [
      "a unit the config does not have",
      "units: { sd21-h100: { capacityType: spot } }\n",
      "units.sd21-h100",
      /names no unit of service sd21/,
    ],
  ])("refuses %s, naming the path and the fix", async (_case, body, path, message) => {
    const text = `${SCALE}name: x\nstart: 2024-11-14T00:00:00Z\nduration: 4h\ndemand: { shape: constant, rps: 100 }\n${body}`;
    const result = await parseScenario(text, "test/fixtures/scenarios/inline.yaml", readRepoText);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });
});

describe("Policy: switchyard on a Spot reclaim", () => {
  let reclaim: Scenario;
  let quiet: Scenario;
  beforeAll(async () => {
    const body = (warning: string) => `${SCALE}name: reclaim
start: 2024-11-14T00:00:00Z
duration: 50m
demand: { shape: constant, rps: 2500 }
units:
  sd21-inf2: { capacityType: spot }
capacity:
  - { instanceType: inf2.xlarge, from: 30m, to: 45m, podsLost: true${warning} }
`;
    reclaim = await inlineScenario(body(""));
    quiet = await inlineScenario(body(", warning: none"));
  });

  it("moves inf2's traffic onto the pods already standing on the warning, before its pods go: no request fails", async () => {
    const result = await runPolicy(reclaim, switchyardPolicyWith({ maxLossShare: 0 }));
    const lossAt = reclaim.start + 30 * MINUTE;
    const minutes = [...result.minutes];
    const before = minutes.find((m) => m.at === lossAt - MINUTE);
    expect(before?.units.find((u) => u.name === "sd21-inf2")?.weight).toBe(0);
    const failed = minutes.reduce((sum, m) => sum + m.failed, 0);
    expect(failed).toBe(0);
    expect(result.moves[0]).toMatchObject({ move: "reroute", decidedAt: lossAt - 2 * MINUTE });
  });

  it("without a warning, gives the empty target group weight 0 in the first evaluation that sees its pods gone", async () => {
    const result = await runPolicy(quiet, switchyardPolicyWith({ maxLossShare: 0 }));
    const lossAt = quiet.start + 30 * MINUTE;
    const reroute = result.moves.find((m) => m.decidedAt >= lossAt);
    // The evaluation of the loss's own minute, before any capacity error is read.
    expect(reroute).toMatchObject({ move: "reroute", decidedAt: lossAt });
    expect(reroute?.reasons.join(" ")).toMatch(
      /sd21-inf2 \(weight \d+\) has no ready pod: its target group answers its share with 503/,
    );
    const next = [...result.minutes].find((m) => m.at === lossAt + MINUTE);
    expect(next?.units.find((u) => u.name === "sd21-inf2")?.weight).toBe(0);
    // Nothing is sent to the empty target group any more: no 503s, no failure.
    expect(next?.failed).toBe(0);
  });
});
