import {
  applyRouting,
  applyScaling,
  checkReceivers,
  evaluate,
  planSwitch,
  releaseHolds,
  rollback,
  verifyRouting,
} from "@switchyard/controller";
import { type InferenceService, planService } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import { switchAlert } from "../../../packages/controller/src/alerts.ts";
import {
  ReceiversNotReadyError,
  RoutingNotAppliedError,
  RoutingRejectedError,
  SwitchInputError,
  SwitchSupersededError,
} from "../../../packages/controller/src/errors.ts";
import type { SwitchState } from "../../../packages/controller/src/switch-state.ts";
import {
  ACTION_KEY,
  calmSnapshot,
  type Harness,
  harness,
  losePods,
} from "../../support/controller-fixtures.ts";
import { capacityError, MINUTE, T0 } from "../../support/decision-fixtures.ts";
import { LaggingAlb } from "../../support/fake-ports.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const EXECUTION_ARN =
  "arn:aws:states:us-west-2:123456789012:execution:switchyard-dev:sd21-failover-202611142120";

/** The switch input evaluate writes on a CreateFleet capacity error for inf2 (a failover under sd21FailoverConfig). */
async function capacityLossInput(h: Harness): Promise<unknown> {
  await evaluate(
    h.config,
    { trigger: "cloudtrail", capacitySignals: [capacityError("inf2.xlarge", T0 - 30_000, 3)] },
    h,
  );
  return h.switches.started[0]?.input;
}

/** Plan → ScaleReceivers → one readiness check → ShiftTraffic, as the workflow runs them. */
async function throughShiftTraffic(h: Harness): Promise<SwitchState> {
  const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
  let state: SwitchState = { plan };
  state = { ...state, scaling: await applyScaling(state, h) };
  h.clock.advance(30_000);
  state = { ...state, receivers: await checkReceivers(state, h) };
  state = { ...state, routing: await applyRouting(state, h) };
  return state;
}

describe("Mode-switch steps", () => {
  it("plan a failover: consolidated routing, capacity-mode KEDA targets, and what was there before", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    expect(JSON.parse(plan.target.annotationValue)).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [{ serviceName: "sd21", servicePort: 80, weight: 100 }],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
    // Round-robin gives every pod the same load, so every unit gets the same KEDA target:
    // the slowest SLO-serving rate (l4 at 61 × 900/960 = 57.19 RPS) over the 10 % headroom.
    expect(plan.scaling).toContainEqual({
      unit: "sd21-inf2",
      scaledObject: "sd21-inf2",
      from: "100",
      to: "52",
    });
    expect(new Set(plan.scaling.map((s) => s.to))).toEqual(new Set(["52"]));
    expect(plan.before).toMatchObject({
      mode: "cost",
      annotationValue: h.cluster.ingress.annotations[ACTION_KEY],
    });
    expect(plan.receivers).not.toContain("sd21-inf2");
    // inf2 still serves (it only cannot grow): the failover waits for its receivers.
    expect(plan.input.urgent).toBe(false);
    expect(plan.receiversDeadline).toBe(new Date(T0 + 1_800_000).toISOString());
    expect(plan.holds.length).toBe(plan.receivers.length);
  });

  it("refuse to plan over a valid action Switchyard did not write (a maintenance page written after evaluate decided)", async () => {
    const h = harness(sd21FailoverConfig());
    const input = await capacityLossInput(h);
    const page =
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503"}}';
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: { ...h.cluster.ingress.annotations, [ACTION_KEY]: page },
    };
    await expect(planSwitch(input, EXECUTION_ARN, h)).rejects.toThrow(
      /^Ingress default\/sd21 annotation alb\.ingress\.kubernetes\.io\/actions\.weighted-routing holds a fixed-response action \(status 503\), a valid action of the AWS Load Balancer Controller that Switchyard did not write; Switchyard rewrites the whole action and would replace it, so it changes nothing/,
    );
    expect(h.cluster.ingress.annotations[ACTION_KEY]).toBe(page);
  });

  it("carry a failover through to the Ingress and ScaledObjects, and alert with before and after", async () => {
    const h = harness(sd21FailoverConfig());
    const state = await throughShiftTraffic(h);
    const verified = await verifyRouting(state, { ...h, verifier: new LaggingAlb(0) });
    const annotations = h.cluster.ingress.annotations;
    expect(annotations["switchyard.io/mode"]).toBe("capacity");
    expect(annotations["switchyard.io/failover-cause"]).toBe("sd21-inf2");
    expect(annotations["switchyard.io/last-transition"]).toBe(new Date(T0 + 30_000).toISOString());
    expect(annotations["alb.ingress.kubernetes.io/scheme"]).toBe("internet-facing");
    expect(h.cluster.targets["sd21-inf2"]).toBe("52");
    expect(verified.alert.subject).toBe("Switchyard sd21: failover cost -> capacity");
    const message = verified.alert.message;
    expect(message).toContain("sd21 switched from cost to capacity mode (failover)");
    expect(message).toContain(
      "Why: sd21-inf2 (weight 40) cannot get inf2.xlarge capacity: 3 InsufficientInstanceCapacity",
    );
    expect(message).toContain(
      "before: sd21-a10g-cuda 15, sd21-a10g-triton 15, sd21-l4-triton 10, sd21-inf2 40, sd21-trn1 20",
    );
    expect(message).toContain("after:  sd21 100 (round-robin per pod)");
    expect(message).toMatch(/sd21-inf2\s+100 -> 52\b/);
    expect(message).toContain(
      `https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/${EXECUTION_ARN}`,
    );
  });

  it("report receivers not ready while pods start, and the deadline after which traffic moves anyway", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const receiver = plan.receivers[0] as string;
    h.cluster.units[receiver] = {
      desiredReplicas: 3,
      readyReplicas: 2,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const early = await checkReceivers({ plan }, h);
    expect(early).toMatchObject({ ready: false, timedOut: false });
    h.clock.advance(1_801_000);
    expect(await checkReceivers({ plan }, h)).toMatchObject({
      ready: false,
      timedOut: true,
      verdict: "deadline",
    });
  });

  it("wait until the target group that will carry the traffic has a healthy target, not only the pods", async () => {
    // Prepare: the receivers' pods are ready, but the consolidated Service's target group
    // was just made (the standby rule named it) and its targets are in their first checks.
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    expect(scaling.standby).toEqual({ changed: true, problem: null });
    h.targetHealth.set("sd21", { initial: 5 });

    // Act
    const waiting = await checkReceivers({ plan, scaling }, h);
    h.targetHealth.set("sd21", { healthy: 5 });
    const ready = await checkReceivers({ plan, scaling }, h);

    // Assess
    expect(waiting).toMatchObject({ ready: false, verdict: "waiting" });
    expect(waiting.targetsNotReady).toEqual([
      "Service sd21: target group arn:tg/sd21 has no healthy target (5 initial)",
    ]);
    expect(ready).toMatchObject({ ready: true, verdict: "ready", targetsNotReady: [] });
  });

  it("wait for a target group the standby names but the controller has not made yet; without the standby, do not", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    h.targetHealth.set("sd21", null);
    // No standby on the Ingress: nothing makes the group before traffic moves.
    expect(await checkReceivers({ plan }, h)).toMatchObject({ ready: true, targetsNotReady: [] });
    const scaling = await applyScaling({ plan }, h);
    expect(await checkReceivers({ plan, scaling }, h)).toMatchObject({
      ready: false,
      targetsNotReady: ["Service sd21: the ALB has no target group for it yet"],
    });
  });

  it("fail verification while the weights show but the target group carrying them has no healthy target", async () => {
    const h = harness(sd21FailoverConfig());
    const state = await throughShiftTraffic(h);
    h.targetHealth.set("sd21", {});
    await expect(verifyRouting(state, { ...h, verifier: new LaggingAlb(0) })).rejects.toThrow(
      "the ALB listener rule holds the planned weights, but the traffic it sends cannot be served yet: Service sd21: target group arn:tg/sd21 has no healthy target (no registered target)",
    );
    h.targetHealth.set("sd21", { healthy: 3, unhealthy: 1 });
    const verified = await verifyRouting(state, { ...h, verifier: new LaggingAlb(0) });
    expect(verified.targetGroups).toEqual([
      { serviceName: "sd21", targetGroupArn: "arn:tg/sd21", targets: { healthy: 3, unhealthy: 1 } },
    ]);
  });

  it("verify a move that went ahead at its deadline without healthy targets, and warn in the alert", async () => {
    const h = harness(sd21FailoverConfig());
    const state = await throughShiftTraffic(h);
    h.targetHealth.set("sd21", { initial: 2 });
    const verified = await verifyRouting(
      {
        ...state,
        receivers: { ...(state.receivers as NonNullable<SwitchState["receivers"]>), verdict: "deadline" },
      },
      { ...h, verifier: new LaggingAlb(0) },
    );
    expect(verified.alert.message).toContain(
      "WARNING: traffic moved before its targets were healthy (receivers: deadline); the ALB answers 503 for a target group with no healthy target: Service sd21: target group arn:tg/sd21 has no healthy target (2 initial).",
    );
  });

  it("fail verification while the ALB lags, and at once on a FailedBuildModel event newer than the patch", async () => {
    const h = harness(sd21FailoverConfig());
    const state = await throughShiftTraffic(h);
    await expect(
      verifyRouting(state, { ...h, verifier: new LaggingAlb(Number.POSITIVE_INFINITY) }),
    ).rejects.toThrow(RoutingNotAppliedError);
    h.cluster.events.push({
      reason: "FailedBuildModel",
      message:
        "Failed build model due to ingress: default/sd21: failed to parse json annotation, alb.ingress.kubernetes.io/actions.weighted-routing: {: unexpected end of JSON input",
      type: "Warning",
      involvedObject: { kind: "Ingress", name: "sd21", namespace: "default" },
      at: T0 + 31_000,
      count: 1,
    });
    await expect(verifyRouting(state, { ...h, verifier: new LaggingAlb(0) })).rejects.toThrow(
      RoutingRejectedError,
    );
  });

  it("keep verifying through a FailedBuildModel that is not about the routing: the controller retries its AWS lookups", async () => {
    const h = harness(sd21FailoverConfig());
    const state = await throughShiftTraffic(h);
    // Subnet discovery failed for now (model_build_load_balancer.go); the same event
    // repeats, its count and lastTimestamp bumped.
    h.cluster.events.push({
      reason: "FailedBuildModel",
      message:
        "Failed build model due to couldn't auto-discover subnets: operation error EC2: DescribeSubnets, api error RequestLimitExceeded: Request limit exceeded.",
      type: "Warning",
      involvedObject: { kind: "Ingress", name: "sd21", namespace: "default" },
      at: T0 + 31_000,
      count: 4,
    });
    const lagging = verifyRouting(state, { ...h, verifier: new LaggingAlb(Number.POSITIVE_INFINITY) });
    await expect(lagging).rejects.toThrow(RoutingNotAppliedError);
    await expect(lagging).rejects.toThrow(
      "the AWS Load Balancer Controller reported FailedBuildModel (it retries): Failed build model due to couldn't auto-discover subnets",
    );
    // Once the controller builds the model, the weights show and the switch is verified.
    await expect(verifyRouting(state, { ...h, verifier: new LaggingAlb(0) })).resolves.toMatchObject({
      check: { applied: true },
    });
  });

  it("roll back exactly what changed: the annotations and targets come back, other annotations untouched", async () => {
    const h = harness(sd21FailoverConfig());
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
    // The standby rule ScaleReceivers added stays: it routes nothing, and it keeps the
    // target groups of both modes registered for the next switch.
    const standbyKeys = Object.keys(h.cluster.ingress.annotations).filter((k) => k.includes("-standby-"));
    expect(standbyKeys.sort()).toEqual([
      "alb.ingress.kubernetes.io/actions.weighted-routing-standby-1",
      "alb.ingress.kubernetes.io/actions.weighted-routing-standby-2",
      "alb.ingress.kubernetes.io/conditions.weighted-routing-standby-1",
      "alb.ingress.kubernetes.io/conditions.weighted-routing-standby-2",
    ]);
    const restored = Object.fromEntries(
      Object.entries(h.cluster.ingress.annotations).filter(([k]) => !standbyKeys.includes(k)),
    );
    expect(restored).toEqual(beforeAnnotations);
    expect(h.cluster.targets).toEqual(beforeTargets);
    expect(result.routingRestored).toBe(true);
    expect(result.scalingRestored.length).toBe(state.plan.scaling.length);
    expect(result.alert.subject).toBe("Switchyard sd21: failover FAILED, rolled back (cost stays)");
    expect(result.alert.message).toContain("Error: RoutingNotAppliedError: weights never showed");
  });

  it("roll back a ScaleReceivers that failed part-way without touching what it never changed", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const third = plan.scaling[2]?.unit as string;
    h.cluster.failScalingFor = third;
    await expect(applyScaling({ plan }, h)).rejects.toThrow(/injected failure/);
    h.cluster.failScalingFor = null;
    const result = await rollback({ plan, error: { Error: "Error", Cause: "injected" } }, h);
    expect(result.routingRestored).toBe(false);
    expect(result.scalingRestored.map((c) => c.unit)).toEqual(plan.scaling.slice(0, 2).map((s) => s.unit));
    // ScaleReceivers' standby write, then Rollback's read of the Ingress (it finds nothing to restore).
    expect(h.cluster.calls.filter((c) => c === "patchRouting")).toHaveLength(2);
  });

  it("leave an annotation someone changed since the switch, and say so", async () => {
    const h = harness(sd21FailoverConfig());
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
    // The action is the person's; the mode, last transition and cause the switch wrote go back.
    expect(h.cluster.ingress.annotations[ACTION_KEY]).toContain('"serviceName":"sd21-trn1"');
    expect(h.cluster.ingress.annotations["switchyard.io/mode"]).toBe("cost");
    expect(h.cluster.ingress.annotations["switchyard.io/failover-cause"]).toBeUndefined();
    expect(result.leftAlone[0]).toMatch(
      /annotation alb\.ingress\.kubernetes\.io\/actions\.weighted-routing \(not the value the switch wrote\)/,
    );
  });

  it("remove the failover cause on a fallback", async () => {
    const h = harness(sd21FailoverConfig());
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
    const h = harness(sd21FailoverConfig());
    await expect(planSwitch({ service: "sd21", move: "sideways" }, null, h)).rejects.toThrow(
      SwitchInputError,
    );
    await expect(planSwitch({ service: "sd21", move: "sideways" }, null, h)).rejects.toThrow(/move: /);
  });

  it("hold the receivers at the plan's pods until released after traffic moved, and roll holds back", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    expect(plan.holds.length).toBeGreaterThan(0);
    const scaling = await applyScaling({ plan }, h);
    for (const hold of plan.holds) {
      expect(h.cluster.heldAt(hold.unit)).toBe(hold.replicas);
    }
    expect(scaling.holds.every((x) => x.outcome === "held")).toBe(true);
    const routing = await applyRouting({ plan, scaling }, h);
    // Still held once traffic moved: KEDA's metric has not caught up with the new load yet.
    expect(plan.holds.every((hold) => h.cluster.heldAt(hold.unit) === hold.replicas)).toBe(true);
    const release = await releaseHolds({ plan, scaling, routing }, h);
    expect(release.released.every((x) => x.outcome === "released")).toBe(true);
    expect(plan.holds.every((hold) => h.cluster.heldAt(hold.unit) === null)).toBe(true);
  });

  it("raise each held receiver's minReplicaCount to its release floor before lifting the hold, and have evaluate put the owner's value back one HPA window later (forecast off)", async () => {
    const config = sd21FailoverConfig();
    const h = harness({
      ...config,
      services: config.services.map((s) => ({ ...s, forecast: { ...s.forecast, mode: "off" as const } })),
    });
    // 600 RPS in all: the receivers' planned shares need several pods each.
    h.metrics.snapshot = calmSnapshot(120);
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    const routing = await applyRouting({ plan, scaling }, h);
    h.clock.advance(300_000);
    const releasedAt = h.clock.now();
    h.cluster.calls.length = 0;
    const release = await releaseHolds({ plan, scaling, routing }, h);
    const receiver = plan.holds[0];
    if (receiver === undefined) throw new Error("no hold");
    const planned = plan.target.units.find((u) => u.name === receiver.unit)?.pods ?? 0;
    expect(planned).toBeGreaterThan(1);
    // The floor lands while the unit is still paused, then the hold goes: the HPA KEDA
    // makes anew starts with minReplicas at the pods the unit's new share needs.
    const calls = h.cluster.calls.filter((c) => c.includes(receiver.unit) && !c.startsWith("autoscalingOf"));
    expect(calls).toEqual([
      `setReplicaFloor:${receiver.unit}=${planned}`,
      `holdReplicas:${receiver.unit}=null`,
    ]);
    const until = new Date(releasedAt + 315_000).toISOString();
    const marked = h.cluster.floorObjects[receiver.unit];
    expect(marked?.spec.minReplicaCount).toBe(planned);
    expect(marked?.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor]).toBe(
      `${planned};base=1;release=${planned}@${until}`,
    );
    expect(release.floors).toContainEqual({
      unit: receiver.unit,
      scaledObject: receiver.scaledObject,
      outcome: "raised",
      from: 1,
      to: planned,
    });

    // A retried ReleaseReceivers (KEDA slow to resume) writes no floor again: the hold is gone.
    const version = h.cluster.floorObjects[receiver.unit]?.metadata.resourceVersion;
    expect((await releaseHolds({ plan, scaling, routing }, h)).floors).toEqual([]);
    expect(h.cluster.floorObjects[receiver.unit]?.metadata.resourceVersion).toBe(version);

    // Within the window evaluate keeps the floor, though the forecast is off.
    h.clock.advance(240_000);
    const during = await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    expect(during.services[0]?.floorChanges).toEqual([]);
    expect(h.cluster.floorObjects[receiver.unit]?.spec.minReplicaCount).toBe(planned);
    // Once it is over, the owner's value is back and the mark gone.
    h.clock.advance(120_000);
    const after = await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    expect(after.services[0]?.floorChanges).toContainEqual(
      expect.objectContaining({ unit: receiver.unit, outcome: "restored", from: planned, to: 1 }),
    );
    expect(h.cluster.floorObjects[receiver.unit]?.spec.minReplicaCount).toBe(1);
    expect(h.cluster.floorObjects[receiver.unit]?.metadata.annotations ?? {}).toEqual({});
  });

  it("give no release floor to a unit whose hold is not this switch's to lift", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    const routing = await applyRouting({ plan, scaling }, h);
    const receiver = plan.holds[0];
    if (receiver === undefined) throw new Error("no hold");
    // A newer switch took the hold over: this one lifts nothing, so it raises nothing.
    h.cluster.holdAnnotations[receiver.unit] = {
      "autoscaling.keda.sh/paused-replicas": String(receiver.replicas),
      [SWITCHYARD_ANNOTATIONS.heldReplicas]: `${receiver.replicas}@sd21-reroute-20261114213000`,
    };
    const release = await releaseHolds({ plan, scaling, routing }, h);
    expect(release.released.find((r) => r.unit === receiver.unit)?.outcome).toBe("held-by-another-switch");
    expect(release.floors.find((f) => f.unit === receiver.unit)).toBeUndefined();
    expect(h.cluster.floorObjects[receiver.unit]?.spec.minReplicaCount ?? 1).toBe(1);
  });

  it("wait for held pods: a receiver with fewer ready pods than its hold is not ready", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    const first = plan.holds[0];
    if (first === undefined) throw new Error("no hold");
    h.cluster.units[first.unit] = {
      desiredReplicas: first.replicas,
      readyReplicas: first.replicas - 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const waiting = await checkReceivers({ plan, scaling }, h);
    expect(waiting).toMatchObject({ ready: false, verdict: "waiting" });
    expect(waiting.units.find((u) => u.unit === first.unit)).toMatchObject({ wanted: first.replicas });
  });

  it("move traffic at once when a waiting failover's unit stops serving", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    losePods(h, "sd21-inf2");
    const receiver = plan.holds[0]?.unit as string;
    h.cluster.units[receiver] = {
      desiredReplicas: 3,
      readyReplicas: 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    expect(await checkReceivers({ plan, scaling }, h)).toMatchObject({
      timedOut: true,
      verdict: "turned-urgent",
    });
  });

  it("plan an urgent failover (no ready pod left) with the short receivers deadline", async () => {
    const h = harness(sd21FailoverConfig());
    losePods(h, "sd21-inf2");
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    expect(plan.input.urgent).toBe(true);
    expect(plan.receiversDeadline).toBe(new Date(T0 + 30_000).toISOString());
  });

  it("plan a reroute around a lost unit with the short deadline, and move its traffic at the deadline instead of rolling back", async () => {
    // The default policy (lossResponse: compare): inf2 has lost its pods and the others
    // carry the calm 200 RPS in cost mode, so the answer is an urgent reroute around it.
    const h = harness();
    losePods(h, "sd21-inf2");
    const input = await capacityLossInput(h);
    expect(input).toMatchObject({
      move: "reroute",
      from: "cost",
      to: "cost",
      causes: ["sd21-inf2"],
      urgent: true,
    });
    const plan = await planSwitch(input, null, h);
    expect(plan.receiversDeadline).toBe(new Date(T0 + 30_000).toISOString());
    const scaling = await applyScaling({ plan }, h);
    const hold = plan.holds[0];
    if (hold === undefined) throw new Error("the reroute holds no receiver");
    // inf2's pod is back on a node it kept (it still cannot grow), so nothing turns urgent
    // again; a receiver's held pod is still starting.
    h.cluster.units["sd21-inf2"] = {
      desiredReplicas: 1,
      readyReplicas: 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    h.cluster.units[hold.unit] = {
      desiredReplicas: hold.replicas,
      readyReplicas: hold.replicas - 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    h.clock.advance(10_000);
    expect(await checkReceivers({ plan, scaling }, h)).toMatchObject({ ready: false, verdict: "waiting" });
    h.clock.advance(20_000);
    const receivers = await checkReceivers({ plan, scaling }, h);
    expect(receivers).toMatchObject({ ready: false, timedOut: true, verdict: "deadline" });
    const routing = await applyRouting({ plan, scaling, receivers }, h);
    expect(h.cluster.ingress.annotations[ACTION_KEY]).toBe(plan.target.annotationValue);
    expect(JSON.parse(plan.target.annotationValue).forwardConfig.targetGroups).toContainEqual(
      expect.objectContaining({ serviceName: "sd21-inf2", weight: 0 }),
    );
    // The alert names the move, and marks each rule by what it is: a breach found, a gate passed or not.
    const alert = switchAlert(
      { plan, scaling, receivers, routing },
      { applied: true, differences: [], ruleArn: null },
      "us-west-2",
    );
    expect(alert.subject).toBe("Switchyard sd21: reroute cost -> cost");
    expect(alert.message).toContain("sd21 switched from cost to cost mode (reroute)");
    expect(alert.message).toMatch(/- \[breached\] capacity-errors sd21-inf2: observed 3, threshold 1/);
    expect(alert.message).toMatch(/- \[not passed\] response: observed cost,/);
    expect(alert.message).toMatch(/- \[breached\] routing-risk: /);
    expect(alert.message).toMatch(/- \[passed\] early-move: /);
  });

  it("move a waiting route-around as soon as its weights serve more with the pods ready now than the routing in force", async () => {
    // 1,000 RPS; inf2 cannot grow and keeps its one pod (105 RPS), but the seed's weights
    // send it 40 %: a calm route-around (inf2 still serves), which waits for its receivers
    // (trn1 and a10g-triton, held at 4 pods each).
    const h = harness();
    h.metrics.snapshot = calmSnapshot(200);
    h.cluster.units["sd21-inf2"] = {
      desiredReplicas: 1,
      readyReplicas: 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const input = await capacityLossInput(h);
    expect(input).toMatchObject({ move: "reroute", causes: ["sd21-inf2"], urgent: false });
    const plan = await planSwitch(input, null, h);
    const scaling = await applyScaling({ plan }, h);
    expect(plan.holds.some((hold) => hold.replicas > 2)).toBe(true);
    const starting = (ready: number) => {
      for (const hold of plan.holds) {
        h.cluster.units[hold.unit] = {
          desiredReplicas: hold.replicas,
          readyReplicas: Math.min(ready, hold.replicas - 1),
          deploymentFound: true,
          unschedulablePods: [],
        };
      }
    };
    // Two pods ready each: the new weights would serve 644 RPS, the seed's 675 — wait.
    starting(2);
    expect(await checkReceivers({ plan, scaling }, h)).toMatchObject({ ready: false, verdict: "waiting" });
    // Three each (fewer than held): the new weights serve 864 RPS, the seed's still 675
    // (inf2's pod overloaded) — waiting for the fourth pods only keeps inf2 overloaded.
    starting(3);
    h.clock.advance(5_000);
    const moved = await checkReceivers({ plan, scaling }, h);
    expect(moved).toMatchObject({ ready: false, timedOut: true, verdict: "turned-urgent" });
    await applyRouting({ plan, scaling, receivers: moved }, h);
    expect(h.cluster.ingress.annotations[ACTION_KEY]).toBe(plan.target.annotationValue);
  });

  it("roll back a route-around that was not urgent when its receivers never got ready: their pools may be short too", async () => {
    // As above: inf2 still serves with its one pod and only cannot grow, so the reroute is
    // calm and waits. Its receivers' pods never start (say their pool has no capacity
    // either): at the deadline it must not move traffic onto pods that are not there.
    const h = harness();
    h.metrics.snapshot = calmSnapshot(200);
    h.cluster.units["sd21-inf2"] = {
      desiredReplicas: 1,
      readyReplicas: 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const input = await capacityLossInput(h);
    expect(input).toMatchObject({ move: "reroute", urgent: false });
    const plan = await planSwitch(input, null, h);
    const scaling = await applyScaling({ plan }, h);
    for (const hold of plan.holds) {
      h.cluster.units[hold.unit] = {
        desiredReplicas: hold.replicas,
        readyReplicas: 1,
        deploymentFound: true,
        unschedulablePods: [],
      };
    }
    h.clock.advance(Date.parse(plan.receiversDeadline) - h.clock.now());
    await expect(checkReceivers({ plan, scaling }, h)).rejects.toThrow(ReceiversNotReadyError);
    await expect(checkReceivers({ plan, scaling }, h)).rejects.toThrow(
      /the reroute's receiving units were not ready by .*; traffic stays where it is/,
    );
  });

  it("roll back a fallback or rebalance whose receivers are not ready by the deadline", async () => {
    const h = harness(sd21FailoverConfig());
    h.metrics.snapshot = calmSnapshot(80);
    await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    const rebalance = h.switches.started.find((s) => s.name.includes("rebalance"));
    const plan = await planSwitch(rebalance?.input, null, h);
    const scaling = await applyScaling({ plan }, h);
    const first = plan.holds[0];
    if (first === undefined) throw new Error("the rebalance holds no receiver");
    h.cluster.units[first.unit] = {
      desiredReplicas: first.replicas,
      readyReplicas: 0,
      deploymentFound: true,
      unschedulablePods: [],
    };
    h.clock.advance(1_801_000);
    await expect(checkReceivers({ plan, scaling }, h)).rejects.toThrow(ReceiversNotReadyError);
    const result = await rollback(
      { plan, scaling, error: { Error: "ReceiversNotReadyError", Cause: "not ready" } },
      h,
    );
    expect(result.released.some((x) => x.outcome === "released")).toBe(true);
    expect(h.cluster.heldAt(first.unit)).toBeNull();
  });

  it("stand a rebalance down when a failover moved the traffic after it planned", async () => {
    const h = harness(sd21FailoverConfig());
    h.metrics.snapshot = calmSnapshot(80);
    await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    const rebalance = h.switches.started.find((s) => s.name.includes("rebalance"));
    const plan = await planSwitch(rebalance?.input, null, h);
    h.switches.records.push({
      name: rebalance?.name ?? "",
      move: "rebalance",
      startedAt: T0,
      status: "RUNNING",
    });
    h.clock.advance(30_000);
    await evaluate(
      h.config,
      { trigger: "cloudtrail", capacitySignals: [capacityError("inf2.xlarge", T0, 2)] },
      h,
    );
    const failover = h.switches.started.find((s) => s.name.includes("failover"));
    expect(failover).toBeDefined();
    const failoverPlan = await planSwitch(failover?.input, null, h);
    await applyRouting({ plan: failoverPlan }, h);
    await expect(applyRouting({ plan }, h)).rejects.toThrow(SwitchSupersededError);
  });

  it("stand a waiting rebalance down at its readiness check when a failover moved the traffic", async () => {
    const h = harness(sd21FailoverConfig());
    h.metrics.snapshot = calmSnapshot(80);
    await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    const rebalance = h.switches.started.find((s) => s.name.includes("rebalance"));
    const plan = await planSwitch(rebalance?.input, null, h);
    const scaling = await applyScaling({ plan }, h);
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: {
        ...h.cluster.ingress.annotations,
        [ACTION_KEY]:
          '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21","servicePort":80,"weight":100}]}}',
      },
    };
    await expect(checkReceivers({ plan, scaling }, h)).rejects.toThrow(SwitchSupersededError);
  });

  it("stand a waiting move down when a newer move took over its replica hold, before it moves traffic (issue 17)", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await capacityLossInput(h), EXECUTION_ARN, h);
    const scaling = await applyScaling({ plan }, h);
    const first = plan.holds[0];
    if (first === undefined) throw new Error("no hold");
    // A correction, sized on newer demand, holds the same receiver at more pods.
    await h.cluster.holdReplicas(
      h.config.services[0] as never,
      first.unit,
      first.replicas + 4,
      "sd21-reroute-202506011010",
    );
    await expect(checkReceivers({ plan, scaling }, h)).rejects.toThrow(
      /sd21-reroute-202506011010 took over the replica hold of .* \(a newer move holds its receivers\); this .* stands down/,
    );
  });

  it("plan a fallback with the unit that caused the failover at the pods it has ready", async () => {
    const h = harness(sd21FailoverConfig());
    await throughShiftTraffic(h);
    h.clock.advance(30 * MINUTE);
    await evaluate(h.config, { trigger: "schedule", capacitySignals: [] }, h);
    const fallback = h.switches.started.find((s) => s.name.includes("fallback"));
    // At 800 RPS the cost-optimal plan would give inf2 more than one pod; it has one ready.
    const input = { ...(fallback?.input as object), demandRps: 800 };
    h.cluster.units["sd21-inf2"] = {
      desiredReplicas: 1,
      readyReplicas: 1,
      deploymentFound: true,
      unschedulablePods: [],
    };
    const plan = await planSwitch(input, null, h);
    const uncapped = planService({
      service: h.config.services[0] as InferenceService,
      mode: "cost",
      demandRps: 800,
    });
    expect(uncapped.units[0]?.pods).toBeGreaterThan(1);
    expect(plan.target.units.find((u) => u.name === "sd21-inf2")?.pods).toBe(1);
    expect(plan.target.feasible).toBe(true);
  });
});
