import { evaluate, type SwitchInput } from "@switchyard/controller";
import { type InferenceService, planService, type SwitchyardConfig } from "@switchyard/core";
import { renderForwardAction } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import { LoadBalancerNotFoundError } from "../../../packages/adapters/src/errors.ts";
import { EvaluationError } from "../../../packages/controller/src/errors.ts";
import { ACTION_KEY, calmSnapshot, harness, losePods } from "../../support/controller-fixtures.ts";
import { CALM_RPS, capacityError, MINUTE, T0 } from "../../support/decision-fixtures.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const schedule = { trigger: "schedule" as const, capacitySignals: [] };

describe("Function: evaluate", () => {
  it("stays in cost mode under calm signals when the weights are cost-optimal, and starts nothing", async () => {
    const h = harness();
    const service = h.config.services[0] as InferenceService;
    const plan = planService({ service, mode: "cost", demandRps: CALM_RPS });
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: { ...h.cluster.ingress.annotations, [ACTION_KEY]: renderForwardAction(plan.routing) },
    };
    const report = await evaluate(h.config, schedule, h);
    expect(report.services[0]?.decision.kind).toBe("stay");
    expect(h.switches.started).toEqual([]);
  });

  it("rebalances the seed's hand weights when they make KEDA run pods above the floor that the cost-optimal weights do not", async () => {
    const h = harness();
    // 400 RPS: the hand weights (40/20/15/10/15) send inf2 and a10g-cuda more than one pod
    // serves, while the cost-optimal plan still fits in the minReplicaCount pods.
    h.metrics.snapshot = calmSnapshot(80);
    const report = await evaluate(h.config, schedule, h);
    expect(report.services[0]?.decision.kind).toBe("rebalance");
    expect(h.switches.started.map((s) => s.name)).toEqual(["sd21-rebalance-202611142120"]);
  });

  it("fails over on a CreateFleet capacity error for inf2: records it and starts one execution with the evidence", async () => {
    const h = harness(sd21FailoverConfig());
    const signal = capacityError("inf2.xlarge", T0 - 30_000, 2);
    const report = await evaluate(h.config, { trigger: "cloudtrail", capacitySignals: [signal] }, h);
    expect(h.recorder.recorded).toEqual([signal]);
    expect(h.switches.started).toHaveLength(1);
    const started = h.switches.started[0];
    expect(started?.name).toBe("sd21-failover-202611142120");
    const input = started?.input as SwitchInput;
    expect(input).toMatchObject({
      service: "sd21",
      move: "failover",
      from: "cost",
      to: "capacity",
      causes: ["sd21-inf2"],
    });
    expect(input.evidence).toContainEqual(
      expect.objectContaining({
        rule: "capacity-errors",
        unit: "sd21-inf2",
        instanceType: "inf2.xlarge",
        observed: 2,
        breached: true,
      }),
    );
    expect(input.triggerSignals).toEqual([signal]);
    expect(report.services[0]?.execution?.started).toBe(true);
  });

  it("starts none on a second evaluation in the same minute", async () => {
    const h = harness(sd21FailoverConfig());
    const signal = capacityError("inf2.xlarge", T0 - 30_000);
    await evaluate(h.config, { trigger: "cloudtrail", capacitySignals: [signal] }, h);
    h.switches.records.push({
      name: "sd21-failover-202611142120",
      move: "failover",
      startedAt: T0,
      status: "RUNNING",
    });
    // The next evaluation reads the recorded signal back with the metrics.
    h.metrics.snapshot = { ...h.metrics.snapshot, capacityErrors: [signal] };
    h.clock.advance(20_000);
    const again = await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    expect(h.switches.started).toHaveLength(1);
    expect(again.services[0]?.skippedForRunning).toBe("sd21-failover-202611142120");
  });

  it("resolves a Spot interruption warning to its instance type and counts it as a capacity signal", async () => {
    const h = harness(sd21FailoverConfig());
    await evaluate(
      h.config,
      {
        trigger: "spot-interruption",
        capacitySignals: [],
        spotInterruption: {
          instanceId: "i-0b22a22eec53b9321",
          at: T0 - 10_000,
          action: "terminate",
          availabilityZone: "us-west-2b",
        },
      },
      h,
    );
    expect(h.recorder.recorded).toEqual([
      expect.objectContaining({
        instanceType: "inf2.xlarge",
        source: "spot-interruption",
        code: "SpotInterruption",
        availabilityZone: "us-west-2b",
      }),
    ]);
    expect(h.switches.started[0]?.name).toBe("sd21-failover-202611142120");
  });

  it("reads where a zoned Spot unit's nodes stand and takes a warned zone's cell from them; without them, an even spread", async () => {
    const zoned = (): SwitchyardConfig => {
      const config = sd21FailoverConfig();
      return {
        ...config,
        services: config.services.map((s) => ({
          ...s,
          units: s.units.map((u) =>
            u.name === "sd21-inf2"
              ? { ...u, capacityTypes: ["spot" as const], zones: ["us-west-2a", "us-west-2b", "us-west-2c"] }
              : u,
          ),
        })),
      };
    };
    const warning = {
      trigger: "spot-interruption" as const,
      capacitySignals: [],
      spotInterruption: {
        instanceId: "i-0b22a22eec53b9321",
        at: T0 - 10_000,
        action: "terminate",
        availabilityZone: "us-west-2b",
      },
    };
    // Both inf2 pods stand in us-west-2b: the warning takes both.
    const asked: [string, readonly string[]][] = [];
    const h = harness(zoned());
    const placement = {
      nodeCells: async (cluster: string, types: readonly string[]) => {
        asked.push([cluster, types]);
        return [
          {
            instanceType: "inf2.xlarge",
            availabilityZone: "us-west-2b",
            capacityType: "spot" as const,
            nodes: 2,
          },
        ];
      },
    };
    await evaluate(h.config, warning, { ...h, placement });
    expect(asked).toEqual([[h.config.cluster.name, ["inf2.xlarge"]]]);
    const input = h.switches.started[0]?.input as SwitchInput;
    expect(input.conditions["sd21-inf2"]).toMatchObject({
      reclaimingPods: 2,
      placedPods: { "us-west-2b": 2 },
    });

    // A failed read is logged and the evaluation goes on with an even spread: one of two.
    const blind = harness(zoned());
    const failing = { nodeCells: async () => Promise.reject(new Error("UnauthorizedOperation")) };
    await evaluate(blind.config, warning, { ...blind, placement: failing });
    const spread = blind.switches.started[0]?.input as SwitchInput;
    expect(spread.conditions["sd21-inf2"]).toMatchObject({ reclaimingPods: 1 });
    expect(spread.conditions["sd21-inf2"]?.placedPods).toBeUndefined();

    // A service without zoned Spot units never asks.
    const plain = harness();
    await evaluate(plain.config, schedule, { ...plain, placement });
    expect(asked).toHaveLength(1);
  });

  it("reads every service's metrics in one call ending two minutes before now, and the cluster within budget", async () => {
    const h = harness();
    await evaluate(h.config, schedule, h);
    expect(h.metrics.requests).toHaveLength(1);
    const request = h.metrics.requests[0];
    expect(request?.end).toBe(T0 - 2 * MINUTE);
    expect(request?.services[0]?.targetGroups["sd21-inf2"]).toBe("targetgroup/sd21-inf2/0123");
    expect(request?.instanceTypes).toEqual(["g5.xlarge", "g6.xlarge", "inf2.xlarge", "trn1.2xlarge"]);
    expect(h.switches.historyCalls).toBe(1);
    expect(h.cluster.calls).toEqual(["capacityEvents", "readService", "readScaledObjects"]);
  });

  it("makes no decision and starts nothing when the metrics cannot be read", async () => {
    const h = harness();
    h.metrics.failure = new Error("ThrottlingException: Rate exceeded");
    await expect(
      evaluate(h.config, { trigger: "cloudtrail", capacitySignals: [capacityError("inf2.xlarge", T0)] }, h),
    ).rejects.toThrow("ThrottlingException");
    expect(h.switches.started).toEqual([]);
    expect(h.recorder.recorded).toHaveLength(1);
  });

  it("evaluates the other services when one has no load balancer, then throws naming it", async () => {
    const h = harness(sd21FailoverConfig());
    const second: InferenceService = {
      ...(h.config.services[0] as InferenceService),
      name: "sd15",
      ingress: "sd15",
    };
    const config = { ...h.config, services: [...h.config.services, second] };
    const locator = {
      locate: async (service: InferenceService) => {
        if (service.name === "sd15") {
          throw new LoadBalancerNotFoundError("no ALB tagged ingress.k8s.aws/stack=default/sd15");
        }
        return h.locator.locate(service);
      },
    };
    const signal = capacityError("inf2.xlarge", T0 - 30_000);
    const error = await evaluate(
      config,
      { trigger: "cloudtrail", capacitySignals: [signal] },
      { ...h, locator },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvaluationError);
    expect((error as Error).message).toMatch(/sd15: LoadBalancerNotFoundError: no ALB tagged/);
    expect(h.switches.started.map((s) => s.name)).toEqual(["sd21-failover-202611142120"]);
  });

  it("starts no move on an action that also routes to a Service the config does not name, and fails naming it", async () => {
    // Prepare: another team's canary at weight 10 beside the seed's five units, and a capacity error.
    const h = harness(sd21FailoverConfig());
    const seeded = JSON.parse(h.cluster.ingress.annotations[ACTION_KEY] ?? "{}");
    seeded.forwardConfig.targetGroups.push({ serviceName: "sd21-canary", servicePort: 80, weight: 10 });
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: { ...h.cluster.ingress.annotations, [ACTION_KEY]: JSON.stringify(seeded) },
    };
    const signal = capacityError("inf2.xlarge", T0 - 30_000);

    // Act
    const error = await evaluate(h.config, { trigger: "cloudtrail", capacitySignals: [signal] }, h).catch(
      (e: unknown) => e,
    );

    // Assess: evaluate's error (which the EvaluateErrors alarm watches) says what to do; nothing moved.
    expect(error).toBeInstanceOf(EvaluationError);
    expect((error as Error).message).toMatch(
      /sd21: ForeignRoutingError: .*also routes to Service sd21-canary.*which services\[sd21\] in the config does not name/,
    );
    expect(h.switches.started).toEqual([]);
    expect(h.cluster.ingress.annotations[ACTION_KEY]).toBe(JSON.stringify(seeded));
  });

  it("asks for the consolidated Service's target group, and decides on its minutes", async () => {
    const h = harness();
    await evaluate(h.config, schedule, h);
    expect(h.metrics.requests[0]?.services[0]?.consolidatedTargetGroup).toBe("targetgroup/sd21/0123");
  });
});

describe("Function: evaluate, a loss answered by routing around it in cost mode", () => {
  /** inf2 cannot get capacity and has lost its pods; the others can carry the calm 200 RPS in cost mode. */
  function inf2Lost() {
    const h = harness();
    losePods(h, "sd21-inf2");
    return h;
  }
  const LOSS_AT = T0 - 30_000;
  const lossEvent = {
    trigger: "cloudtrail" as const,
    capacitySignals: [capacityError("inf2.xlarge", LOSS_AT)],
  };

  it("supersedes a calm rebalance that started before the loss's first capacity signal", async () => {
    const h = inf2Lost();
    const calm = "sd21-rebalance-202611142110";
    h.switches.records.push({
      name: calm,
      move: "rebalance",
      startedAt: T0 - 10 * MINUTE,
      status: "RUNNING",
    });
    const report = await evaluate(h.config, lossEvent, h);
    const decision = report.services[0]?.decision;
    expect(decision).toMatchObject({ kind: "reroute", causes: ["sd21-inf2"], urgent: true });
    expect(report.services[0]?.skippedForRunning).toBeNull();
    expect(h.switches.started.map((s) => s.name)).toEqual(["sd21-reroute-202611142120"]);
    expect(h.switches.started[0]?.input).toMatchObject({
      move: "reroute",
      causes: ["sd21-inf2"],
      urgent: true,
    });
  });

  it("waits for a rebalance that started after the loss's first capacity signal: it already planned around it", async () => {
    const h = inf2Lost();
    const recent = "sd21-rebalance-202611142119";
    h.switches.records.push({
      name: recent,
      move: "rebalance",
      startedAt: LOSS_AT + 10_000,
      status: "RUNNING",
    });
    const report = await evaluate(h.config, lossEvent, h);
    expect(report.services[0]?.decision).toMatchObject({ kind: "reroute", causes: ["sd21-inf2"] });
    expect(report.services[0]?.skippedForRunning).toBe(recent);
    expect(h.switches.started).toEqual([]);
  });

  it("never supersedes a route-around started in the same loss, once the loss's first errors have left the window", async () => {
    // The capacity-error window slides: minutes into a long loss, a route-around started
    // early in it is older than every error still in the window. Read back from Step
    // Functions by its name, it is still a route-around, and is left to finish.
    const h = inf2Lost();
    const earlier = "sd21-reroute-202611142110";
    h.switches.records.push({
      name: earlier,
      move: "reroute",
      startedAt: T0 - 10 * MINUTE,
      status: "RUNNING",
    });
    const report = await evaluate(h.config, lossEvent, h);
    expect(report.services[0]?.decision).toMatchObject({ kind: "reroute", causes: ["sd21-inf2"] });
    expect(report.services[0]?.skippedForRunning).toBe(earlier);
    expect(h.switches.started).toEqual([]);
  });
});
