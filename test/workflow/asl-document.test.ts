import { loadConfig, SwitchyardError } from "@switchyard/core";
import { modeSwitchTiming, modeSwitchWorkflow, MODE_SWITCH_STATES as S } from "@switchyard/core/workflow";
import validateAsl from "asl-validator";
import { describe, expect, it } from "vitest";
import * as evaluationCause from "../../functions/shared/evaluation-cause.ts";
import * as adapterErrors from "../../packages/adapters/src/errors.ts";
import * as controllerErrors from "../../packages/controller/src/errors.ts";
import * as coreErrors from "../../packages/core/src/errors.ts";
import type { AslDocument, AslState, TaskState } from "../../packages/core/src/workflow/asl.ts";
import { RETRIED_ERRORS } from "../../packages/core/src/workflow/step-table.ts";
import { retryWaits, verifyRetrier } from "../../packages/core/src/workflow/verify-retry.ts";
import { RECEIVER_POLL_SECONDS } from "../../packages/core/src/workflow/workflow-timing.ts";
import { FUNCTION_ARNS, TOPIC_ARN, testWorkflow } from "../support/local-workflow.ts";
import { readRepoFile } from "../support/paths.ts";
import { sd21Config } from "../support/sd21.ts";

// The transient Lambda errors AWS lists for lambda:invoke (Step Functions developer guide,
// "Handle transient Lambda service exceptions"), ClientExecutionTimeoutException included.
const LAMBDA_SERVICE = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
];

// A function cut off by its timeout (or memory): Sandbox.Timedout, or Lambda.Unknown for
// "unhandled errors in Lambda ... out-of-memory errors and function timeouts" (same page).
const LAMBDA_TIMEOUT = ["Sandbox.Timedout", "Lambda.Unknown"];

function tasks(document: AslDocument): [string, TaskState][] {
  return Object.entries(document.States).flatMap(([name, state]: [string, AslState]) =>
    state.Type === "Task" ? [[name, state] as [string, TaskState]] : [],
  );
}

function lambdaTasks(document: AslDocument): [string, TaskState][] {
  return tasks(document).filter(([, state]) => state.Resource === "arn:aws:states:::lambda:invoke");
}

/** Every error class the handlers can throw, by the name Step Functions sees. */
function errorClassNames(): string[] {
  const modules = [adapterErrors, controllerErrors, coreErrors, evaluationCause] as Record<string, unknown>[];
  return [
    ...new Set(
      modules.flatMap((module) =>
        Object.values(module).flatMap((value) =>
          typeof value === "function" && value.prototype instanceof Error ? [value.name] : [],
        ),
      ),
    ),
  ];
}

describe("Workflow document: modeSwitchWorkflow", () => {
  const document = testWorkflow();

  it("is accepted by asl-validator, ARN and path checks included", () => {
    const result = validateAsl(structuredClone(document) as never, { checkArn: true, checkPaths: true });
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("is accepted for the SD2.1 config with its own timing", () => {
    const config = sd21Config();
    const built = modeSwitchWorkflow({
      functions: FUNCTION_ARNS,
      topicArn: TOPIC_ARN,
      region: config.cluster.region,
      timing: modeSwitchTiming(config),
    });
    expect(validateAsl(structuredClone(built) as never).isValid).toBe(true);
  });

  it("runs Plan → ScaleReceivers → WaitForReceivers → CheckReceivers → ShiftTraffic → VerifyAlb → Notify → HoldReceivers → ReleaseReceivers", () => {
    const next = (name: string) => (document.States[name] as { Next?: string }).Next;
    expect(document.StartAt).toBe(S.plan);
    expect(next(S.plan)).toBe(S.scaleReceivers);
    expect(next(S.scaleReceivers)).toBe(S.waitForReceivers);
    expect(document.States[S.waitForReceivers]).toMatchObject({
      Type: "Wait",
      Seconds: RECEIVER_POLL_SECONDS,
    });
    expect(next(S.waitForReceivers)).toBe(S.checkReceivers);
    expect(next(S.checkReceivers)).toBe(S.receiversReady);
    expect(document.States[S.receiversReady]).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        {
          Or: [
            { Variable: "$.receivers.ready", BooleanEquals: true },
            { Variable: "$.receivers.timedOut", BooleanEquals: true },
          ],
          Next: S.shiftTraffic,
        },
      ],
      Default: S.waitForReceivers,
    });
    expect(next(S.shiftTraffic)).toBe(S.verifyAlb);
    expect(next(S.verifyAlb)).toBe(S.notify);
    expect(next(S.notify)).toBe(S.anyHolds);
    expect(document.States[S.anyHolds]).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.plan.holds[0]", IsPresent: true, Next: S.holdReceivers }],
      Default: S.announced,
    });
    expect(document.States[S.holdReceivers]).toMatchObject({
      Type: "Wait",
      // Each service's own hold period, carried in its plan.
      SecondsPath: "$.plan.receiverHoldSeconds",
      Next: S.releaseReceivers,
    });
    expect(next(S.releaseReceivers)).toBe(S.announced);
    expect(document.States[S.announced]).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.notifyError", IsPresent: true, Next: S.announceFailed }],
      Default: S.switched,
    });
    expect(document.States[S.switched]).toMatchObject({ Type: "Succeed" });
  });

  it("invokes each step's function with the whole state and keeps the result under the step's key", () => {
    expect(document.States[S.plan]).toMatchObject({
      Parameters: {
        FunctionName: FUNCTION_ARNS["plan-switch"],
        Payload: { "input.$": "$", "executionArn.$": "$$.Execution.Id" },
      },
      ResultSelector: { "plan.$": "$.Payload.plan" },
    });
    expect("ResultPath" in (document.States[S.plan] as object)).toBe(false);
    const keyed = {
      [S.scaleReceivers]: ["apply-scaling", "$.scaling"],
      [S.checkReceivers]: ["check-receivers", "$.receivers"],
      [S.shiftTraffic]: ["apply-routing", "$.routing"],
      [S.verifyAlb]: ["verify-routing", "$.verification"],
      [S.releaseReceivers]: ["release-holds", "$.release"],
      [S.rollback]: ["rollback", "$.rollback"],
    } as const;
    for (const [state, [step, path]] of Object.entries(keyed)) {
      expect(document.States[state]).toMatchObject({
        Parameters: { FunctionName: FUNCTION_ARNS[step], "Payload.$": "$" },
        ResultPath: path,
      });
    }
  });

  it("retries the Lambda service errors AWS recommends, a timed-out step and TransientError on every Lambda task", () => {
    for (const [, state] of lambdaTasks(document)) {
      const retried = (state.Retry ?? []).map((r) => [...r.ErrorEquals]);
      expect(retried).toContainEqual(LAMBDA_SERVICE);
      expect(retried).toContainEqual(LAMBDA_TIMEOUT);
      expect(retried).toContainEqual(["TransientError"]);
      expect(state.Retry?.every((r) => r.MaxAttempts > 0 && r.MaxAttempts < 200)).toBe(true);
    }
  });

  it("never retries a name the handlers use for a failure that trying again cannot fix", () => {
    const retried = new Set(
      tasks(document).flatMap(([, s]) => (s.Retry ?? []).flatMap((r) => r.ErrorEquals)),
    );
    expect([...retried].sort()).toEqual(
      [
        ...LAMBDA_SERVICE,
        ...LAMBDA_TIMEOUT,
        "TransientError",
        "RoutingNotAppliedError",
        "ScalingNotResumedError",
        ...RETRIED_ERRORS.snsService,
      ].sort(),
    );
    const names = errorClassNames();
    expect(names).toEqual(
      expect.arrayContaining(["RoutingRejectedError", "SwitchInputError", "ManifestError", "TransientError"]),
    );
    const ours = names.filter((name) => retried.has(name));
    expect(ours.sort()).toEqual(["RoutingNotAppliedError", "ScalingNotResumedError", "TransientError"]);
    // Only VerifyAlb waits for the ALB.
    const waiting = tasks(document).filter(([, s]) =>
      (s.Retry ?? []).some((r) => r.ErrorEquals.includes("RoutingNotAppliedError")),
    );
    expect(waiting.map(([name]) => name)).toEqual([S.verifyAlb]);
  });

  it("sends every failure after Plan to Rollback with the state kept and the error at $.error", () => {
    for (const state of [S.scaleReceivers, S.checkReceivers, S.shiftTraffic, S.verifyAlb]) {
      expect((document.States[state] as TaskState).Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.rollback },
      ]);
    }
    expect((document.States[S.plan] as TaskState).Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyPlanFailure },
    ]);
    expect((document.States[S.rollback] as TaskState).Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.rollbackError", Next: S.notifyRollbackFailure },
    ]);
    expect((document.States[S.releaseReceivers] as TaskState).Catch).toEqual([
      { ErrorEquals: ["ScalingNotResumedError"], ResultPath: "$.error", Next: S.notifyNotResumed },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyReleaseFailure },
    ]);
    expect((document.States[S.rollback] as TaskState).Next).toBe(S.rollbackOutcome);
    expect(document.States[S.rollbackOutcome]).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.rollback.outcome", StringEquals: "superseded", Next: S.notifySuperseded }],
      Default: S.notifyFailure,
    });
    expect((document.States[S.notifyFailure] as TaskState).Next).toBe(S.switchFailed);
    expect(document.States[S.switchFailed]).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    });
  });

  it("releases the holds even when Notify fails after its retries, then fails the execution (AnnounceFailed)", () => {
    expect((document.States[S.notify] as TaskState).Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: S.anyHolds },
    ]);
    expect(document.States[S.announceFailed]).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.notifyError.Error",
      CausePath: "$.notifyError.Cause",
    });
  });

  it("ends a superseded switch in its own Superseded state, after its own short note", () => {
    expect(document.States[S.notifySuperseded]).toMatchObject({
      Resource: "arn:aws:states:::sns:publish",
      Parameters: {
        "Subject.$": "$.rollback.alert.subject",
        "Message.$": "$.rollback.alert.message",
        MessageAttributes: { outcome: { DataType: "String", StringValue: "superseded" } },
      },
      Next: S.superseded,
    });
    expect(document.States[S.superseded]).toMatchObject({ Type: "Fail", Error: "SwitchSuperseded" });
    // A failed switch's outcome attribute says whether the rollback restored everything.
    expect((document.States[S.notifyFailure] as TaskState).Parameters.MessageAttributes).toMatchObject({
      outcome: { DataType: "String", "StringValue.$": "$.rollback.outcome" },
    });
  });

  it("publishes the steps' alerts through the SNS integration to the alert topic", () => {
    for (const [state, alert] of [
      [S.notify, "$.verification.alert"],
      [S.notifyFailure, "$.rollback.alert"],
    ] as const) {
      expect(document.States[state]).toMatchObject({
        Resource: "arn:aws:states:::sns:publish",
        Parameters: {
          TopicArn: TOPIC_ARN,
          "Subject.$": `${alert}.subject`,
          "Message.$": `${alert}.message`,
        },
        ResultPath: null,
      });
    }
    for (const state of [S.notifyPlanFailure, S.notifyRollbackFailure, S.notifyReleaseFailure]) {
      expect((document.States[state] as TaskState).Parameters["Message.$"]).toMatch(/^States\.Format\('/);
      expect(((document.States[state] as TaskState).Parameters.Subject as string).length).toBeLessThan(100);
    }
  });

  it("waits for the ALB about as long as verifyTimeoutSeconds, with backoff capped at 30 s", () => {
    for (const timeout of [10, 60, 180, 600, 3600]) {
      const retrier = verifyRetrier("RoutingNotAppliedError", timeout);
      const waits = retryWaits(retrier);
      const total = waits.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(timeout);
      expect(total - (waits.at(-1) ?? 0)).toBeLessThan(timeout);
      expect(Math.max(...waits)).toBeLessThanOrEqual(30);
      expect(waits[0]).toBe(5);
    }
    const verify = (document.States[S.verifyAlb] as TaskState).Retry?.[0];
    expect(verify).toEqual(verifyRetrier("RoutingNotAppliedError", 180));
    expect(() => verifyRetrier("RoutingNotAppliedError", 0)).toThrow(/must be a positive number/);
  });

  it("waits for the most patient service when services set different verify or hold times", () => {
    const yaml = readRepoFile("examples/sd21/switchyard.yaml").replace(
      "    units:",
      "    policy:\n      verifyTimeoutSeconds: 600\n    units:",
    );
    const config = loadConfig(yaml, "two-timeouts.yaml");
    expect(config.services[0]?.policy.verifyTimeoutSeconds).toBe(600);
    expect(modeSwitchTiming(config).verifyTimeoutSeconds).toBe(600);
    expect(modeSwitchTiming(sd21Config()).verifyTimeoutSeconds).toBe(180);
  });

  it("uses the partition of the region in its service-integration ARNs", () => {
    const china = modeSwitchWorkflow({
      functions: FUNCTION_ARNS,
      topicArn: TOPIC_ARN,
      region: "cn-north-1",
      timing: {
        verifyTimeoutSeconds: 180,
        receiverPollSeconds: RECEIVER_POLL_SECONDS,
      },
    });
    expect((china.States[S.plan] as TaskState).Resource).toBe("arn:aws-cn:states:::lambda:invoke");
    expect((china.States[S.notify] as TaskState).Resource).toBe("arn:aws-cn:states:::sns:publish");
  });

  it("names the retried errors exactly as the handlers' classes do", () => {
    expect(new controllerErrors.TransientError("x").name).toBe(RETRIED_ERRORS.transient);
    expect(new controllerErrors.RoutingNotAppliedError("x")).toBeInstanceOf(SwitchyardError);
    expect(new controllerErrors.RoutingNotAppliedError("x").name).toBe(RETRIED_ERRORS.routingNotApplied);
  });
});
