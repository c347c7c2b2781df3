import { stepFunctionsExecutionUrl } from "../deploy/console-urls.ts";
import { holdRemovalCommand } from "../manifests/annotations.ts";
import type { Catcher, Retrier } from "./asl.ts";
import {
  type AttributeValue,
  type FailEntry,
  type InvokeEntry,
  MODE_SWITCH_STATES,
  type ModeSwitchState,
  type ModeSwitchStep,
  type PublishEntry,
  RETRIED_ERRORS,
  type StepResultKey,
  type StepTable,
} from "./step-table.ts";
import { verifyRetrier } from "./verify-retry.ts";
import type { ModeSwitchTiming } from "./workflow-timing.ts";

const S = MODE_SWITCH_STATES;

/** AWS's recommendation for lambda:invoke (Step Functions developer guide, bp-lambda-serviceexception). */
const LAMBDA_SERVICE_RETRY: Retrier = {
  ErrorEquals: RETRIED_ERRORS.lambdaService,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/**
 * A step cut off by its timeout (a slow API server, a cold start on a stalled network)
 * runs again: every step is idempotent — Plan, CheckReceivers and VerifyAlb only read;
 * ScaleReceivers, ShiftTraffic, ReleaseReceivers and Rollback build each write from the
 * object as read and write nothing when it already holds their value
 * (test/integration/functions/switch-steps.test.ts, "change nothing more when a step runs
 * again"). Two more runs: a step that times out three times has a cause a retry will not fix.
 */
const LAMBDA_TIMEOUT_RETRY: Retrier = {
  ErrorEquals: RETRIED_ERRORS.lambdaTimeout,
  IntervalSeconds: 5,
  MaxAttempts: 2,
  BackoffRate: 2,
};

/** The adapters' SDK clients have retried already; a few slower attempts cover a longer blip. */
const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: [RETRIED_ERRORS.transient],
  IntervalSeconds: 3,
  MaxAttempts: 3,
  BackoffRate: 2,
};

const STEP_RETRY: readonly Retrier[] = [LAMBDA_SERVICE_RETRY, LAMBDA_TIMEOUT_RETRY, TRANSIENT_RETRY];

const SNS_RETRY: Retrier = {
  ErrorEquals: RETRIED_ERRORS.snsService,
  IntervalSeconds: 2,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/** KEDA reconciles a removed paused-replicas within seconds; this waits about 2.5 minutes for it. */
const RESUME_RETRY: Retrier = {
  ErrorEquals: [RETRIED_ERRORS.scalingNotResumed],
  IntervalSeconds: 5,
  MaxAttempts: 5,
  BackoffRate: 2,
};

/** Any failure of a step that may have changed something: undo it, keeping the state for Rollback. */
const TO_ROLLBACK: Catcher = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.rollback };

/** A step that takes the whole workflow state and adds its result under `key`. */
function step(
  name: ModeSwitchStep,
  key: StepResultKey,
  next: ModeSwitchState,
  comment: string,
  retry: readonly Retrier[] = STEP_RETRY,
  catchers: readonly Catcher[] = [TO_ROLLBACK],
): InvokeEntry {
  return {
    type: "invoke",
    comment,
    step: name,
    payload: "state",
    result: { key },
    retry,
    catch: catchers,
    next,
  };
}

/** SNS message attributes, so a subscription can filter (e.g. only failovers, only failures). */
function attributes(outcome: AttributeValue, withPlan: boolean): PublishEntry["attributes"] {
  return {
    outcome,
    ...(withPlan
      ? { service: { path: "$.plan.input.service" }, move: { path: "$.plan.input.move" } }
      : { execution: { path: "$$.Execution.Name" } }),
  };
}

function publish(
  entry: Omit<PublishEntry, "type" | "retry" | "catch" | "attributes"> & {
    readonly outcome: AttributeValue;
    readonly withPlan: boolean;
    readonly catch?: Catcher;
  },
): PublishEntry {
  const { outcome, withPlan, catch: catcher, ...rest } = entry;
  return {
    type: "publish",
    ...rest,
    attributes: attributes(outcome, withPlan),
    retry: [SNS_RETRY],
    catch: catcher === undefined ? [] : [catcher],
  };
}

/** A Fail state that ends the execution with the error caught at `$.error`. */
function failedWithError(comment: string): FailEntry {
  return { type: "fail", comment, error: { path: "$.error.Error" }, cause: { path: "$.error.Cause" } };
}

/** The console page of this execution, filled at run time from `$$.Execution.Id`. */
function consoleLink(region: string): string {
  return stepFunctionsExecutionUrl(region, "{}");
}

interface ModeSwitchTableInput {
  /** The region the state machine runs in: the console link of a failure alert points there. */
  readonly region: string;
  readonly timing: ModeSwitchTiming;
}

/**
 * The mode-switch workflow (DESIGN.md "Control flow"):
 *
 * Plan → ScaleReceivers → WaitForReceivers ⇄ CheckReceivers (until ready or the plan's
 * deadline) → ShiftTraffic → VerifyAlb (retried with backoff while the ALB lags) → Notify
 * → HoldReceivers (receiverHoldSeconds, when receivers were held) → ReleaseReceivers.
 * A Notify that fails after its retries still releases the holds, then fails the execution
 * (AnnounceFailed). A failure between ScaleReceivers and VerifyAlb goes to Rollback, which
 * restores what the switch changed (routing, targets and holds each on their own) and
 * writes the alert → NotifyFailure → SwitchFailed; a switch that stood down because
 * another switch moved traffic first (SwitchSupersededError) ends NotifySuperseded →
 * Superseded instead. A failed Plan changed nothing, a failed Rollback cannot write an
 * alert, and a failed release leaves a verified switch in place: each is announced from
 * the error alone.
 *
 * The state accumulates as the controller's `SwitchState`: `{ plan, scaling, receivers,
 * routing, verification, release, error, rollback }`, each step's result under its key.
 */
export function modeSwitchTable(input: ModeSwitchTableInput): StepTable {
  const link = consoleLink(input.region);
  return {
    comment:
      "Switchyard mode switch: scale the receiving units, wait for them, shift the ALB weights, verify, announce; roll back and announce on any failure.",
    startAt: S.plan,
    states: {
      [S.plan]: {
        type: "invoke",
        comment:
          "Plan the target mode against the cluster as it is now, and record what is there for Rollback.",
        step: "plan-switch",
        payload: { input: "$", executionArn: "$$.Execution.Id" },
        // `{ plan }` replaces the execution input, which the plan holds.
        result: { replaceState: ["plan"] },
        retry: STEP_RETRY,
        catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyPlanFailure }],
        next: S.scaleReceivers,
      },
      [S.scaleReceivers]: step(
        "apply-scaling",
        "scaling",
        S.waitForReceivers,
        "Make before break: set each unit's KEDA target for the new mode before traffic moves.",
      ),
      [S.waitForReceivers]: {
        type: "wait",
        comment: "Give KEDA and the new pods time to come up.",
        seconds: input.timing.receiverPollSeconds,
        next: S.checkReceivers,
      },
      [S.checkReceivers]: step(
        "check-receivers",
        "receivers",
        S.receiversReady,
        "Are the units that gain traffic ready? Past the plan's deadline it says timedOut.",
      ),
      [S.receiversReady]: {
        type: "choice",
        comment:
          "Move traffic once the receivers are ready, or once the plan's receiversDeadline has passed (a failover must not wait long).",
        choices: [
          {
            when: {
              anyOf: [
                { path: "$.receivers.ready", equals: true },
                { path: "$.receivers.timedOut", equals: true },
              ],
            },
            next: S.shiftTraffic,
          },
        ],
        otherwise: S.waitForReceivers,
      },
      [S.shiftTraffic]: step(
        "apply-routing",
        "routing",
        S.verifyAlb,
        "Write the new forward action and mode annotations on the Ingress (one merge patch).",
      ),
      [S.verifyAlb]: step(
        "verify-routing",
        "verification",
        S.notify,
        "Until the ALB listener rule holds the planned weights; a Load Balancer Controller rejection fails at once.",
        [verifyRetrier(RETRIED_ERRORS.routingNotApplied, input.timing.verifyTimeoutSeconds), ...STEP_RETRY],
      ),
      [S.notify]: publish({
        comment:
          "Announce the verified switch. A publish that still fails after its retries must not leave the receivers held: it is kept at $.notifyError, the holds are released, and the execution then fails (AnnounceFailed).",
        subject: { path: "$.verification.alert.subject" },
        message: { path: "$.verification.alert.message" },
        outcome: { text: "switched" },
        withPlan: true,
        catch: { ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: S.anyHolds },
        next: S.anyHolds,
      }),
      [S.anyHolds]: {
        type: "choice",
        comment: "Only a switch that held receivers at their planned pods has anything to release.",
        choices: [{ when: { path: "$.plan.holds[0]", present: true }, next: S.holdReceivers }],
        otherwise: S.announced,
      },
      [S.holdReceivers]: {
        type: "wait",
        comment:
          "Keep the receivers at their planned pods until KEDA's metric shows their new load (the service's receiverHoldSeconds, in the plan).",
        seconds: { path: "$.plan.receiverHoldSeconds" },
        next: S.releaseReceivers,
      },
      [S.releaseReceivers]: step(
        "release-holds",
        "release",
        S.announced,
        "Lift the holds and check KEDA took the units back (Paused False, HPA made again). The switch itself is done and stays.",
        [RESUME_RETRY, ...STEP_RETRY],
        [
          {
            ErrorEquals: [RETRIED_ERRORS.scalingNotResumed],
            ResultPath: "$.error",
            Next: S.notifyNotResumed,
          },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyReleaseFailure },
        ],
      ),
      [S.notifyNotResumed]: publish({
        comment: "The switch stands and its holds are gone, but KEDA reports the units still paused.",
        subject: { text: "Switchyard: KEDA did not resume autoscaling after a switch - check KEDA" },
        message: {
          lines: [
            "The mode switch {} moved traffic and lifted its replica holds, but KEDA has not taken the units back: they do not autoscale until it does.",
            "",
            "{}",
            "",
            "Check: kubectl get scaledobject <scaledObject> -n <namespace> -o jsonpath='{.status.conditions}' (Paused must be False) and kubectl get hpa keda-hpa-<scaledObject> -n <namespace>.",
            "Execution: {}",
            link,
          ],
          args: ["$$.Execution.Name", "$.error.Cause", "$$.Execution.Id", "$$.Execution.Id"],
        },
        outcome: { text: "not-resumed" },
        withPlan: true,
        next: S.releaseFailed,
      }),
      [S.announced]: {
        type: "choice",
        comment: "Switched and released; did Notify reach the topic?",
        choices: [{ when: { path: "$.notifyError", present: true }, next: S.announceFailed }],
        otherwise: S.switched,
      },
      [S.switched]: { type: "succeed", comment: "Switched, verified, announced, receivers released." },
      [S.announceFailed]: {
        type: "fail",
        comment:
          "The switch stands and its holds are released, but its alert never reached SNS: the execution fails with the publish error (ExecutionsFailed in CloudWatch), so the silence is seen.",
        error: { path: "$.notifyError.Error" },
        cause: { path: "$.notifyError.Cause" },
      },
      [S.notifyReleaseFailure]: publish({
        comment: "The switch stands; the holds it could not lift are announced for an operator to remove.",
        subject: { text: "Switchyard: receivers still held after a switch - KEDA cannot scale them" },
        message: {
          lines: [
            "The mode switch {} moved traffic and was verified, but lifting its replica holds failed, so KEDA cannot scale these units until the holds go:",
            "{}",
            "",
            "Error: {}: {}",
            "",
            `Remove each hold by hand: ${holdRemovalCommand("<scaledObject>", "<namespace>")}`,
            "Execution: {}",
            link,
          ],
          args: [
            "$$.Execution.Name",
            { json: "$.plan.holds" },
            "$.error.Error",
            "$.error.Cause",
            "$$.Execution.Id",
            "$$.Execution.Id",
          ],
        },
        outcome: { text: "release-failed" },
        withPlan: true,
        next: S.releaseFailed,
      }),
      [S.releaseFailed]: failedWithError(
        "The execution fails with the release's error; traffic stays switched.",
      ),
      [S.rollback]: step(
        "rollback",
        "rollback",
        S.rollbackOutcome,
        "Restore what the switch changed, where nobody changed it since, each part on its own; writes the alert.",
        STEP_RETRY,
        [{ ErrorEquals: ["States.ALL"], ResultPath: "$.rollbackError", Next: S.notifyRollbackFailure }],
      ),
      [S.rollbackOutcome]: {
        type: "choice",
        comment:
          "A switch that stood down because another switch or a person moved traffic first, with its own changes undone, is no failure.",
        choices: [{ when: { path: "$.rollback.outcome", equals: "superseded" }, next: S.notifySuperseded }],
        otherwise: S.notifyFailure,
      },
      [S.notifySuperseded]: publish({
        comment: "A short note that this move stood down; no failure alert.",
        subject: { path: "$.rollback.alert.subject" },
        message: { path: "$.rollback.alert.message" },
        outcome: { text: "superseded" },
        withPlan: true,
        next: S.superseded,
      }),
      [S.superseded]: {
        type: "fail",
        comment:
          "Superseded: another switch (or a person) moved traffic first; this one undid its own changes. Its own error name, not the step's: it moved no traffic, and the switch history (anti-flap) must not count it as a switch, which a SUCCEEDED execution would be.",
        error: { text: "SwitchSuperseded" },
        cause: { path: "$.error.Cause" },
      },
      [S.notifyFailure]: publish({
        comment: "Announce the failed switch and what its rollback did and did not restore.",
        subject: { path: "$.rollback.alert.subject" },
        message: { path: "$.rollback.alert.message" },
        // rolled-back, or rollback-incomplete when some part could not be restored.
        outcome: { path: "$.rollback.outcome" },
        withPlan: true,
        next: S.switchFailed,
      }),
      [S.switchFailed]: failedWithError("The execution fails with the error that stopped the switch."),
      [S.notifyPlanFailure]: publish({
        comment: "Planning failed before anything changed: announce it from the error alone.",
        subject: { text: "Switchyard: a mode switch failed to plan; nothing was changed" },
        message: {
          lines: [
            "Switchyard could not plan the mode switch {} and changed nothing; the service stays in its current mode.",
            "",
            "Error: {}: {}",
            "",
            "The next evaluation decides again. Execution: {}",
            link,
          ],
          args: ["$$.Execution.Name", "$.error.Error", "$.error.Cause", "$$.Execution.Id", "$$.Execution.Id"],
        },
        outcome: { text: "plan-failed" },
        withPlan: false,
        next: S.planFailed,
      }),
      [S.planFailed]: failedWithError("The execution fails with the Plan step's error."),
      [S.notifyRollbackFailure]: publish({
        comment: "Rollback could not write its alert: build one from the two errors.",
        subject: { text: "Switchyard: a mode switch failed and its ROLLBACK FAILED - check the service" },
        message: {
          lines: [
            "The mode switch {} failed, and so did its rollback.",
            "The Ingress annotations and KEDA targets may be part-way between modes: compare them with the plan in the execution's input and output, and fix them by hand or pin a mode (switchyard.io/pin).",
            "",
            "Switch error: {}: {}",
            "Rollback error: {}: {}",
            "",
            "Execution: {}",
            link,
          ],
          args: [
            "$$.Execution.Name",
            "$.error.Error",
            "$.error.Cause",
            "$.rollbackError.Error",
            "$.rollbackError.Cause",
            "$$.Execution.Id",
            "$$.Execution.Id",
          ],
        },
        outcome: { text: "rollback-failed" },
        withPlan: true,
        next: S.rollbackFailed,
      }),
      [S.rollbackFailed]: {
        type: "fail",
        error: { text: "RollbackFailed" },
        cause: { path: "$.rollbackError.Cause" },
      },
    },
  };
}
