import {
  applyRouting,
  applyScaling,
  checkReceivers,
  evaluate,
  planSwitch,
  RoutingNotAppliedError,
  RoutingRejectedError,
  rollback,
  SwitchInputError,
  type SwitchState,
  verifyRouting,
} from "@switchyard/controller";
import { describe, expect, it } from "vitest";
import { ACTION_KEY, type Harness, harness } from "../../support/controller-fixtures.ts";
import { capacityError, MINUTE, T0 } from "../../support/decision-fixtures.ts";
import { LaggingAlb } from "../../support/fake-ports.ts";

const EXECUTION_ARN =
  "arn:aws:states:us-west-2:123456789012:execution:switchyard-dev:sd21-failover-202611142120";

async function failoverInput(h: Harness): Promise<unknown> {
  await evaluate(
    h.config,
    { trigger: "cloudtrail", capacitySignals: [capacityError("inf2.xlarge", T0 - 30_000, 3)] },
    h,
  );
  return h.switches.started[0]?.input;
}

/** Plan → ScaleReceivers → one readiness check → ShiftTraffic, as the workflow runs them. */
async function throughShiftTraffic(h: Harness): Promise<SwitchState> {
  const plan = await planSwitch(await failoverInput(h), EXECUTION_ARN, h);
  let state: SwitchState = { plan };
  state = { ...state, scaling: await applyScaling(state, h) };
  h.clock.advance(30_000);
  state = { ...state, receivers: await checkReceivers(state, h) };
  state = { ...state, routing: await applyRouting(state, h) };
  return state;
}

describe("Mode-switch steps", () => {
  it("plan a failover: consolidated routing, capacity-mode KEDA targets, and what was there before", async () => {
    const h = harness();
    const plan = await planSwitch(await failoverInput(h), EXECUTION_ARN, h);
    expect(JSON.parse(plan.target.annotationValue)).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [{ serviceName: "sd21", servicePort: 80, weight: 100 }],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
    expect(plan.scaling).toContainEqual({
      unit: "sd21-inf2",
      scaledObject: "sd21-inf2",
      from: "100",
      to: "81.1",
    });
    expect(plan.before).toMatchObject({
      mode: "cost",
      annotationValue: h.cluster.ingress.annotations[ACTION_KEY],
    });
    expect(plan.receivers).not.toContain("sd21-inf2");
    expect(plan.receiversDeadline).toBe(new Date(T0 + 300_000).toISOString());
  });

  it("carry a failover through to the Ingress and ScaledObjects, and alert with before and after", async () => {
    const h = harness();
    const state = await throughShiftTraffic(h);
    const verified = await verifyRouting(state, { ...h, verifier: new LaggingAlb(0) });
    const annotations = h.cluster.ingress.annotations;
    expect(annotations["switchyard.io/mode"]).toBe("capacity");
    expect(annotations["switchyard.io/failover-cause"]).toBe("sd21-inf2");
    expect(annotations["switchyard.io/last-transition"]).toBe(new Date(T0 + 30_000).toISOString());
    expect(annotations["alb.ingress.kubernetes.io/scheme"]).toBe("internet-facing");
    expect(h.cluster.targets["sd21-inf2"]).toBe("81.1");
    expect(verified.alert.subject).toBe("Switchyard sd21: failover cost -> capacity");
    const message = verified.alert.message;
    expect(message).toContain("sd21 switched from cost to capacity mode (failover)");
    expect(message).toContain(
      "Why: sd21-inf2 (weight 40) cannot get inf2.xlarge capacity: 3 InsufficientInstanceCapacity",
    );
    expect(message).toContain(
      "before: sd21-inf2 40, sd21-trn1 20, sd21-a10g-triton 15, sd21-l4-triton 10, sd21-a10g-cuda 15",
    );
    expect(message).toContain("after:  sd21 100 (round-robin per pod)");
    expect(message).toMatch(/sd21-inf2\s+100 -> 81\.1/);
    expect(message).toContain(
      `https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/${EXECUTION_ARN}`,
    );
  });

  it("report receivers not ready while pods start, and the deadline after which traffic moves anyway", async () => {
    const h = harness();
    const plan = await planSwitch(await failoverInput(h), EXECUTION_ARN, h);
    const receiver = plan.receivers[0] as string;
    h.cluster.units[receiver] = {
      desiredReplicas: 3,
      readyReplicas: 2,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const early = await checkReceivers({ plan }, h);
    expect(early).toMatchObject({ ready: false, timedOut: false });
    h.clock.advance(301_000);
    expect(await checkReceivers({ plan }, h)).toMatchObject({ ready: false, timedOut: true });
  });

  it("fail verification while the ALB lags, and at once on a FailedBuildModel event newer than the patch", async () => {
    const h = harness();
    const state = await throughShiftTraffic(h);
    await expect(
      verifyRouting(state, { ...h, verifier: new LaggingAlb(Number.POSITIVE_INFINITY) }),
    ).rejects.toThrow(RoutingNotAppliedError);
    h.cluster.events.push({
      reason: "FailedBuildModel",
      message: "Failed build model due to unexpected end of JSON input",
      type: "Warning",
      involvedObject: { kind: "Ingress", name: "sd21", namespace: "default" },
      at: T0 + 31_000,
      count: 1,
    });
    await expect(verifyRouting(state, { ...h, verifier: new LaggingAlb(0) })).rejects.toThrow(
      RoutingRejectedError,
    );
  });

  it("roll back exactly what changed: the annotations and targets come back, other annotations untouched", async () => {
    const h = harness();
    const beforeAnnotations = { ...h.cluster.ingress.annotations };
    const beforeTargets = { ...h.cluster.targets };
    const state = await throughShiftTraffic(h);
    const result = await rollback(
      {
        ...state,
        error: { Error: "RoutingNotAppliedError", Cause: '{"errorMessage":"weights never showed"}' },
      },
      h,
    );
    expect(h.cluster.ingress.annotations).toEqual(beforeAnnotations);
    expect(h.cluster.targets).toEqual(beforeTargets);
    expect(result.routingRestored).toBe(true);
    expect(result.scalingRestored.length).toBe(state.plan.scaling.length);
    expect(result.alert.subject).toBe("Switchyard sd21: failover FAILED, rolled back (cost stays)");
    expect(result.alert.message).toContain("Error: RoutingNotAppliedError: weights never showed");
  });

  it("roll back a ScaleReceivers that failed part-way without touching what it never changed", async () => {
    const h = harness();
    const plan = await planSwitch(await failoverInput(h), EXECUTION_ARN, h);
    const third = plan.scaling[2]?.unit as string;
    h.cluster.failScalingFor = third;
    await expect(applyScaling({ plan }, h)).rejects.toThrow(/injected failure/);
    h.cluster.failScalingFor = null;
    const result = await rollback({ plan, error: { Error: "Error", Cause: "injected" } }, h);
    expect(result.routingRestored).toBe(false);
    expect(result.scalingRestored.map((c) => c.unit)).toEqual(plan.scaling.slice(0, 2).map((s) => s.unit));
    expect(h.cluster.calls.filter((c) => c === "patchRouting")).toHaveLength(1);
  });

  it("leave an annotation someone changed since the switch, and say so", async () => {
    const h = harness();
    const state = await throughShiftTraffic(h);
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: {
        ...h.cluster.ingress.annotations,
        [ACTION_KEY]:
          '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-trn1","servicePort":80,"weight":100}]}}',
      },
    };
    const result = await rollback({ ...state, error: { Error: "X", Cause: "y" } }, h);
    expect(result.routingRestored).toBe(false);
    expect(result.leftAlone[0]).toMatch(
      /annotation alb\.ingress\.kubernetes\.io\/actions\.weighted-routing \(not the value the switch wrote\)/,
    );
  });

  it("remove the failover cause on a fallback", async () => {
    const h = harness();
    await throughShiftTraffic(h);
    h.clock.advance(30 * MINUTE);
    await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, { ...h, metrics: h.metrics });
    const fallback = h.switches.started.find((s) => s.name.includes("fallback"));
    expect(fallback).toBeDefined();
    const plan = await planSwitch(fallback?.input, null, h);
    await applyRouting({ plan }, h);
    expect(h.cluster.ingress.annotations["switchyard.io/failover-cause"]).toBeUndefined();
    expect(h.cluster.ingress.annotations["switchyard.io/mode"]).toBe("cost");
  });

  it("refuse an input evaluate never writes, naming the field", async () => {
    const h = harness();
    await expect(planSwitch({ service: "sd21", move: "sideways" }, null, h)).rejects.toThrow(
      SwitchInputError,
    );
    await expect(planSwitch({ service: "sd21", move: "sideways" }, null, h)).rejects.toThrow(/move: /);
  });
});
