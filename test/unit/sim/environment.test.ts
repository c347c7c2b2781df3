import { planService } from "@switchyard/core";
import { standbyChanges } from "@switchyard/core/manifests";
import { beforeAll, describe, expect, it } from "vitest";
import { EnvironmentModel } from "../../../packages/sim/src/model/environment.ts";
import { TARGET_GROUP_WARMUP_MS } from "../../../packages/sim/src/model/load-balancer.ts";
import { plannedStart } from "../../../packages/sim/src/policies/initial-state.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { inlineScenario } from "../../support/scenarios.ts";

const MINUTE = 60_000;
let steady: Scenario;
let outage: Scenario;

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

beforeAll(async () => {
  steady = await inlineScenario(`name: steady
start: 2024-11-14T00:00:00Z
duration: 2h
demand: { shape: steps, steps: [{ from: 0s, rps: 100 }, { from: 10m, rps: 600 }] }
podStartup: { default: 6m }
`);
  outage = await inlineScenario(`name: outage
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 300 }
capacity:
  - { instanceType: inf2.xlarge, from: 5m, to: 20m, podsLost: true }
podStartup: { default: 6m }
`);
});

describe("Class: EnvironmentModel", () => {
  it("starts from the plan's pods, all ready, routed by the plan's weights", () => {
    const env = new EnvironmentModel(steady, plannedStart(steady, "cost"));
    const [first] = run(env, steady, 1);
    const plan = planService({ service: steady.service, mode: "cost", demandRps: 100 });
    expect(first?.units.map((u) => u.readyPods)).toEqual(plan.units.map((u) => u.pods));
    expect(first?.mode).toBe("cost");
    expect(first?.units.reduce((sum, u) => sum + u.rps, 0)).toBeCloseTo(100, 6);
  });

  it("scales with KEDA after a demand jump, and new pods serve only after their start-up time", () => {
    const env = new EnvironmentModel(steady, plannedStart(steady, "cost"));
    const steps = run(env, steady, 30);
    const inf2 = steps.map((s) => s.units[0]);
    // 600 RPS from minute 10: KEDA asks for more pods at the end of minute 10; they start then.
    expect(inf2[10]?.replicas).toBe(1);
    expect(inf2[11]?.replicas).toBeGreaterThan(1);
    expect(inf2[11]?.billedPods).toBe(inf2[11]?.replicas);
    // Ready 6 minutes after launch (end of minute 10 + 6 min = minute 17).
    expect(inf2[16]?.readyPods).toBe(1);
    expect(inf2[17]?.readyPods).toBe(inf2[11]?.replicas);
    // Meanwhile the one pod is past its breaking point: latency far above the measured 670 ms.
    expect(inf2[12]?.p95Ms ?? 0).toBeGreaterThan(1000);
    expect(inf2[20]?.p95Ms ?? Infinity).toBeLessThan(700);
  });

  it("loses running pods when a window opens, starts none inside it, reports a capacity error per offering-cache period, and recovers after it", () => {
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    const steps = run(env, outage, 45);
    const inf2 = steps.map((s) => s.units.find((u) => u.name === "sd21-inf2"));
    expect(inf2[4]?.readyPods).toBeGreaterThan(0);
    expect(inf2[5]?.readyPods).toBe(0);
    expect(inf2[5]?.pendingPods).toBeGreaterThan(0);
    expect(inf2[19]?.billedPods).toBe(0);
    // Errors every 3 minutes (Karpenter's failed-offering cache) from 00:05 while pods wait.
    expect(env.capacityErrors.map((e) => (e.at - outage.start) / MINUTE)).toEqual([5, 8, 11, 14, 17]);
    expect(env.capacityErrors[0]).toMatchObject({
      instanceType: "inf2.xlarge",
      code: "InsufficientInstanceCapacity",
    });
    // Capacity is back at 00:20; the cache lets Karpenter try again at 00:20, the pod is ready 6 minutes later.
    expect(inf2[20]?.billedPods).toBeGreaterThan(0);
    expect(inf2[25]?.readyPods).toBe(0);
    expect(inf2[26]?.readyPods).toBeGreaterThan(0);
    // With its weight still on inf2 and no pod behind it, its share gets ELB 503s.
    expect(steps[6]?.elbFailed ?? 0).toBeGreaterThan(0);
  });

  it("bills each pod per minute at its unit's hourly price, from node launch, pending pods free", () => {
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    const steps = run(env, outage, 10);
    for (const step of steps) {
      const expected = step.units.reduce(
        (sum, u) =>
          sum + (u.billedPods * (outage.service.units.find((x) => x.name === u.name)?.hourlyPrice ?? 0)) / 60,
        0,
      );
      expect(step.costUsd).toBeCloseTo(expected, 9);
    }
    expect(steps[0]?.hourlyCost).toBeCloseTo(0.7582 + 1.3438 + 1.006 + 0.8048 + 1.006, 9);
    expect(steps[6]?.hourlyCost).toBeCloseTo(1.3438 + 1.006 + 0.8048 + 1.006, 9);
  });

  it("publishes CloudWatch-like minutes: nothing before the delay, no datapoint without traffic, health only for groups in the rule", () => {
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    run(env, outage, 10);
    const minute = outage.start + 2 * MINUTE;
    expect(env.metrics.unitMinute("sd21-trn1", minute, minute + MINUTE + 30_000, "p95").latencyMs).toBeNull();
    const published = env.metrics.unitMinute("sd21-trn1", minute, minute + 2 * MINUTE, "p95");
    expect(published.requests).toBeGreaterThan(0);
    expect(published.latencyMs).not.toBeNull();
    expect(published.healthyHosts).toBe(1);
    // inf2 lost its pods at 00:05: no requests reach it, so no latency, but the ALB still reports 0 healthy hosts.
    const lost = env.metrics.unitMinute(
      "sd21-inf2",
      outage.start + 6 * MINUTE,
      outage.start + 10 * MINUTE,
      "p95",
    );
    expect(lost).toMatchObject({ requests: 0, count5xx: 0, latencyMs: null, healthyHosts: 0 });
    expect(env.metrics.elb5xx(outage.start + 6 * MINUTE, outage.start + 10 * MINUTE)).toBeGreaterThan(0);
    // The consolidated Service is in no rule in cost mode: no datapoint at all.
    expect(env.metrics.unitMinute("sd21", minute, minute + 5 * MINUTE, "p95").healthyHosts).toBeNull();
  });

  it("lets the ALB follow an Ingress change only after the controller's lag", () => {
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    const capacity = plannedStart(outage, "capacity");
    env.beginStep(outage.start);
    env.ingress.mergePatch({ metadata: { annotations: capacity.annotations } }, outage.start + 50_000);
    env.ingressChanged();
    // Patched at 00:00:50; the rule follows 15 s later, so from the step at 00:02 on.
    env.beginStep(outage.start + MINUTE);
    expect(env.alb.rule.mode).toBe("cost");
    env.beginStep(outage.start + 2 * MINUTE);
    expect(env.alb.rule.mode).toBe("capacity");
    expect([...env.alb.rule.weights]).toEqual([["sd21", 100]]);
    expect(env.alb.rule.appliedAt).toBe(outage.start + 2 * MINUTE);
    expect(env.alb.events.at(-1)?.reason).toBe("SuccessfullyReconciled");
  });

  it("makes a target group when the routing first names its Service, and answers its requests with 503 until it is warm", () => {
    // Prepare: cost mode names only the units' Services; the consolidated one has no group.
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    expect(env.alb.targetGroups.has("sd21")).toBe(false);
    env.beginStep(outage.start);
    env.ingress.mergePatch(
      { metadata: { annotations: plannedStart(outage, "capacity").annotations } },
      outage.start + 10_000,
    );
    env.ingressChanged();

    // Act: the rule follows at the step of 00:01; the new group's targets register and
    // pass their checks TARGET_GROUP_WARMUP_MS (35 s) later, in the middle of that step.
    const [moved, next] = run(env, outage, 2, 1);

    // Assess
    expect(env.alb.targetGroups.get("sd21")).toBe(outage.start + MINUTE);
    expect(TARGET_GROUP_WARMUP_MS).toBe(35_000);
    expect(moved?.elbFailed).toBeCloseTo(300 * 60 * (35 / 60), 6);
    expect(next?.elbFailed).toBe(0);
    // The units' groups are deleted once no rule names them.
    expect([...env.alb.targetGroups.keys()]).toEqual(["sd21"]);
  });

  it("keeps a group warm that a standby rule names, so moving traffic to it fails nothing", () => {
    // Prepare: the standby rule names the consolidated Service from the start of the run.
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    const standby = standbyChanges(env.ingress.read(), outage.service);
    env.ingress.mergePatch(
      { metadata: { annotations: standby.annotations }, addRules: standby.rules },
      outage.start,
    );
    env.ingressChanged();
    run(env, outage, 2);
    env.ingress.mergePatch(
      { metadata: { annotations: plannedStart(outage, "capacity").annotations } },
      outage.start + 2 * MINUTE,
    );
    env.ingressChanged();

    // Act
    const steps = run(env, outage, 2, 3);

    // Assess
    expect(steps.map((s) => s.elbFailed)).toEqual([0, 0]);
    expect(steps.at(-1)?.mode).toBe("capacity");
    expect([...env.alb.targetGroups.keys()].sort()).toEqual(
      ["sd21", ...outage.service.units.map((u) => u.service.name)].sort(),
    );
  });

  it("keeps the last good rule and records FailedBuildModel when the annotation cannot be read", () => {
    const env = new EnvironmentModel(outage, plannedStart(outage, "cost"));
    const before = env.alb.rule.weights;
    env.ingress.mergePatch(
      { metadata: { annotations: { "alb.ingress.kubernetes.io/actions.weighted-routing": "{not json" } } },
      outage.start,
    );
    env.ingressChanged();
    env.beginStep(outage.start + MINUTE);
    expect(env.alb.rule.weights).toBe(before);
    expect(env.alb.events.at(-1)?.reason).toBe("FailedBuildModel");
  });
});

describe("Class: EnvironmentModel — several pods per instance, and the ScaledObject's floor", () => {
  it("bills whole instances: four inf2-bs8-tp8 pods, three to an inf2.48xlarge, are two instances", async () => {
    const llm = await inlineScenario(`name: llm
config: ../../../examples/llama31-8b/switchyard.yaml
start: 2025-05-20T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 100 }
`);
    const env = new EnvironmentModel(llm, {
      ...plannedStart(llm, "cost"),
      pods: { "llama-inf2": 4, "llama-g5": 1 },
    });
    const [first] = run(env, llm, 1);
    const inf2 = first?.units.find((u) => u.name === "llama-inf2");
    expect(inf2?.billedPods).toBe(4);
    expect(inf2?.hourlyCost).toBeCloseTo(2 * 12.9813, 6);
  });

  it("keeps KEDA's replicas at or above the ScaledObject's minReplicaCount, which a forecast floor raises", () => {
    const env = new EnvironmentModel(steady, plannedStart(steady, "cost"));
    run(env, steady, 2);
    const inf2 = env.scaledObjects.get("sd21-inf2");
    const object = inf2?.read().object;
    inf2?.jsonPatch([
      { op: "test", path: "/metadata/resourceVersion", value: object?.metadata?.resourceVersion },
      { op: "replace", path: "/spec/minReplicaCount", value: 5 },
    ]);
    // KEDA acts at the end of the step: the next one runs 5 replicas.
    const [during, after] = run(env, steady, 2, 2);
    expect(during?.units[0]?.minReplicas).toBe(5);
    expect(after?.units[0]?.replicas).toBe(5);
  });
});
