import { readFileSync } from "node:fs";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { describe, expect, it, vi } from "vitest";
import { handler as applyRouting } from "../../../functions/apply-routing.ts";
import { handler as applyScaling } from "../../../functions/apply-scaling.ts";
import { handler as checkReceivers } from "../../../functions/check-receivers.ts";
import { handler as evaluate } from "../../../functions/evaluate.ts";
import { handler as planSwitch } from "../../../functions/plan-switch.ts";
import { handler as rollback } from "../../../functions/rollback.ts";
import { handler as verifyRouting } from "../../../functions/verify-routing.ts";
import type { SwitchState } from "../../../packages/controller/src/switch-state.ts";
import { failureOf } from "../../support/failure.ts";
import { HandlerWorld, useHandlerWorld } from "../../support/handler-world.ts";
import { ingressEvent } from "../../support/kube-objects.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error") as {
  time: string;
  detail: Record<string, unknown>;
};
const ACTION = actionAnnotationKey("weighted-routing");
/** The standby rule's annotations (core's standbyActions): ScaleReceivers, or else ShiftTraffic, adds them. */
const STANDBY_KEYS = [1, 2].flatMap((n) => [
  actionAnnotationKey(`weighted-routing-standby-${n}`),
  `alb.ingress.kubernetes.io/conditions.weighted-routing-standby-${n}`,
]);

/** The annotations without the standby's: what a rollback restores. */
function withoutStandby(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => !STANDBY_KEYS.includes(key)));
}

/** The resourceVersion a patch was guarded by: a merge patch's, or a JSON patch's `test`. */
function guardOf(body: unknown): string | undefined {
  if (Array.isArray(body)) {
    return (body as { op: string; path: string; value: string }[]).find(
      (op) => op.op === "test" && op.path === "/metadata/resourceVersion",
    )?.value;
  }
  return (body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion;
}
const EXECUTION =
  "arn:aws:states:us-west-2:123456789012:execution:switchyard-dev-ModeSwitch:sd21-failover-202506021408";

const world = new HandlerWorld(sd21FailoverConfig());

function annotations(): Record<string, string> {
  return { ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}) };
}

function target(unit: string): unknown {
  const spec = world.double.get("ScaledObject", "default", unit)?.spec as {
    triggers: { metadata: Record<string, unknown> }[];
  };
  return spec.triggers[0]?.metadata.targetMetricValue;
}

/** Evaluate, then Plan, as the schedule and the state machine would. */
async function planned(event: unknown = createFleetInf2): Promise<SwitchState> {
  await evaluate(event);
  const input = JSON.parse(world.started[0]?.input ?? "null");
  return await planSwitch({ input, executionArn: EXECUTION });
}

describe("Handlers: the mode-switch steps", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("carry a failover onto the cluster and the ALB: new annotation and targets, the rest untouched", async () => {
    const before = annotations();
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    state = { ...state, receivers: await checkReceivers(state) };
    state = { ...state, routing: await applyRouting(state) };
    const verified = await verifyRouting(state);

    const after = annotations();
    expect(JSON.parse(after[ACTION] ?? "")).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [{ serviceName: "sd21", servicePort: 80, weight: 100 }],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
    expect(after[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    for (const [key, value] of Object.entries(before)) {
      if (key !== ACTION) {
        expect(after[key]).toBe(value);
      }
    }
    expect(target("sd21-inf2")).toBe("52");
    expect(verified.check.applied).toBe(true);
    expect(verified.alert.subject).toBe("Switchyard sd21: failover cost -> capacity");
  });

  it.each([
    ["a failover: inf2 only in the standby", "create-fleet-one-error"],
    ["a rebalance: inf2 in the live action", "scheduled-event"],
  ])(
    "keep a Service's target group whose port the Ingress names by name while the config gives the number — %s",
    async (_what, event) => {
      // Prepare: the Ingress names inf2's port `http`; the config says 80. The controller
      // made its target group for `default/sd21-sd21-inf2:http`.
      world.double.edit("Ingress", "default", "sd21", (ingress) => {
        const annotations = ingress.metadata.annotations as Record<string, string>;
        annotations[ACTION] = (annotations[ACTION] ?? "").replace(
          '"serviceName":"sd21-inf2","servicePort":80',
          '"serviceName":"sd21-inf2","servicePort":"http"',
        );
      });
      world.lbc.serve(world.elb);
      const inf2Group = world.lbc.targetGroupOf("sd21-inf2", "http");
      expect(inf2Group).toBeDefined();

      // Act
      let state = await planned(fixture(event));
      state = { ...state, scaling: await applyScaling(state) };
      state = { ...state, routing: await applyRouting(state) };
      await verifyRouting(state);

      // Assess: every write names inf2's port as the Ingress did; the controller kept its
      // target group and never made one for `:80`.
      for (const [key, value] of Object.entries(annotations()).filter(([k]) => k.includes("/actions."))) {
        const groups = JSON.parse(value).forwardConfig.targetGroups as {
          serviceName: string;
          servicePort: unknown;
        }[];
        for (const group of groups.filter((g) => g.serviceName === "sd21-inf2")) {
          expect([key, group.servicePort]).toEqual([key, "http"]);
        }
      }
      expect(world.lbc.targetGroupOf("sd21-inf2", "http")).toBe(inf2Group);
      expect(world.lbc.targetGroupOf("sd21-inf2", 80)).toBeUndefined();
    },
  );

  it("patch the Ingress after a 409 with the fresh resourceVersion, once it lands", async () => {
    const state = await planned();
    world.double.clearRequests();
    world.double.beforeNext({ verb: "patch", resource: "ingresses", name: "sd21" }, () =>
      world.double.edit("Ingress", "default", "sd21", (ingress) => {
        (ingress.metadata.annotations as Record<string, string>)["example.com/owner"] = "team-a";
      }),
    );
    await applyRouting(state);
    const patches = world.double.requestsMatching({ verb: "patch", resource: "ingresses" });
    expect(patches).toHaveLength(2);
    const versions = patches.map((p) => guardOf(p.body));
    expect(versions[0]).toBeDefined();
    expect(versions[1]).not.toBe(versions[0]);
    expect(annotations()["example.com/owner"]).toBe("team-a");
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
  });

  it("change nothing more when a step runs again with the same input (a retried invocation)", async () => {
    let state = await planned();
    const scaling = await applyScaling(state);
    state = { ...state, scaling };
    state = { ...state, receivers: await checkReceivers(state) };
    const routing = await applyRouting(state);
    state = { ...state, routing };
    const ingressAfter = world.double.get("Ingress", "default", "sd21");
    const objects = () =>
      ["sd21-inf2", "sd21-trn1", "sd21-a10g-triton", "sd21-l4-triton", "sd21-a10g-cuda"].map((name) =>
        world.double.get("ScaledObject", "default", name),
      );
    const objectsAfter = objects();
    world.double.clearRequests();
    vi.setSystemTime(Date.now() + 90_000);

    // Each step again, with the input it had the first time.
    await applyScaling({ ...state, scaling: undefined } as never);
    const again = await applyRouting({ ...state, routing: undefined } as never);
    await checkReceivers(state);
    await verifyRouting(state);

    expect(world.double.requestsMatching({ verb: "patch" })).toEqual([]);
    expect(world.double.get("Ingress", "default", "sd21")).toEqual(ingressAfter);
    expect(objects()).toEqual(objectsAfter);
    // The dwell time still starts when traffic moved.
    expect(annotations()[SWITCHYARD_ANNOTATIONS.lastTransition]).toBe(routing.patchedAt);
    expect(again).toMatchObject({
      changed: false,
      patchedAt: routing.patchedAt,
      annotationValue: routing.annotationValue,
    });
  });

  it("check after a hold that KEDA scaled each held Deployment to it, and say so in the switch alert when not", async () => {
    // KEDA < 2.18.2 could pause without scaling the target (kedacore/keda#7231).
    world.keda.fault = "not-scaled";
    let state = await planned();
    // Receivers held above the one pod each runs now, as a plan for more demand would.
    const held = state.plan.holds.map((h) => ({ ...h, replicas: h.replicas + 2 }));
    expect(held.length).toBeGreaterThan(0);
    state = { ...state, plan: { ...state.plan, holds: held } };
    state = { ...state, scaling: await applyScaling(state) };
    vi.setSystemTime(Date.now() + 10_000);
    state = { ...state, receivers: await checkReceivers(state) };
    expect(state.receivers?.holdsNotApplied).toEqual(
      held.map((h) => ({ unit: h.unit, heldAt: h.replicas, specReplicas: 1 })),
    );
    state = { ...state, routing: await applyRouting(state) };
    const verified = await verifyRouting(state);
    expect(verified.alert.message).toContain(
      `WARNING: KEDA did not scale ${held[0]?.unit} to its hold of ${held[0]?.replicas} (Deployment spec.replicas 1)`,
    );
  });

  it("find every held Deployment at its hold when KEDA applies it", async () => {
    let state = await planned();
    const held = state.plan.holds.map((h) => ({ ...h, replicas: h.replicas + 2 }));
    state = { ...state, plan: { ...state.plan, holds: held } };
    state = { ...state, scaling: await applyScaling(state) };
    for (const hold of state.plan.holds) {
      const spec = world.double.get("Deployment", "default", hold.unit)?.spec as
        | { replicas: number }
        | undefined;
      expect(spec?.replicas).toBe(hold.replicas);
    }
    state = { ...state, receivers: await checkReceivers(state) };
    expect(state.receivers?.holdsNotApplied).toEqual([]);
  });

  it("fail with the verb, the resource and the RBAC rule that grants it when the API server says 403", async () => {
    const state = await planned();
    world.double.deny({ verb: "patch", resource: "ingresses" });
    const error = await failureOf(applyRouting(state));
    expect(error.name).toBe("KubernetesForbiddenError");
    expect(error.message).toMatch(
      /cannot patch ingresses\.networking\.k8s\.io "sd21" in namespace "default"/,
    );
    expect(error.message).toMatch(/verbs \["patch"\]/);
    expect(error.message).toMatch(/deploy\/rbac\.yaml/);
  });

  it("replace an action annotation that is not valid JSON with the planned one, and no other annotation", async () => {
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[ACTION] = "{broken";
    });
    const before = annotations();
    const state = await planned(fixture("scheduled-event"));
    expect(state.plan.input.move).toBe("repair");
    await applyRouting(state);
    const after = annotations();
    expect(JSON.parse(after[ACTION] ?? "").type).toBe("forward");
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    // The standby comes with the routing when no ScaleReceivers wrote it first.
    expect(changed.sort()).toEqual(
      [ACTION, SWITCHYARD_ANNOTATIONS.lastTransition, SWITCHYARD_ANNOTATIONS.mode, ...STANDBY_KEYS].sort(),
    );
  });

  it("repair a last transition written in the future: the repair writes it again, now", async () => {
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[SWITCHYARD_ANNOTATIONS.lastTransition] =
        new Date(Date.now() + 3 * 3_600_000).toISOString();
    });
    const state = await planned(fixture("scheduled-event"));
    expect(state.plan.input.move).toBe("repair");
    expect(state.plan.input.reasons.join("\n")).toContain("minutes in the future");
    const routing = await applyRouting(state);
    expect(routing.changed).toBe(true);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.lastTransition]).toBe(new Date(Date.now()).toISOString());
  });

  it.each([
    ["a fractional weight", [10.5, 20, 20, 20, 20]],
    ["every weight 0", [0, 0, 0, 0, 0]],
  ])("replace an action with %s with the planned one", async (_case, weights) => {
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      const annotations = ingress.metadata.annotations as Record<string, string>;
      const action = JSON.parse(annotations[ACTION] ?? "{}") as {
        forwardConfig: { targetGroups: { weight: number }[] };
      };
      action.forwardConfig.targetGroups.forEach((group, i) => {
        group.weight = weights[i] ?? 0;
      });
      annotations[ACTION] = JSON.stringify(action);
    });
    const state = await planned(fixture("scheduled-event"));
    expect(state.plan.input.move).toBe("repair");
    await applyRouting(state);
    const groups = (
      JSON.parse(annotations()[ACTION] ?? "{}") as { forwardConfig: { targetGroups: { weight: number }[] } }
    ).forwardConfig.targetGroups;
    expect(groups.every((g) => Number.isInteger(g.weight))).toBe(true);
    expect(groups.some((g) => g.weight > 0)).toBe(true);
  });

  it("name the ALB lag, a FailedDeployModel and a FailedBuildModel of an AWS lookup as retryable, and one about the action as final", async () => {
    world.lbc.lag = "never";
    let state = await planned();
    state = { ...state, routing: await applyRouting(state) };
    const lagging = await failureOf(verifyRouting(state));
    expect(lagging.name).toBe("RoutingNotAppliedError");
    // FailedDeployModel: an ELBv2 call failed; the controller requeues and retries.
    world.double.put(
      ingressEvent({
        ingress: "sd21",
        reason: "FailedDeployModel",
        message: "Failed deploy model due to ThrottlingException: Rate exceeded",
        at: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    const deployFailed = await failureOf(verifyRouting(state));
    expect(deployFailed.name).toBe("RoutingNotAppliedError");
    expect(deployFailed.message).toContain(
      "FailedDeployModel (it retries): Failed deploy model due to Throttling",
    );
    // FailedBuildModel for an AWS lookup of the model build: the controller retries it.
    world.double.put(
      ingressEvent({
        ingress: "sd21",
        reason: "FailedBuildModel",
        message:
          "Failed build model due to ingress: default/sd21: operation error ACM: ListCertificates, api error ThrottlingException: Rate exceeded",
        at: new Date(Date.now() + 1500).toISOString(),
      }),
    );
    const buildRetried = await failureOf(verifyRouting(state));
    expect(buildRetried.name).toBe("RoutingNotAppliedError");
    expect(buildRetried.message).toContain(
      "FailedBuildModel (it retries): Failed build model due to ingress",
    );
    // FailedBuildModel naming the action: the controller cannot use it; retrying cannot fix it.
    world.double.put(
      ingressEvent({
        ingress: "sd21",
        reason: "FailedBuildModel",
        message:
          "Failed build model due to ingress: default/sd21: invalid ForwardConfig: weight must be set when route to multiple target groups",
        at: new Date(Date.now() + 2000).toISOString(),
      }),
    );
    const rejected = await failureOf(verifyRouting(state));
    expect(rejected.name).toBe("RoutingRejectedError");
  });

  it("roll back to the annotation and targets read before the switch", async () => {
    const before = annotations();
    const targets = ["sd21-inf2", "sd21-trn1", "sd21-a10g-triton", "sd21-l4-triton", "sd21-a10g-cuda"].map(
      target,
    );
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    state = { ...state, routing: await applyRouting(state) };
    const result = await rollback({
      ...state,
      error: { Error: "RoutingNotAppliedError", Cause: '{"errorMessage":"never applied"}' },
    });
    // The standby rule stays: it carries no traffic and keeps both modes' target groups.
    expect(withoutStandby(annotations())).toEqual(before);
    expect(Object.keys(annotations())).toEqual(expect.arrayContaining(STANDBY_KEYS));
    expect(
      ["sd21-inf2", "sd21-trn1", "sd21-a10g-triton", "sd21-l4-triton", "sd21-a10g-cuda"].map(target),
    ).toEqual(targets);
    expect(result.alert.subject).toBe("Switchyard sd21: failover FAILED, rolled back (cost stays)");
  });

  it("roll back the mode, last transition and failover cause when the action is already back as it was", async () => {
    const before = annotations();
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    state = { ...state, routing: await applyRouting(state) };
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    // An operator puts the cost-mode action back by hand before VerifyAlb gives up.
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[ACTION] = before[ACTION] ?? "";
    });
    const result = await rollback({
      ...state,
      error: { Error: "RoutingNotAppliedError", Cause: '{"errorMessage":"never applied"}' },
    });
    expect(withoutStandby(annotations())).toEqual(before);
    expect(result.routingRestored).toBe(true);
    expect(result.leftAlone).toEqual([]);
    // The service reads as in cost mode again: a later loss fails it over.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    world.started.length = 0;
    world.executions = [];
    const at = new Date(Date.now() - 20_000).toISOString();
    await evaluate({ ...createFleetInf2, time: at, detail: { ...createFleetInf2.detail, eventTime: at } });
    expect(world.started.map((s) => s.name)).toEqual([expect.stringMatching(/^sd21-failover-/)]);
  });

  it("leave every switch annotation that a later switch wrote, even where it equals this one's", async () => {
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    state = { ...state, routing: await applyRouting(state) };
    // Another switch wrote the same action and mode after this one, at its own time.
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[SWITCHYARD_ANNOTATIONS.lastTransition] =
        new Date(Date.now() + 60_000).toISOString();
    });
    const after = annotations();
    const result = await rollback({ ...state, error: { Error: "X", Cause: "y" } });
    expect(annotations()).toEqual(after);
    expect(result.routingRestored).toBe(false);
    expect(result.leftAlone[0]).toMatch(/^Ingress default\/sd21 annotation .*switchyard\.io\/mode/);
  });

  it("stand down before moving traffic when an operator pins the other mode while the switch waits", async () => {
    const before = annotations();
    const targets = ["sd21-inf2", "sd21-trn1"].map(target);
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    // `switchyard pin --mode cost` while the failover waits for its receivers.
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[SWITCHYARD_ANNOTATIONS.pin] = "cost";
    });
    const stoodDown = await failureOf(checkReceivers(state));
    expect(stoodDown.name).toBe("SwitchSupersededError");
    expect(stoodDown.message).toContain('is pinned to cost mode (switchyard.io/pin="cost")');
    await expect(applyRouting(state)).rejects.toThrow(/is pinned to cost mode/);

    const result = await rollback({ ...state, error: { Error: stoodDown.name, Cause: stoodDown.message } });
    expect(result.outcome).toBe("superseded");
    expect(withoutStandby(annotations())).toEqual({ ...before, [SWITCHYARD_ANNOTATIONS.pin]: "cost" });
    expect(["sd21-inf2", "sd21-trn1"].map(target)).toEqual(targets);
  });

  it("finish a switch to the mode an operator pins while it runs", async () => {
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[SWITCHYARD_ANNOTATIONS.pin] = "capacity";
    });
    state = { ...state, receivers: await checkReceivers(state) };
    await applyRouting(state);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
  });

  it("roll back no KEDA target that someone else changed between the rollback's read and its patch", async () => {
    const targets = ["sd21-inf2", "sd21-trn1", "sd21-a10g-triton", "sd21-l4-triton", "sd21-a10g-cuda"].map(
      target,
    );
    let state = await planned();
    state = { ...state, scaling: await applyScaling(state) };
    expect(target("sd21-inf2")).not.toBe(targets[0]);
    // An operator sets inf2's target by hand just as the rollback is about to restore it.
    world.double.beforeNext({ verb: "patch", resource: "scaledobjects", name: "sd21-inf2" }, () =>
      world.double.edit("ScaledObject", "default", "sd21-inf2", (o) => {
        const trigger = (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0];
        if (trigger !== undefined) {
          trigger.metadata.targetMetricValue = "150";
        }
      }),
    );
    const result = await rollback({
      ...state,
      error: { Error: "ReceiversNotReadyError", Cause: '{"errorMessage":"short of pods"}' },
    });
    expect(target("sd21-inf2")).toBe("150");
    expect(result.leftAlone).toContain("ScaledObject default/sd21-inf2 target 150 (not the switch's 52)");
    expect(["sd21-trn1", "sd21-a10g-triton", "sd21-l4-triton", "sd21-a10g-cuda"].map(target)).toEqual(
      targets.slice(1),
    );
    expect(result.scalingRestored.map((c) => c.unit)).not.toContain("sd21-inf2");
  });
});
