import { readFileSync } from "node:fs";
import type { RollbackResult, SwitchPlan } from "@switchyard/controller";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { MODE_SWITCH_STATES as S } from "@switchyard/core/workflow";
import { describe, expect, it, vi } from "vitest";
import { handler as evaluate } from "../../functions/evaluate.ts";
import { handler as planSwitch } from "../../functions/plan-switch.ts";
import { STEP_RESULTS } from "../../packages/core/src/workflow/step-table.ts";
import { RECEIVER_POLL_SECONDS } from "../../packages/core/src/workflow/workflow-timing.ts";
import { HandlerWorld, useHandlerWorld } from "../support/handler-world.ts";
import { ingressEvent, SD21_UNITS } from "../support/kube-objects.ts";
import {
  invocationsOf,
  runModeSwitch,
  statesEntered,
  TOPIC_ARN,
  type WorkflowRun,
} from "../support/local-workflow.ts";
import { repoPath } from "../support/paths.ts";
import { sd21FailoverConfig } from "../support/sd21.ts";
import { withoutStandby } from "../support/standby.ts";

const fixture = (name: string): { time: string } =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error");
const ACTION = actionAnnotationKey("weighted-routing");
const CONSOLE =
  "https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/";

const world = new HandlerWorld(sd21FailoverConfig());

/** The last states of a switch that failed and was rolled back, then announced. */
const ROLLED_BACK = [S.rollback, S.rollbackOutcome, S.notifyFailure, S.switchFailed];

/** A run that waits out calmMoveReadyTimeoutSeconds (1800 s) makes 180 readiness checks through the real handlers. */
const LONG_WAIT_MS = 60_000;

function annotations(): Record<string, string> {
  return { ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}) };
}

/** Ingress patches that wrote the routing (the action or the mode), leaving out the standby's own. */
function routingPatches(): unknown[] {
  return world.double
    .requestsMatching({ verb: "patch", resource: "ingresses" })
    .filter((r) => JSON.stringify(r.body).includes(SWITCHYARD_ANNOTATIONS.mode));
}

function kedaTargets(): Record<string, unknown> {
  return Object.fromEntries(
    SD21_UNITS.map((unit) => {
      const spec = world.double.get("ScaledObject", "default", unit)?.spec as {
        triggers: { metadata: Record<string, unknown> }[];
      };
      return [unit, spec.triggers[0]?.metadata.targetMetricValue];
    }),
  );
}

/** The ScaledObjects KEDA holds paused (autoscaling.keda.sh/paused-replicas), with the count. */
function paused(): Record<string, string> {
  return Object.fromEntries(
    SD21_UNITS.flatMap((unit) => {
      const value = world.double.get("ScaledObject", "default", unit)?.metadata.annotations?.[
        "autoscaling.keda.sh/paused-replicas"
      ];
      return value === undefined ? [] : [[unit, value]];
    }),
  );
}

/** The schedule or an EventBridge event reaches evaluate, which starts an execution: its name and input. */
async function evaluated(event: unknown): Promise<{ name: string; input: unknown }> {
  const started = world.started.length;
  await evaluate(event);
  const execution = world.started[started];
  if (execution?.name === undefined) {
    throw new Error("evaluate started no execution");
  }
  return { name: execution.name, input: JSON.parse(execution.input ?? "null") };
}

async function failover(options: Parameters<typeof runModeSwitch>[3] = {}): Promise<WorkflowRun> {
  const { name, input } = await evaluated(createFleetInf2);
  return runModeSwitch(world, input, name, {
    advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
    ...options,
  });
}

function planOf(run: WorkflowRun): SwitchPlan {
  const plan = invocationsOf(run, "plan-switch")[0]?.result as { plan: SwitchPlan } | undefined;
  if (plan === undefined) {
    throw new Error("the Plan step returned nothing");
  }
  return plan.plan;
}

/** How long the plan lets CheckReceivers wait (the controller picks it by move and urgency). */
function deadlineSeconds(plan: SwitchPlan): number {
  return (Date.parse(plan.receiversDeadline) - Date.parse(plan.plannedAt)) / 1000;
}

/** Marks the execution finished in the Step Functions history evaluate reads. */
function finished(run: WorkflowRun, status: "SUCCEEDED" | "FAILED"): void {
  world.executions = world.executions.map((e) =>
    e.executionArn === run.executionArn ? { ...e, status, stopDate: new Date() } : e,
  );
}

describe("Workflow: the mode-switch state machine run locally with the real handlers", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("fails over on a CreateFleet capacity error: round-robin on the Ingress, capacity KEDA targets, one alert with the evidence", async () => {
    world.lbc.lag = 2;
    const before = annotations();
    const run = await failover();

    expect(run.failure).toBeUndefined();
    const plan = planOf(run);
    expect(JSON.parse(annotations()[ACTION] ?? "")).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [{ serviceName: "sd21", servicePort: 80, weight: 100 }],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(annotations()[SWITCHYARD_ANNOTATIONS.failoverCause]).toBe("sd21-inf2");
    expect(kedaTargets()).toEqual(Object.fromEntries(plan.target.units.map((u) => [u.name, u.kedaTarget])));
    // One KEDA target for every unit under round-robin: the slowest SLO-serving rate
    // (l4 at 61 × 900/960 = 57.19 RPS) over the 10 % headroom.
    expect(new Set(Object.values(kedaTargets()))).toEqual(new Set(["52"]));
    // The ALB lagged twice: VerifyAlb was retried on RoutingNotAppliedError, then passed.
    expect(invocationsOf(run, "verify-routing").map((i) => i.error?.name ?? "ok")).toEqual([
      "RoutingNotAppliedError",
      "RoutingNotAppliedError",
      "ok",
    ]);
    expect(statesEntered(run)).not.toContain(S.rollback);

    expect(run.published).toHaveLength(1);
    const alert = run.published[0];
    expect(alert?.TopicArn).toBe(TOPIC_ARN);
    expect(alert?.Subject).toBe("Switchyard sd21: failover cost -> capacity");
    expect(alert?.MessageAttributes).toEqual({
      outcome: { DataType: "String", StringValue: "switched" },
      service: { DataType: "String", StringValue: "sd21" },
      move: { DataType: "String", StringValue: "failover" },
    });
    const message = alert?.Message ?? "";
    expect(message).toContain("sd21 switched from cost to capacity mode (failover)");
    expect(message).toMatch(/Why: .*inf2\.xlarge/);
    expect(message).toMatch(
      /before: sd21-a10g-cuda \d+, sd21-a10g-triton \d+, sd21-l4-triton \d+, sd21-inf2 \d+, sd21-trn1 \d+/,
    );
    expect(message).toContain("after:  sd21 100 (round-robin per pod)");
    expect(message).toMatch(/sd21-inf2 +\S+ -> 52\b/);
    expect(message).toMatch(/- \[breached\] capacity-errors sd21-inf2/);
    expect(message).toContain(`${CONSOLE}${run.executionArn}`);
    expect(before[ACTION]).not.toBe(annotations()[ACTION]);
  });

  it("keeps every field each step returns in the workflow state, under the step's key", async () => {
    const run = await failover();
    const output = run.output ?? {};
    const last = (step: Parameters<typeof invocationsOf>[1]) => invocationsOf(run, step).at(-1)?.result;
    expect(output.plan).toEqual((last("plan-switch") as { plan: unknown }).plan);
    expect(output.scaling).toEqual(last("apply-scaling"));
    expect(output.receivers).toEqual(last("check-receivers"));
    expect(output.routing).toEqual(last("apply-routing"));
    expect(output.verification).toEqual(last("verify-routing"));
    expect(output.release).toEqual(last("release-holds"));
    // The result types are declared against STEP_RESULTS (a mismatch does not compile);
    // this holds the handlers' JSON to them too.
    for (const [key, fields] of Object.entries(STEP_RESULTS)) {
      if (key !== "rollback") {
        expect(Object.keys(output[key] as object).sort()).toEqual([...fields].sort());
      }
    }
  });

  it("has the consolidated Service's target group made and healthy before traffic moves to it, and keeps both modes' groups after", async () => {
    // Prepare: in cost mode the Load Balancer Controller keeps no target group for the
    // consolidated Service (no rule names it: target_group_synthesizer.go deletes it).
    world.alb.targetGroups = world.alb.targetGroups.filter(
      (g) => g.tags["ingress.k8s.aws/resource"] !== "default/sd21-sd21:80",
    );
    const unitGroups = SD21_UNITS.map((unit) => world.lbc.targetGroupOf(unit, 80));
    const atShift: { group: string | undefined; serves: boolean }[] = [];

    // Act
    const run = await failover({
      advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
      beforeStep: (step) => {
        if (step === "apply-routing") {
          const group = world.lbc.targetGroupOf("sd21", 80);
          atShift.push({ group, serves: group !== undefined && world.lbc.servesTraffic(group) });
        }
      },
    });

    // Assess: the standby rule made the group while the receivers started; CheckReceivers
    // waited for its targets (registration, then two 10 s health checks), so the traffic
    // moved to a group that serves.
    expect(run.failure).toBeUndefined();
    const checks = invocationsOf(run, "check-receivers").map(
      (i) => i.result as { ready: boolean; targetsNotReady: string[] },
    );
    expect(checks[0]?.targetsNotReady[0]).toMatch(
      /^Service sd21: (the ALB has no target group for it yet|target group .* has no healthy target)/,
    );
    expect(checks.at(-1)).toMatchObject({ ready: true, targetsNotReady: [] });
    expect(atShift).toEqual([{ group: expect.any(String), serves: true }]);
    const verified = invocationsOf(run, "verify-routing").at(-1)?.result as {
      targetGroups: { serviceName: string; targets: Record<string, number> }[];
    };
    expect(verified.targetGroups).toEqual([
      expect.objectContaining({ serviceName: "sd21", targets: { healthy: expect.any(Number) } }),
    ]);
    // The units' groups carry no traffic now and are still there, the same ones: the
    // standby rule names them, so a fallback finds them registered and healthy.
    expect(SD21_UNITS.map((unit) => world.lbc.targetGroupOf(unit, 80))).toEqual(unitGroups);
  });

  it("falls back once the pool is quiet: the cost weights and targets return, one alert", async () => {
    const first = await failover();
    finished(first, "SUCCEEDED");
    const failoverTargets = kedaTargets();
    vi.setSystemTime(Date.now() + 30 * 60_000);

    const { name, input } = await evaluated({
      ...fixture("scheduled-event"),
      time: new Date().toISOString(),
    });
    expect(input).toMatchObject({ move: "fallback", from: "capacity", to: "cost" });
    const run = await runModeSwitch(world, input, name);

    expect(run.failure).toBeUndefined();
    const plan = planOf(run);
    const action = JSON.parse(annotations()[ACTION] ?? "") as {
      forwardConfig: { targetGroups: { serviceName: string; weight: number }[] };
    };
    expect(action.forwardConfig.targetGroups.map((g) => [g.serviceName, g.weight])).toEqual(
      plan.target.routing.targetGroups.map((g) => [g.serviceName, g.weight]),
    );
    expect(action.forwardConfig.targetGroups.map((g) => g.serviceName).sort()).toEqual(
      [...SD21_UNITS].sort(),
    );
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("cost");
    expect(annotations()[SWITCHYARD_ANNOTATIONS.failoverCause]).toBeUndefined();
    expect(kedaTargets()).toEqual(Object.fromEntries(plan.target.units.map((u) => [u.name, u.kedaTarget])));
    expect(kedaTargets()).not.toEqual(failoverTargets);

    expect(run.published).toHaveLength(1);
    expect(run.published[0]?.Subject).toBe("Switchyard sd21: fallback capacity -> cost");
    const message = run.published[0]?.Message ?? "";
    // Under consolidated routing every unit is reached at the one target group's weight.
    // The routing read before the fallback: the consolidated Service, round-robin.
    expect(message).toContain("before: sd21 100\n");
    expect(message).toContain(
      `after:  ${plan.target.routing.targetGroups.map((g) => `${g.serviceName} ${g.weight}`).join(", ")}`,
    );
    expect(message).toMatch(/sd21-inf2 +52 -> 95\.5/);
    expect(message).toMatch(/- \[passed\] quiet-period sd21-inf2/);
    expect(message).toContain(`${CONSOLE}${run.executionArn}`);
  });

  it("repairs what a failover stopped from the console left: evaluate finds its holds, the repair lifts them and sets cost mode's targets again, with an alert", async () => {
    const aborted = await failover({ abortBefore: "check-receivers" });
    expect(aborted.failure?.error).toBe("ExecutionAbortedError");
    const left = paused();
    expect(Object.keys(left).length).toBeGreaterThan(0);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).not.toBe("capacity");
    // Step Functions lists it ABORTED; the capacity errors are out of their window by now.
    world.executions = world.executions.map((e) =>
      e.executionArn === aborted.executionArn ? { ...e, status: "ABORTED", stopDate: new Date() } : e,
    );
    vi.setSystemTime(Date.now() + 10 * 60_000);

    const { name, input } = await evaluated({
      ...fixture("scheduled-event"),
      time: new Date().toISOString(),
    });
    expect(input).toMatchObject({ move: "repair", from: "cost", to: "cost" });
    expect(
      (input as { releaseHolds: { unit: string; owner: string }[] }).releaseHolds.map((h) => h.unit).sort(),
    ).toEqual(Object.keys(left).sort());
    const run = await runModeSwitch(world, input, name);

    expect(run.failure).toBeUndefined();
    expect(paused()).toEqual({});
    const plan = planOf(run);
    expect(kedaTargets()).toEqual(Object.fromEntries(plan.target.units.map((u) => [u.name, u.kedaTarget])));
    expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: repair cost -> cost"]);
    expect(run.published[0]?.Message).toContain(
      `the last switch, ${aborted.executionArn.split(":").at(-1)}, ended ABORTED without its Rollback`,
    );
    expect(run.published[0]?.Message).toMatch(
      /is held at \d+ replicas by sd21-failover-\d{12}, which ended ABORTED/,
    );
  });

  it(
    "rolls a fallback back, without moving traffic, when its receivers are not ready by the deadline",
    async () => {
      const first = await failover();
      finished(first, "SUCCEEDED");
      vi.setSystemTime(Date.now() + 30 * 60_000);
      const { name, input } = await evaluated({
        ...fixture("scheduled-event"),
        time: new Date().toISOString(),
      });
      // A pod of the receiver never becomes ready (no capacity for it after all).
      await slowReceiver(input);
      const before = annotations();
      const targetsBefore = kedaTargets();
      world.double.clearRequests();

      const run = await runModeSwitch(world, input, name, {
        advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
      });

      const timeout = deadlineSeconds(planOf(run));
      const checks = invocationsOf(run, "check-receivers");
      expect(checks.length).toBeGreaterThanOrEqual(timeout / RECEIVER_POLL_SECONDS);
      expect(checks.length).toBeLessThanOrEqual(timeout / RECEIVER_POLL_SECONDS + 1);
      expect(checks.at(-1)?.error?.name).toBe("ReceiversNotReadyError");
      expect(run.failure?.error).toBe("ReceiversNotReadyError");
      expect(invocationsOf(run, "apply-routing")).toEqual([]);
      expect(routingPatches()).toEqual([]);
      expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
      expect(kedaTargets()).toEqual(targetsBefore);
      expect(run.published.map((p) => p.Subject)).toEqual([
        "Switchyard sd21: fallback FAILED, rolled back (capacity stays)",
      ]);
      expect(run.published[0]?.Message).toContain(
        `Error: ReceiversNotReadyError: the fallback's receiving units were not ready`,
      );
    },
    LONG_WAIT_MS,
  );

  it("rolls back a switch the ALB never shows: the previous annotation and targets return, one failure alert", async () => {
    world.lbc.lag = "never";
    const before = annotations();
    const targetsBefore = kedaTargets();
    const run = await failover();

    // 1 attempt + the retrier's MaxAttempts (9 for the 180 s verifyTimeoutSeconds), then the Catch.
    expect(invocationsOf(run, "verify-routing")).toHaveLength(10);
    expect(statesEntered(run).slice(-4)).toEqual(ROLLED_BACK);
    expect(run.failure?.error).toBe("RoutingNotAppliedError");
    expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
    expect(kedaTargets()).toEqual(targetsBefore);
    expect(paused()).toEqual({});

    expect(run.published).toHaveLength(1);
    const alert = run.published[0];
    expect(alert?.Subject).toBe("Switchyard sd21: failover FAILED, rolled back (cost stays)");
    expect(alert?.MessageAttributes.outcome?.StringValue).toBe("rolled-back");
    expect(alert?.Message).toContain(
      "Error: RoutingNotAppliedError: the ALB listener rule does not hold the planned weights yet",
    );
    expect(alert?.Message).toMatch(/Restored: the Ingress annotations and \d+ KEDA target\(s\)/);
    expect(alert?.Message).toContain(`${CONSOLE}${run.executionArn}`);
  });

  it("moves no traffic when ScaleReceivers fails part-way: the changed target is restored and the failure announced", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    const scaling = (await planFor(input)).scaling;
    const denied = scaling[1]?.scaledObject ?? "";
    world.double.deny({ verb: "patch", resource: "scaledobjects", name: denied });
    const before = annotations();
    const targetsBefore = kedaTargets();

    const run = await runModeSwitch(world, input, name);

    expect(invocationsOf(run, "apply-scaling").map((i) => i.error?.name)).toEqual([
      "KubernetesForbiddenError",
    ]);
    expect(invocationsOf(run, "apply-routing")).toEqual([]);
    expect(routingPatches()).toEqual([]);
    expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
    expect(kedaTargets()).toEqual(targetsBefore);
    expect(run.failure?.error).toBe("KubernetesForbiddenError");

    expect(run.published).toHaveLength(1);
    const message = run.published[0]?.Message ?? "";
    expect(run.published[0]?.Subject).toBe("Switchyard sd21: failover FAILED, rolled back (cost stays)");
    expect(message).toContain(
      `Error: KubernetesForbiddenError: cannot patch scaledobjects.keda.sh "${denied}"`,
    );
    expect(message).toContain("deploy/rbac.yaml");
    expect(message).toContain("Restored: 1 KEDA target(s).");
  });

  it("announces a Plan that fails and changes nothing, from the error alone", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    const run = await runModeSwitch(world, { ...(input as object), service: "sd15" }, name);

    expect(statesEntered(run)).toEqual([S.plan, S.notifyPlanFailure, S.planFailed]);
    expect(run.failure?.error).toBe("SwitchInputError");
    expect(world.double.requestsMatching({ verb: "patch", resource: "ingresses" })).toEqual([]);
    expect(world.double.requestsMatching({ verb: "patch", resource: "scaledobjects" })).toEqual([]);
    expect(run.published).toHaveLength(1);
    expect(run.published[0]?.Subject).toBe("Switchyard: a mode switch failed to plan; nothing was changed");
    expect(run.published[0]?.MessageAttributes).toEqual({
      outcome: { DataType: "String", StringValue: "plan-failed" },
      execution: { DataType: "String", StringValue: name },
    });
    const message = run.published[0]?.Message ?? "";
    expect(message).toContain(`Switchyard could not plan the mode switch ${name} and changed nothing`);
    expect(message).toMatch(/Error: SwitchInputError: .*no service \\?"sd15\\?" in the deployed config/);
    expect(message).toContain(`${CONSOLE}${run.executionArn}`);
  });

  it("refuses to touch an action that also routes to a Service the config does not name, and announces it", async () => {
    // Another team's canary added to the same action, at weight 10, after evaluate
    // decided (evaluate refuses such an action itself; Plan holds the line for a change
    // made while the execution starts).
    const { name, input } = await evaluated(createFleetInf2);
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      const annotations = ingress.metadata.annotations as Record<string, string>;
      const action = JSON.parse(annotations[ACTION] ?? "") as {
        forwardConfig: { targetGroups: { serviceName: string; servicePort: number; weight: number }[] };
      };
      action.forwardConfig.targetGroups.push({ serviceName: "sd21-canary", servicePort: 80, weight: 10 });
      annotations[ACTION] = JSON.stringify(action);
    });
    const before = annotations();
    const targetsBefore = kedaTargets();
    world.double.clearRequests();

    const run = await runModeSwitch(world, input, name);

    expect(statesEntered(run)).toEqual([S.plan, S.notifyPlanFailure, S.planFailed]);
    expect(run.failure?.error).toBe("ForeignRoutingError");
    expect(world.double.requestsMatching({ verb: "patch" })).toEqual([]);
    expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
    expect(kedaTargets()).toEqual(targetsBefore);
    expect(run.published.map((p) => p.Subject)).toEqual([
      "Switchyard: a mode switch failed to plan; nothing was changed",
    ]);
    expect(run.published[0]?.Message).toMatch(
      /Error: ForeignRoutingError: .*Ingress default\/sd21 annotation alb\.ingress\.kubernetes\.io\/actions\.weighted-routing also routes to Service sd21-canary:80 \(weight 10\), which services\[sd21\] in the config does not name/,
    );
  });

  it("still announces a switch whose Rollback fails too, with both errors", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    const scaling = (await planFor(input)).scaling;
    world.double.deny({ verb: "patch", resource: "scaledobjects", name: scaling[1]?.scaledObject ?? "" });
    const run = await runModeSwitch(world, input, name, {
      beforeStep: (step) => {
        if (step === "rollback") {
          // The Rollback function itself fails (no Kubernetes call fails on its own: each
          // part of a rollback is undone and reported independently).
          throw Object.assign(new Error("Task timed out after 60.00 seconds"), { name: "Sandbox.Timedout" });
        }
      },
    });

    expect(statesEntered(run).slice(-3)).toEqual([S.rollback, S.notifyRollbackFailure, S.rollbackFailed]);
    expect(run.failure?.error).toBe("RollbackFailed");
    expect(run.published).toHaveLength(1);
    expect(run.published[0]?.Subject).toBe(
      "Switchyard: a mode switch failed and its ROLLBACK FAILED - check the service",
    );
    expect(run.published[0]?.MessageAttributes.outcome?.StringValue).toBe("rollback-failed");
    const message = run.published[0]?.Message ?? "";
    expect(message).toContain(`The mode switch ${name} failed, and so did its rollback.`);
    expect(message).toMatch(/Switch error: KubernetesForbiddenError: .*cannot patch scaledobjects/);
    expect(message).toMatch(/Rollback error: Sandbox.Timedout: .*Task timed out/);
    expect(message).toContain(`${CONSOLE}${run.executionArn}`);
  });

  it("undoes routing, targets and holds each on its own: a denied Ingress read still lifts the holds, and the alert says what was not restored", async () => {
    world.lbc.lag = "never";
    const targetsBefore = kedaTargets();
    const run = await failover({
      beforeStep: (step) => {
        if (step === "rollback") {
          world.double.deny({ verb: "get", resource: "ingresses" });
        }
      },
    });
    const plan = planOf(run);
    expect(plan.holds.length).toBeGreaterThan(0);

    expect(statesEntered(run).slice(-4)).toEqual(ROLLED_BACK);
    expect(run.failure?.error).toBe("RoutingNotAppliedError");
    // The holds and the KEDA targets are back although the Ingress could not be read.
    expect(paused()).toEqual({});
    expect(kedaTargets()).toEqual(targetsBefore);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");

    expect(run.published).toHaveLength(1);
    const alert = run.published[0];
    expect(alert?.Subject).toBe("Switchyard sd21: failover FAILED, rollback INCOMPLETE - check the service");
    expect(alert?.MessageAttributes.outcome?.StringValue).toBe("rollback-incomplete");
    const message = alert?.Message ?? "";
    expect(message).toMatch(
      new RegExp(
        `Restored: ${plan.scaling.length} KEDA target\\(s\\) and ${plan.holds.length} replica hold\\(s\\)\\.`,
      ),
    );
    expect(message).toMatch(
      /NOT restored: Ingress default\/sd21 annotations \(alb\.ingress\.kubernetes\.io\/actions\.weighted-routing, .*\) as read before the switch - KubernetesForbiddenError: cannot get ingresses/,
    );
    const rollback = invocationsOf(run, "rollback")[0]?.result as RollbackResult;
    expect(rollback.outcome).toBe("rollback-incomplete");
    expect(rollback.notRestored.map((n) => n.what)).toEqual([
      expect.stringMatching(/^Ingress default\/sd21/),
    ]);
  });

  it("lifts the holds when the switch's Notify fails after its retries, and fails the execution with the SNS error", async () => {
    const run = await failover({
      failPublish: { state: S.notify, error: "SNS.AuthorizationErrorException" },
    });
    const plan = planOf(run);
    expect(plan.holds.length).toBeGreaterThan(0);

    expect(statesEntered(run).slice(-6)).toEqual([
      S.notify,
      S.anyHolds,
      S.holdReceivers,
      S.releaseReceivers,
      S.announced,
      S.announceFailed,
    ]);
    expect(invocationsOf(run, "release-holds")).toHaveLength(1);
    expect(paused()).toEqual({});
    // The verified switch stands.
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(statesEntered(run)).not.toContain(S.rollback);
    expect(run.failure?.error).toBe("SNS.AuthorizationErrorException");
    expect(run.published).toEqual([]);
  });

  it("ends a move that another move superseded in its own Superseded state, with a short note and no failure alert", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    // The receiver is slow, so the switch waits; meanwhile a person moves the traffic.
    await slowReceiver(input);
    const targetsBefore = kedaTargets();
    const run = await runModeSwitch(world, input, name, {
      beforeStep: (step, n) => {
        if (step === "check-receivers" && n === 2) {
          world.double.edit("Ingress", "default", "sd21", (ingress) => {
            (ingress.metadata.annotations as Record<string, string>)[ACTION] =
              '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-trn1","servicePort":80,"weight":100}]}}';
          });
        }
      },
    });

    expect(invocationsOf(run, "check-receivers").at(-1)?.error?.name).toBe("SwitchSupersededError");
    expect(statesEntered(run).slice(-4)).toEqual([
      S.rollback,
      S.rollbackOutcome,
      S.notifySuperseded,
      S.superseded,
    ]);
    // Its own outcome: not the step's error, and no failure alert.
    expect(run.failure?.error).toBe("SwitchSuperseded");
    expect(invocationsOf(run, "apply-routing")).toEqual([]);
    // Its own changes are undone; the person's routing stays.
    expect(kedaTargets()).toEqual(targetsBefore);
    expect(paused()).toEqual({});
    expect(JSON.parse(annotations()[ACTION] ?? "").forwardConfig.targetGroups).toEqual([
      { serviceName: "sd21-trn1", servicePort: 80, weight: 100 },
    ]);
    expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: failover superseded, stood down"]);
    expect(run.published[0]?.MessageAttributes.outcome?.StringValue).toBe("superseded");
    const message = run.published[0]?.Message ?? "";
    expect(message).toMatch(
      /^sd21: the failover from cost to capacity mode stood down before moving traffic: the routing of Ingress default\/sd21 changed after/,
    );
    expect(message).not.toContain("FAILED");
    expect(message).not.toContain("Evidence:");
    expect(message.split("\n").length).toBeLessThan(8);
  });

  it("leaves a verified switch in place when the holds cannot be lifted, and says which to lift by hand", async () => {
    const run = await failover({
      beforeStep: (step) => {
        if (step === "release-holds") {
          world.double.deny({ verb: "patch", resource: "scaledobjects" });
        }
      },
    });
    const holds = planOf(run).holds;
    expect(holds.length).toBeGreaterThan(0);
    expect(statesEntered(run).slice(-4)).toEqual([
      S.holdReceivers,
      S.releaseReceivers,
      S.notifyReleaseFailure,
      S.releaseFailed,
    ]);
    expect(run.failure?.error).toBe("KubernetesForbiddenError");
    expect(statesEntered(run)).not.toContain(S.rollback);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(run.published.map((p) => p.Subject)).toEqual([
      "Switchyard sd21: failover cost -> capacity",
      "Switchyard: receivers still held after a switch - KEDA cannot scale them",
    ]);
    const message = run.published[1]?.Message ?? "";
    for (const hold of holds) {
      expect(message).toContain(`"scaledObject":"${hold.scaledObject}"`);
    }
    // The rollback's hand-fix: KEDA's pause and Switchyard's mark on it, both.
    expect(message).toContain(
      "kubectl annotate scaledobject <scaledObject> -n <namespace> autoscaling.keda.sh/paused-replicas- switchyard.io/held-replicas-",
    );
    expect(message).toContain(`${CONSOLE}${run.executionArn}`);
  });

  it("alerts when KEDA leaves a released unit Paused without its HPA, after retrying for it", async () => {
    // kedacore/keda#6982: the annotation goes, the ScaledObject stays Paused, no HPA.
    world.keda.fault = "stuck-paused";
    const run = await failover();
    const holds = planOf(run).holds;
    expect(holds.length).toBeGreaterThan(0);

    // The first attempt and the 5 retries of ScalingNotResumedError, then the Catch.
    expect(invocationsOf(run, "release-holds").map((i) => i.error?.name)).toEqual(
      Array.from({ length: 6 }, () => "ScalingNotResumedError"),
    );
    expect(statesEntered(run).slice(-3)).toEqual([S.releaseReceivers, S.notifyNotResumed, S.releaseFailed]);
    expect(run.failure?.error).toBe("ScalingNotResumedError");
    expect(paused()).toEqual({});
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(run.published.map((p) => p.Subject)).toEqual([
      "Switchyard sd21: failover cost -> capacity",
      "Switchyard: KEDA did not resume autoscaling after a switch - check KEDA",
    ]);
    expect(run.published[1]?.MessageAttributes.outcome?.StringValue).toBe("not-resumed");
    const message = run.published[1]?.Message ?? "";
    const first = holds[0]?.scaledObject ?? "";
    expect(message).toContain(
      `ScaledObject default/${first}: its Paused condition is True, not False; HorizontalPodAutoscaler keda-hpa-${first} does not exist`,
    );
    expect(message).toContain("KEDA 2.18.2 or later is required");
  });

  it("does not hold a receiver an operator paused, says so in the alert, and still switches", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    const receiver = (await planFor(input)).holds[0]?.scaledObject ?? "";
    world.double.edit("ScaledObject", "default", receiver, (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, "autoscaling.keda.sh/paused-scale-out": "true" };
    });

    const run = await runModeSwitch(world, input, name, {
      advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
    });

    expect(run.failure).toBeUndefined();
    const scaling = invocationsOf(run, "apply-scaling")[0]?.result as
      | { holds: { unit: string }[] }
      | undefined;
    const holds = scaling?.holds ?? [];
    expect(holds.find((h) => h.unit === receiver)).toMatchObject({
      outcome: "paused-by-someone-else",
      pausedBy: ["autoscaling.keda.sh/paused-scale-out=true"],
    });
    expect(world.double.get("ScaledObject", "default", receiver)?.metadata.annotations).toEqual({
      "autoscaling.keda.sh/paused-scale-out": "true",
    });
    expect(run.published[0]?.Message).toContain(
      `Receiver ${receiver} not held: ScaledObject ${receiver} is paused by someone else (autoscaling.keda.sh/paused-scale-out=true); Switchyard leaves an operator's pause alone`,
    );
    expect(run.published[0]?.Message).not.toMatch(new RegExp(`held while traffic moved[^\n]*${receiver} `));
  });

  it("does not report KEDA as not resumed for a held unit an operator paused meanwhile", async () => {
    const run = await failover({
      beforeStep: (step) => {
        if (step === "release-holds") {
          const first = SD21_UNITS.find((unit) => paused()[unit] !== undefined) ?? "";
          world.double.edit("ScaledObject", "default", first, (o) => {
            o.metadata.annotations = { ...o.metadata.annotations, "autoscaling.keda.sh/paused": "true" };
          });
        }
      },
    });

    expect(run.failure).toBeUndefined();
    expect(statesEntered(run)).not.toContain(S.notifyNotResumed);
    expect(invocationsOf(run, "release-holds").map((i) => i.error?.name ?? "ok")).toEqual(["ok"]);
    const release = invocationsOf(run, "release-holds")[0]?.result as {
      pausedByOthers: { unit: string; pauses: string[] }[];
    };
    expect(release.pausedByOthers).toEqual([
      expect.objectContaining({ pauses: ["autoscaling.keda.sh/paused=true"] }),
    ]);
    expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: failover cost -> capacity"]);
  });

  it("finds the units KEDA's again after the release: Paused False and each HPA back", async () => {
    const run = await failover();
    expect(run.failure).toBeUndefined();
    for (const hold of planOf(run).holds) {
      const object = world.double.get("ScaledObject", "default", hold.scaledObject) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      expect(object.status?.conditions?.find((c) => c.type === "Paused")?.status).toBe("False");
      expect(
        world.double.get("HorizontalPodAutoscaler", "default", `keda-hpa-${hold.scaledObject}`),
      ).toBeDefined();
    }
    expect(invocationsOf(run, "release-holds").map((i) => i.error?.name ?? "ok")).toEqual(["ok"]);
  });

  it("retries a step that failed with TransientError and completes the switch", async () => {
    const run = await failover({
      beforeStep: (step, n) => {
        if (step === "apply-routing" && n === 1) {
          world.double.failNext({ verb: "patch", resource: "ingresses", status: 503 });
        }
      },
    });
    expect(invocationsOf(run, "apply-routing").map((i) => i.error?.name ?? "ok")).toEqual([
      "TransientError",
      "ok",
    ]);
    expect(run.failure).toBeUndefined();
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: failover cost -> capacity"]);
  });

  it.each(["Sandbox.Timedout", "Lambda.Unknown"] as const)(
    "runs ShiftTraffic again after it timed out (%s) once its patch had landed, and completes the switch instead of rolling it back",
    async (error) => {
      const run = await failover({ timeOut: { step: "apply-routing", invocations: [1], error } });
      expect(invocationsOf(run, "apply-routing").map((i) => i.error?.name ?? "ok")).toEqual([error, "ok"]);
      expect(invocationsOf(run, "rollback")).toEqual([]);
      expect(run.failure).toBeUndefined();
      expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
      expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: failover cost -> capacity"]);
    },
  );

  it("rolls back a step that times out on every run, after two more runs", async () => {
    const run = await failover({
      timeOut: { step: "verify-routing", invocations: [1, 2, 3], error: "Sandbox.Timedout" },
    });
    expect(invocationsOf(run, "verify-routing").map((i) => i.error?.name)).toEqual([
      "Sandbox.Timedout",
      "Sandbox.Timedout",
      "Sandbox.Timedout",
    ]);
    expect(invocationsOf(run, "rollback")).toHaveLength(1);
    expect(run.failure?.error).toBe("Sandbox.Timedout");
  });

  it("never retries a FailedBuildModel that names the action: one VerifyAlb, then Rollback", async () => {
    world.lbc.lag = "never";
    const before = annotations();
    const run = await failover({
      beforeStep: (step) => {
        if (step === "verify-routing") {
          controllerEvent(
            "FailedBuildModel",
            'Failed build model due to ingress: default/sd21: failed to parse json annotation, alb.ingress.kubernetes.io/actions.weighted-routing: {"type":"forward",}: invalid character \'}\' looking for beginning of object key string',
          );
        }
      },
    });
    expect(invocationsOf(run, "verify-routing").map((i) => i.error?.name)).toEqual(["RoutingRejectedError"]);
    expect(run.failure?.error).toBe("RoutingRejectedError");
    expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
    expect(run.published[0]?.Message).toContain(
      "Error: RoutingRejectedError: the AWS Load Balancer Controller rejected",
    );
  });

  it("keeps verifying through a FailedBuildModel of a subnet lookup (the controller retries its build) and completes the switch", async () => {
    // The controller records FailedBuildModel for AWS errors of its model build too
    // (model_build_load_balancer.go: "couldn't auto-discover subnets"), and requeues.
    world.lbc.lag = 2;
    const run = await failover({
      beforeStep: (step, n) => {
        if (step === "verify-routing" && n === 1) {
          controllerEvent(
            "FailedBuildModel",
            "Failed build model due to couldn't auto-discover subnets: operation error EC2: DescribeSubnets, api error RequestLimitExceeded: Request limit exceeded.",
          );
        }
      },
    });
    const attempts = invocationsOf(run, "verify-routing");
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.slice(0, -1).every((i) => i.error?.name === "RoutingNotAppliedError")).toBe(true);
    expect(attempts[0]?.error?.message).toContain(
      "reported FailedBuildModel (it retries): Failed build model due to couldn't auto-discover subnets",
    );
    expect(run.failure).toBeUndefined();
    expect(statesEntered(run)).not.toContain(S.rollback);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
  });

  it("keeps verifying through a FailedDeployModel (the controller retries its deploy) and completes the switch", async () => {
    // The Load Balancer Controller records FailedDeployModel for any ELBv2 error, throttling
    // included, and requeues (controllers/ingress/group_controller.go); the next reconcile
    // applies the weights.
    world.lbc.lag = 2;
    const run = await failover({
      beforeStep: (step, n) => {
        if (step === "verify-routing" && n === 1) {
          controllerEvent(
            "FailedDeployModel",
            "Failed deploy model due to operation error Elastic Load Balancing v2: ModifyRule, Throttling: Rate exceeded",
          );
        }
      },
    });
    const attempts = invocationsOf(run, "verify-routing");
    // How many DescribeRules the lag takes depends on the handler's cached ALB lookup.
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.slice(0, -1).every((i) => i.error?.name === "RoutingNotAppliedError")).toBe(true);
    expect(attempts.at(-1)?.error).toBeUndefined();
    expect(attempts[0]?.error?.message).toContain(
      "reported FailedDeployModel (it retries): Failed deploy model",
    );
    expect(run.failure).toBeUndefined();
    expect(statesEntered(run)).not.toContain(S.rollback);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(run.published.map((p) => p.Subject)).toEqual(["Switchyard sd21: failover cost -> capacity"]);
  });

  it("rolls back at the deadline when FailedDeployModel never clears, and says so in the alert", async () => {
    world.lbc.lag = "never";
    const before = annotations();
    const run = await failover({
      beforeStep: (step, n) => {
        if (step === "verify-routing" && n === 1) {
          controllerEvent(
            "FailedDeployModel",
            "Failed deploy model due to AccessDenied: elasticloadbalancing:ModifyRule",
          );
        }
      },
    });
    expect(invocationsOf(run, "verify-routing")).toHaveLength(10);
    expect(run.failure?.error).toBe("RoutingNotAppliedError");
    expect(withoutStandby(annotations())).toEqual(withoutStandby(before));
    expect(run.published[0]?.Message).toContain(
      "reported FailedDeployModel (it retries): Failed deploy model due to AccessDenied",
    );
  });

  it("waits for a receiving unit to be ready before it moves traffic", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    const receiver = await slowReceiver(input);
    const readyWhenShifted: boolean[] = [];
    const run = await runModeSwitch(world, input, name, {
      beforeStep: (step, n) => {
        if (step === "check-receivers" && n === 3) {
          world.double.edit("Deployment", "default", receiver, (deployment) => {
            Object.assign(deployment.status as object, { readyReplicas: 2, availableReplicas: 2 });
          });
        }
        if (step === "apply-routing") {
          const status = world.double.get("Deployment", "default", receiver)?.status as {
            readyReplicas?: number;
          };
          readyWhenShifted.push(status.readyReplicas === 2);
        }
      },
    });
    expect(invocationsOf(run, "check-receivers").map((i) => (i.result as { ready: boolean }).ready)).toEqual([
      false,
      false,
      true,
    ]);
    expect(readyWhenShifted).toEqual([true]);
    expect(run.failure).toBeUndefined();
  });

  it("moves traffic at once when a failover that was waiting turns urgent", async () => {
    const { name, input } = await evaluated(createFleetInf2);
    await slowReceiver(input);
    const run = await runModeSwitch(world, input, name, {
      advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
      beforeStep: (step, n) => {
        if (step === "check-receivers" && n === 2) {
          // The unit that caused the failover loses its last ready pod.
          world.double.edit("Deployment", "default", "sd21-inf2", (deployment) => {
            (deployment.status as { readyReplicas?: number }).readyReplicas = 0;
            (deployment.status as { availableReplicas?: number }).availableReplicas = 0;
          });
        }
      },
    });
    const verdicts = invocationsOf(run, "check-receivers").map(
      (i) => (i.result as { verdict: string }).verdict,
    );
    expect(verdicts).toEqual(["waiting", "turned-urgent"]);
    expect(invocationsOf(run, "apply-routing")).toHaveLength(1);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
  });

  it(
    "moves traffic anyway once the plan's receiver deadline passes (bounded wait)",
    async () => {
      const { name, input } = await evaluated(createFleetInf2);
      await slowReceiver(input);
      const run = await runModeSwitch(world, input, name, {
        advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
      });
      const checks = invocationsOf(run, "check-receivers").map(
        (i) => i.result as { ready: boolean; timedOut: boolean },
      );
      // One check per 10 s pause until the plan's deadline has passed.
      const timeout = deadlineSeconds(planOf(run));
      expect(checks.length).toBeGreaterThanOrEqual(timeout / RECEIVER_POLL_SECONDS);
      expect(checks.length).toBeLessThanOrEqual(timeout / RECEIVER_POLL_SECONDS + 1);
      expect(checks.at(-1)).toMatchObject({ ready: false, timedOut: true, verdict: "deadline" });
      expect(checks.slice(0, -1).every((c) => !c.timedOut)).toBe(true);
      expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    },
    LONG_WAIT_MS,
  );
});

/**
 * Holds the first receiver of the plan for `input` short of ready: a second pod that never
 * becomes ready (no capacity for it). Returns its name.
 */
async function slowReceiver(input: unknown): Promise<string> {
  const receiver = (await planFor(input)).receivers[0] ?? "";
  world.double.edit("Deployment", "default", receiver, (deployment) => {
    (deployment.spec as { replicas: number }).replicas = 2;
    (deployment.status as { replicas: number }).replicas = 2;
  });
  return receiver;
}

/** An Event the AWS Load Balancer Controller records on the Ingress, a second from now. */
function controllerEvent(reason: Parameters<typeof ingressEvent>[0]["reason"], message: string): void {
  world.double.put(
    ingressEvent({ ingress: "sd21", reason, message, at: new Date(Date.now() + 1000).toISOString() }),
  );
}

/** The plan a run would make, from the Plan step's handler on its own (it changes nothing). */
async function planFor(input: unknown): Promise<SwitchPlan> {
  return (await planSwitch({ input })).plan;
}
