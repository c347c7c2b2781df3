import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { MODE_SWITCH_STATES as S } from "@switchyard/core/workflow";
import { describe, expect, it, vi } from "vitest";
import { runSwitchyard } from "../support/cli.ts";
import { HandlerWorld, useHandlerWorld } from "../support/handler-world.ts";
import { SD21_UNITS } from "../support/kube-objects.ts";
import { describeIngressEvents } from "../support/kubectl-describe.ts";
import { STATE_MACHINE_ARN } from "../support/lambda-env.ts";
import { runModeSwitch, statesEntered, type WorkflowRun } from "../support/local-workflow.ts";
import { sd21Config } from "../support/sd21.ts";
import { withoutStandby } from "../support/standby.ts";

// The operator's verbs against the deployed workflow: the CLI starts (or aborts) an
// execution through the mocked Step Functions, and the state machine runs it with the real
// handlers against the Kubernetes API double.

const world = new HandlerWorld(sd21Config());
const NOW = Date.parse("2026-11-14T21:20:00Z");
const REASON = "INC-4211: inf2 pool degraded in us-west-2b";

/** The CLI on the world's clock, against the world's stack. */
function switchyard(...args: string[]) {
  return runSwitchyard(
    [...args, "-c", "examples/sd21/switchyard.yaml", "-s", "sd21", "--state-machine-arn", STATE_MACHINE_ARN],
    {},
    { now: () => new Date() },
  );
}

/** Runs the execution the CLI started, as Step Functions would. */
async function runStarted(options: Parameters<typeof runModeSwitch>[3] = {}): Promise<WorkflowRun> {
  const started = world.started.at(-1);
  if (started?.name === undefined) {
    throw new Error("the CLI started no execution");
  }
  return runModeSwitch(world, JSON.parse(started.input ?? "null"), started.name, {
    advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
    ...options,
  });
}

function annotations(): Record<string, string> {
  return { ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}) };
}

/** Each unit's KEDA target and pause, as the ScaledObjects hold them. */
function scaledObjects(): Record<string, unknown> {
  return Object.fromEntries(
    SD21_UNITS.map((unit) => {
      const object = world.double.get("ScaledObject", "default", unit);
      const spec = object?.spec as { triggers: { metadata: Record<string, unknown> }[] };
      return [
        unit,
        {
          target: spec.triggers[0]?.metadata.targetMetricValue,
          paused: object?.metadata.annotations?.["autoscaling.keda.sh/paused-replicas"],
        },
      ];
    }),
  );
}

describe("Operator verbs through the workflow", () => {
  useHandlerWorld(world, NOW);

  it("failover: the operator's reason is the cause in the alert's evidence and in the Events", async () => {
    const cli = await switchyard("failover", "--reason", REASON);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);

    const run = await runStarted();

    expect(run.failure).toBeUndefined();
    expect(annotations()[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    // No unit caused it: a fallback waits for every unit to be clear.
    expect(annotations()[SWITCHYARD_ANNOTATIONS.failoverCause]).toBe("");
    const [alert] = run.published;
    expect(alert?.Subject).toBe("Switchyard sd21: failover cost -> capacity");
    expect(alert?.Message).toContain(
      `Why: an operator asked for a failover: "${REASON}"; planned for 405.5 RPS`,
    );
    expect(alert?.Message).toContain(`  - [passed] operator: observed ${REASON}, threshold n/a`);
    const events = await describeIngressEvents(world.double, "default", "sd21");
    expect(events.map((e) => e.reason)).toEqual(["SwitchStarted", "TrafficMoved", "SwitchSucceeded"]);
    expect(events[0]?.message).toContain(`Why: an operator asked for a failover: "${REASON}"`);
  });

  it("abort: the running failover stops at its next readiness check and its own Rollback restores everything, holds included", async () => {
    const before = { annotations: annotations(), scaledObjects: scaledObjects() };
    expect((await switchyard("failover", "--reason", REASON)).code).toBe(0);
    let aborted: Awaited<ReturnType<typeof switchyard>> | undefined;

    const run = await runStarted({
      beforeStep: async (step, n) => {
        if (step === "check-receivers" && n === 1) {
          // The receivers are scaled and held: the operator changes their mind.
          expect(
            Object.values(scaledObjects()).some((o) => (o as { paused?: string }).paused !== undefined),
          ).toBe(true);
          aborted = await switchyard("abort", "--reason", "wrong pool", "--no-wait");
        }
      },
    });

    expect(aborted?.stderr).toBe("");
    expect(aborted?.code).toBe(0);
    expect(run.failure?.error).toBe("SwitchAbortedError");
    expect(statesEntered(run).slice(-4)).toEqual([
      S.rollback,
      S.rollbackOutcome,
      S.notifyFailure,
      S.switchFailed,
    ]);
    // Routing never moved; KEDA targets back; every replica hold lifted.
    expect(scaledObjects()).toEqual(before.scaledObjects);
    expect(withoutStandby(annotations())).toEqual({
      ...before.annotations,
      [SWITCHYARD_ANNOTATIONS.abort]: world.started[0]?.name,
      [SWITCHYARD_ANNOTATIONS.abortReason]: "wrong pool",
    });
    const [alert] = run.published;
    expect(alert?.Subject).toBe("Switchyard sd21: failover ABORTED by an operator, rolled back (cost stays)");
    expect(alert?.Message).toContain(
      "Error: SwitchAbortedError: an operator aborted sd21-failover-202611142120",
    );
    const events = await describeIngressEvents(world.double, "default", "sd21");
    expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual([
      "Normal SwitchStarted",
      "Warning SwitchAborted",
    ]);
    expect(events[1]?.message).toMatch(
      /^Failover from cost to capacity mode aborted by an operator \(sd21-failover-202611142120\) and rolled back, restored \d+ KEDA target\(s\) and \d+ replica hold\(s\); cost mode stays\. an operator aborted sd21-failover-202611142120 .*: wrong pool/,
    );
  });
});
