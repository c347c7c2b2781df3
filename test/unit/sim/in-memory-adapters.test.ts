import { notResumed, type TargetGroupWeight } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { beforeAll, describe, expect, it } from "vitest";
import { compareRouting } from "../../../packages/adapters/src/aws/elb-routing-comparison.ts";
import { InMemoryClusterGateway } from "../../../packages/sim/src/adapters/in-memory-cluster-gateway.ts";
import { InMemoryDemandHistoryReader } from "../../../packages/sim/src/adapters/in-memory-history.ts";
import { InMemoryRoutingVerifier } from "../../../packages/sim/src/adapters/in-memory-load-balancer.ts";
import {
  InMemoryCapacityRecorder,
  InMemoryMetricsReader,
} from "../../../packages/sim/src/adapters/in-memory-metrics.ts";
import { SimClock } from "../../../packages/sim/src/adapters/sim-clock.ts";
import { targetGroupsOf } from "../../../packages/sim/src/adapters/target-group-directory.ts";
import { AlbMetrics } from "../../../packages/sim/src/model/alb-metrics.ts";
import { EnvironmentModel } from "../../../packages/sim/src/model/environment.ts";
import { LatencyModel } from "../../../packages/sim/src/model/latency-model.ts";
import { plannedStart } from "../../../packages/sim/src/policies/initial-state.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { inlineScenario } from "../../support/scenarios.ts";

const MINUTE = 60_000;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await inlineScenario(`name: adapters
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 300 }
capacity:
  - { instanceType: inf2.xlarge, from: 2m, to: 30m, podsLost: true }
`);
});

function world() {
  const clock = new SimClock(scenario.start);
  const env = new EnvironmentModel(scenario, plannedStart(scenario, "cost"));
  return { clock, env, cluster: new InMemoryClusterGateway(env, clock) };
}

function advance(env: EnvironmentModel, clock: SimClock, minutes: number): void {
  for (let i = 0; i < minutes; i += 1) {
    const at = clock.now();
    env.beginStep(at);
    env.serveStep(at);
    env.autoscale(at + MINUTE);
    clock.set(at + MINUTE);
  }
}

describe("Class: InMemoryClusterGateway", () => {
  it("merge-patches only the named annotations and retries with a fresh read on a 409", async () => {
    const { clock, env, cluster } = world();
    let builds = 0;
    const change = await cluster.patchRouting(scenario.service, (current) => {
      builds += 1;
      if (builds === 1) {
        // Someone else edits the Ingress between our read and our patch.
        env.ingress.mergePatch({ metadata: { annotations: { "team/owner": "ml-platform" } } }, clock.now());
      }
      return {
        metadata: {
          resourceVersion: current.resourceVersion,
          annotations: { [SWITCHYARD_ANNOTATIONS.mode]: "capacity" },
        },
      };
    });
    expect(builds).toBe(2);
    expect(change.changed).toBe(true);
    expect(change.after.annotations).toMatchObject({
      "team/owner": "ml-platform",
      [SWITCHYARD_ANNOTATIONS.mode]: "capacity",
    });
    expect(Number(change.after.resourceVersion)).toBe(Number(change.before.resourceVersion) + 1);
  });

  it("sets a KEDA target with a guarded JSON patch and reports no change when it already holds the value", async () => {
    const { cluster } = world();
    const first = await cluster.setScalingTarget(scenario.service, "sd21-inf2", () => "81.1");
    expect(first).toEqual({
      unit: "sd21-inf2",
      scaledObject: "sd21-inf2",
      from: "95.5",
      to: "81.1",
      changed: true,
    });
    const again = await cluster.setScalingTarget(scenario.service, "sd21-inf2", () => "81.1");
    expect(again.changed).toBe(false);
    expect((await cluster.readScaledObjects(scenario.service))["sd21-inf2"]?.target).toBe("81.1");
  });

  it("reports a held unit Paused without its HPA, and KEDA's again once the hold is lifted, as KEDA reconciles", async () => {
    const { cluster } = world();
    const service = scenario.service;
    expect(notResumed(await cluster.autoscalingOf(service, "sd21-trn1"))).toEqual([]);
    await cluster.holdReplicas(service, "sd21-trn1", 3, "sd21-failover-x");
    expect(await cluster.autoscalingOf(service, "sd21-trn1")).toEqual({
      unit: "sd21-trn1",
      scaledObject: "sd21-trn1",
      pausedReplicas: "3",
      pausedBy: [],
      pausedCondition: "True",
      hpaName: "keda-hpa-sd21-trn1",
      hpaFound: false,
    });
    await cluster.holdReplicas(service, "sd21-trn1", null, "sd21-failover-x");
    expect(notResumed(await cluster.autoscalingOf(service, "sd21-trn1"))).toEqual([]);
  });

  it("finds the KEDA target in the trigger of the configured type", async () => {
    const { cluster } = world();
    const objects = await cluster.readScaledObjects(scenario.service);
    expect(objects["sd21-inf2"]?.object.spec?.triggers?.map((t) => t.type)).toEqual(["aws-cloudwatch"]);
    expect(objects["sd21-inf2"]?.target).toBe("95.5");
  });

  it("reports pods that cannot get a node as unschedulable since their creation, and Karpenter's errors as capacity signals", async () => {
    const { clock, env, cluster } = world();
    advance(env, clock, 4);
    const state = await cluster.readService(scenario.service);
    expect(state.units["sd21-inf2"]).toMatchObject({
      desiredReplicas: 1,
      readyReplicas: 0,
      deploymentFound: true,
    });
    expect(state.units["sd21-inf2"]?.unschedulablePods[0]?.since).toBe(scenario.start + 2 * MINUTE);
    const signals = await cluster.capacityEvents(scenario.start);
    expect(signals).toEqual([
      expect.objectContaining({
        instanceType: "inf2.xlarge",
        at: scenario.start + 2 * MINUTE,
        source: "karpenter-event",
        count: 1,
      }),
    ]);
    expect(await cluster.capacityEvents(scenario.start + 3 * MINUTE)).toEqual([]);
  });
});

describe("Class: InMemoryMetricsReader", () => {
  it("returns every whole minute of the window per unit's target group, and recorded capacity errors per type and minute", async () => {
    const { clock, env } = world();
    const recorder = new InMemoryCapacityRecorder();
    const reader = new InMemoryMetricsReader(env, clock, recorder);
    advance(env, clock, 6);
    await recorder.record([
      {
        instanceType: "inf2.xlarge",
        at: scenario.start + 2 * MINUTE + 5000,
        source: "cloudtrail-create-fleet",
        code: "InsufficientInstanceCapacity",
        count: 1,
      },
      {
        instanceType: "inf2.xlarge",
        at: scenario.start + 2 * MINUTE + 9000,
        source: "cloudtrail-create-fleet",
        code: "InsufficientInstanceCapacity",
        count: 2,
      },
      {
        instanceType: "g5.xlarge",
        at: scenario.start + 2 * MINUTE,
        source: "cloudtrail-create-fleet",
        code: "InsufficientInstanceCapacity",
        count: 1,
      },
    ]);
    const lb = targetGroupsOf(scenario.service);
    const snapshot = await reader.read({
      services: [
        {
          service: "sd21",
          loadBalancer: lb.loadBalancerDimension,
          targetGroups: {
            "sd21-trn1": lb.targetGroups["sd21-trn1"]?.dimension ?? null,
            "sd21-inf2": lb.targetGroups["sd21-inf2"]?.dimension ?? null,
            missing: null,
          },
          consolidatedTargetGroup: lb.targetGroups.sd21?.dimension ?? null,
          latencyStatistic: "p95",
        },
      ],
      instanceTypes: ["inf2.xlarge"],
      start: scenario.start,
      end: scenario.start + 4 * MINUTE + 30_000,
    });
    const units = snapshot.services.sd21?.units ?? {};
    expect(units["sd21-trn1"]?.map((m) => (m.at - scenario.start) / MINUTE)).toEqual([0, 1, 2, 3]);
    expect(units["sd21-trn1"]?.every((m) => m.requests > 0 && m.latencyMs !== null)).toBe(true);
    // Like the deployed reader, healthy hosts are not read (the cluster tells unready units).
    expect(units["sd21-inf2"]?.[3]).toMatchObject({ requests: 0, latencyMs: null, healthyHosts: null });
    expect(units.missing?.every((m) => m.requests === 0 && m.healthyHosts === null)).toBe(true);
    expect(snapshot.capacityErrors).toEqual([
      expect.objectContaining({
        instanceType: "inf2.xlarge",
        at: scenario.start + 2 * MINUTE,
        count: 3,
        source: "recorded-metric",
      }),
    ]);
  });
});

describe("Class: InMemoryRoutingVerifier", () => {
  it.each([
    { rule: { "sd21-trn1": 1 }, name: "a lone target group that is not the planned carrier" },
    { rule: { "sd21-inf2": 7 }, name: "a lone target group that is the planned carrier, at any weight" },
    { rule: { "sd21-inf2": 60, "sd21-trn1": 40 }, name: "a second target group still carrying traffic" },
  ])("judges $name as the ALB verifier judges the same rule", async ({ rule }) => {
    // Prepare
    const { clock, env } = world();
    const service = scenario.service;
    env.alb.setNow(new Map(Object.entries(rule)), "cost", clock.now());
    const expected: TargetGroupWeight[] = [
      { serviceName: "sd21-inf2", weight: 100, servicePort: 80 },
      { serviceName: "sd21-trn1", weight: 0, servicePort: 80 },
    ];
    const location = targetGroupsOf(service);
    const albRule = {
      ruleArn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener-rule/app/x/1/2/3",
      listenerArn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/x/1/2",
      priority: "1",
      targets: Object.entries(rule).map(([name, weight]) => ({
        arn: location.targetGroups[name]?.arn ?? name,
        weight,
      })),
    };

    // Act
    const simulated = await new InMemoryRoutingVerifier(env).verify(service, expected);
    const alb = compareRouting(location, [albRule], expected).check;

    // Assess
    expect(simulated.applied).toBe(alb.applied);
    expect(simulated.differences).toEqual(alb.differences);
  });
});

describe("Class: AlbMetrics", () => {
  const DAY = 24 * 60 * MINUTE;

  it("keeps one-minute datapoints for CloudWatch's 15 days, then reports the minute as having none", () => {
    const metrics = new AlbMetrics(new LatencyModel(scenario.latency), 0);
    const t0 = scenario.start;
    metrics.recordRequests(t0, "tg", 6000, 60, 700);
    metrics.recordElb5xx(t0, 12);

    expect(metrics.unitMinute("tg", t0, t0 + 15 * DAY - MINUTE, "p95")).toMatchObject({
      requests: 6000,
      count5xx: 60,
    });
    expect(metrics.elb5xx(t0, t0 + 15 * DAY - MINUTE)).toBe(12);
    // A datapoint recorded 15 days later: the first minute is past retention.
    metrics.recordRequests(t0 + 15 * DAY, "tg", 6000, 0, 700);
    metrics.recordElb5xx(t0 + 15 * DAY, 1);
    expect(metrics.unitMinute("tg", t0, t0 + 15 * DAY + MINUTE, "p95")).toMatchObject({
      requests: 0,
      latencyMs: null,
    });
    expect(metrics.elb5xx(t0, t0 + 15 * DAY + MINUTE)).toBe(0);
  });

  it("solves a minute's latency again when more of its requests are recorded", () => {
    const metrics = new AlbMetrics(new LatencyModel(scenario.latency), 0);
    const t0 = scenario.start;
    metrics.recordRequests(t0, "tg", 3000, 0, 600);
    const first = metrics.unitMinute("tg", t0, t0 + MINUTE, "p95").latencyMs;
    const firstRead = metrics.readerMinute("tg", t0, t0 + MINUTE, "p95");
    metrics.recordRequests(t0 + 30_000, "tg", 3000, 0, 1200);

    const second = metrics.unitMinute("tg", t0, t0 + MINUTE, "p95").latencyMs;
    const secondRead = metrics.readerMinute("tg", t0, t0 + MINUTE, "p95");

    expect(first).toBeCloseTo(600, 3);
    expect(second).toBeGreaterThan(1000);
    expect(firstRead).toMatchObject({ requests: 3000, latencyAvgMs: null, healthyHosts: null });
    expect(secondRead).toMatchObject({
      requests: 6000,
      latencyMs: second,
      latencyAvgMs: null,
      healthyHosts: null,
    });
    // A published minute read again is the same answer, not solved again.
    expect(metrics.readerMinute("tg", t0, t0 + 2 * MINUTE, "p95")).toBe(secondRead);
  });
});

describe("Class: InMemoryDemandHistoryReader", () => {
  /** A 14-day read at 5-minute periods ending `lagMinutes` before now, as evaluate asks for it. */
  function request(env: EnvironmentModel, now: number) {
    const period = 5 * MINUTE;
    const end = Math.floor((now - 3 * MINUTE) / period) * period;
    const directory = targetGroupsOf(env.service);
    return {
      services: [
        {
          service: env.service.name,
          loadBalancer: directory.loadBalancerDimension,
          targetGroups: Object.fromEntries(
            env.service.units.map((u) => [u.name, directory.targetGroups[u.service.name]?.dimension ?? null]),
          ),
          consolidatedTargetGroup:
            env.service.consolidatedService === undefined
              ? null
              : (directory.targetGroups[env.service.consolidatedService.name]?.dimension ?? null),
          latencyStatistic: "p95",
        },
      ],
      start: end - 14 * 24 * 12 * period,
      end,
      periodSeconds: 300,
    };
  }

  it("reads the run's periods as the requests/s the ALB counted, the periods before the run as none, the same each minute of a period", async () => {
    const { clock, env } = world();
    const reader = new InMemoryDemandHistoryReader(env, clock);
    advance(env, clock, 7);
    // At 00:07 the window ends at 00:00: the whole 14 days are before the run.
    const before = (await reader.read(request(env, clock.now())))[env.service.name];
    expect(before?.rps.every((rps) => rps === null)).toBe(true);

    advance(env, clock, 20);
    const at27 = (await reader.read(request(env, clock.now())))[env.service.name];
    // 00:27: the window ends at 00:20, its last four periods are the run's first 20 minutes:
    // each the RequestCount of its five minutes over every target group, per second.
    const run = at27?.rps.slice(-4) ?? [];
    const groups = Object.keys(targetGroupsOf(env.service).targetGroups);
    const counted = [0, 1, 2, 3].map((p) => {
      let requests = 0;
      for (let m = 0; m < 5; m += 1) {
        for (const group of groups) {
          requests += env.metrics.unitMinute(
            group,
            scenario.start + (p * 5 + m) * MINUTE,
            clock.now(),
            "p95",
          ).requests;
        }
      }
      return requests / 300;
    });
    // (Equal but for GetMetricData's per-minute rounding: at most half a request a minute and group.)
    run.forEach((rps, p) => {
      expect(Math.abs((rps ?? 0) - (counted[p] ?? 0)) * 300).toBeLessThanOrEqual(5 * groups.length * 0.5);
    });
    expect(Math.min(...counted)).toBeGreaterThan(0);
    expect(at27?.rps.slice(0, -4).every((rps) => rps === null)).toBe(true);

    advance(env, clock, 1);
    // 00:28 reads the same window (ending at 00:25 from 00:28): one more period, the earlier ones as read before.
    const at28 = (await reader.read(request(env, clock.now())))[env.service.name];
    expect(at28?.start).toBe((at27?.start ?? 0) + 5 * MINUTE);
    expect(at28?.rps.slice(-5, -1)).toEqual(run);
    advance(env, clock, 1);
    // 00:29, the same window again: the same history, not read again.
    const at29 = (await reader.read(request(env, clock.now())))[env.service.name];
    expect(at29).toBe(at28);
  });
});
