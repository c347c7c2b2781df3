import { partitionOf } from "../deploy/partition.ts";
import {
  type AslDocument,
  type AslState,
  type Catcher,
  formatTemplate,
  type PayloadTemplate,
  type Retrier,
  type TaskState,
} from "./asl.ts";
import { verifyRetrier } from "./verify-retry.ts";
import type { ModeSwitchTiming } from "./workflow-timing.ts";

/** The Lambda functions the workflow invokes, by their handler file in functions/. */
export const MODE_SWITCH_STEPS = [
  "plan-switch",
  "apply-scaling",
  "check-receivers",
  "apply-routing",
  "verify-routing",
  "release-holds",
  "rollback",
] as const;
export type ModeSwitchStep = (typeof MODE_SWITCH_STEPS)[number];

/** State names: what the Step Functions console shows as the failover's history. */
export const MODE_SWITCH_STATES = {
  plan: "Plan",
  scaleReceivers: "ScaleReceivers",
  waitForReceivers: "WaitForReceivers",
  checkReceivers: "CheckReceivers",
  receiversReady: "ReceiversReady",
  shiftTraffic: "ShiftTraffic",
  verifyAlb: "VerifyAlb",
  notify: "Notify",
  anyHolds: "AnyHolds",
  announced: "Announced",
  announceFailed: "AnnounceFailed",
  holdReceivers: "HoldReceivers",
  releaseReceivers: "ReleaseReceivers",
  switched: "Switched",
  notifyReleaseFailure: "NotifyReleaseFailure",
  notifyNotResumed: "NotifyNotResumed",
  releaseFailed: "ReleaseFailed",
  rollback: "Rollback",
  rollbackOutcome: "RollbackOutcome",
  notifySuperseded: "NotifySuperseded",
  superseded: "Superseded",
  notifyFailure: "NotifyFailure",
  switchFailed: "SwitchFailed",
  notifyPlanFailure: "NotifyPlanFailure",
  planFailed: "PlanFailed",
  notifyRollbackFailure: "NotifyRollbackFailure",
  rollbackFailed: "RollbackFailed",
} as const;

/**
 * Error names the workflow retries. Everything else a step throws (RoutingRejectedError,
 * SwitchInputError, ManifestError, Kubernetes*Error, ...) goes straight to the Catch.
 */
export const RETRIED_ERRORS = {
  /** functions/shared/step-errors.ts: an adapter failure that may pass (throttling, 5xx, 409s). */
  transient: "TransientError",
  /** The ALB rule does not show the planned weights yet: the controller has not reconciled. */
  routingNotApplied: "RoutingNotAppliedError",
  /** A lifted hold: KEDA has not yet reported the ScaledObject unpaused with its HPA back. */
  scalingNotResumed: "ScalingNotResumedError",
  /**
   * What the Lambda service itself may throw; AWS recommends retrying these on every invoke
   * (Step Functions developer guide, "Handle transient Lambda service exceptions").
   */
  lambdaService: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
  ],
  /**
   * What SNS may answer to a publish that a later attempt can pass, named as the optimized
   * integration surfaces SDK exceptions (`SNS.` + the exception; the generic service
   * exception too, since the specific name is not documented for every fault).
   */
  snsService: [
    "SNS.ThrottledException",
    "SNS.InternalErrorException",
    "SNS.KMSThrottlingException",
    "SNS.AmazonSNSException",
  ],
} as const;

export interface ModeSwitchWorkflowInput {
  /** The ARN of each step's Lambda function. */
  readonly functions: Readonly<Record<ModeSwitchStep, string>>;
  /** The SNS topic every switch, failed or not, is announced on. */
  readonly topicArn: string;
  /** The region the state machine runs in: the console link of a failure alert points there. */
  readonly region: string;
  readonly timing: ModeSwitchTiming;
}

const S = MODE_SWITCH_STATES;

/** AWS's recommendation for lambda:invoke (Step Functions developer guide, bp-lambda-serviceexception). */
const LAMBDA_SERVICE_RETRY: Retrier = {
  ErrorEquals: RETRIED_ERRORS.lambdaService,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/** The adapters' SDK clients have retried already; a few slower attempts cover a longer blip. */
const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: [RETRIED_ERRORS.transient],
  IntervalSeconds: 3,
  MaxAttempts: 3,
  BackoffRate: 2,
};

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

/**
 * The fields each step's Lambda returns, copied from the invoke result's `Payload` into
 * the workflow state under the step's key (the state is `SwitchState` of the controller).
 * JSONPath cannot move a whole object under a key, so they are named; a compile-time
 * test holds them equal to the controller's result types.
 */
export const STEP_RESULT_FIELDS = {
  scaling: ["changes", "holds"],
  receivers: ["ready", "timedOut", "verdict", "units", "holdsNotApplied", "checkedAt"],
  routing: ["changed", "annotationValue", "patchedAt", "resourceVersion"],
  verification: ["check", "alert"],
  release: ["released"],
  rollback: [
    "outcome",
    "routingRestored",
    "scalingRestored",
    "released",
    "leftAlone",
    "notRestored",
    "alert",
  ],
} as const;

function selectPayload(fields: readonly string[]): PayloadTemplate {
  return Object.fromEntries(fields.map((field) => [`${field}.$`, `$.Payload.${field}`]));
}

function lambdaInvoke(partition: string, options: Omit<TaskState, "Type" | "Resource">): TaskState {
  const { Comment, ...rest } = options;
  return { Type: "Task", Comment, Resource: `arn:${partition}:states:::lambda:invoke`, ...rest };
}

/** A step that takes the whole workflow state and adds its result under `key`. */
function stepTask(
  partition: string,
  functionArn: string,
  key: keyof typeof STEP_RESULT_FIELDS,
  next: string,
  comment: string,
  retry: readonly Retrier[] = [LAMBDA_SERVICE_RETRY, TRANSIENT_RETRY],
  catcher: Catcher = TO_ROLLBACK,
): TaskState {
  return lambdaInvoke(partition, {
    Comment: comment,
    Parameters: { FunctionName: functionArn, "Payload.$": "$" },
    ResultSelector: selectPayload(STEP_RESULT_FIELDS[key]),
    ResultPath: `$.${key}`,
    Retry: retry,
    Catch: [catcher],
    Next: next,
  });
}

type MessageAttribute = { [key: string]: string };
/** The `outcome` message attribute: fixed, or read from the state (the Rollback step's outcome). */
type Outcome = string | { readonly path: string };

/** SNS message attributes, so a subscription can filter (e.g. only failovers, only failures). */
function attributes(outcome: Outcome, withPlan: boolean): PayloadTemplate {
  const text = (value: string): MessageAttribute => ({ DataType: "String", StringValue: value });
  const path = (value: string): MessageAttribute => ({ DataType: "String", "StringValue.$": value });
  return {
    outcome: typeof outcome === "string" ? text(outcome) : path(outcome.path),
    ...(withPlan
      ? { service: path("$.plan.input.service"), move: path("$.plan.input.move") }
      : { execution: path("$$.Execution.Name") }),
  };
}
interface Announcement {
  /** A fixed subject, or the path of one in the state. */
  readonly subject: { readonly text: string } | { readonly path: string };
  /** A path or an intrinsic function (States.Format) giving the message body. */
  readonly message: string;
  readonly outcome: Outcome;
  /** Whether `$.plan` exists to read the service and move from. */
  readonly withPlan: boolean;
}

function publish(
  partition: string,
  topicArn: string,
  message: Announcement,
  next: string,
  comment: string,
  catcher?: Catcher,
): TaskState {
  const subject: PayloadTemplate =
    "path" in message.subject ? { "Subject.$": message.subject.path } : { Subject: message.subject.text };
  return {
    Type: "Task",
    Comment: comment,
    Resource: `arn:${partition}:states:::sns:publish`,
    Parameters: {
      TopicArn: topicArn,
      ...subject,
      "Message.$": message.message,
      MessageAttributes: attributes(message.outcome, message.withPlan),
    },
    ResultPath: null,
    Retry: [SNS_RETRY],
    ...(catcher === undefined ? {} : { Catch: [catcher] }),
    Next: next,
  };
}

/** The console page of this execution, built at run time from `$$.Execution.Id`. */
function consoleLink(region: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/{}`;
}

/**
 * The mode-switch workflow (DESIGN.md "Control flow") as a JSONPath ASL document:
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
export function modeSwitchWorkflow(input: ModeSwitchWorkflowInput): AslDocument {
  const partition = partitionOf(input.region);
  const fn = input.functions;
  const states: Record<string, AslState> = {
    [S.plan]: lambdaInvoke(partition, {
      Comment:
        "Plan the target mode against the cluster as it is now, and record what is there for Rollback.",
      Parameters: {
        FunctionName: fn["plan-switch"],
        Payload: { "input.$": "$", "executionArn.$": "$$.Execution.Id" },
      },
      ResultSelector: { "plan.$": "$.Payload.plan" },
      // No ResultPath: `{ plan }` replaces the execution input, which the plan holds.
      // (Spelling out the default, "$", trips aws-local-stepfunctions 3.0.0, which
      // stores the result under a key named "$" instead.)
      Retry: [LAMBDA_SERVICE_RETRY, TRANSIENT_RETRY],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyPlanFailure }],
      Next: S.scaleReceivers,
    }),
    [S.scaleReceivers]: stepTask(
      partition,
      fn["apply-scaling"],
      "scaling",
      S.waitForReceivers,
      "Make before break: set each unit's KEDA target for the new mode before traffic moves.",
    ),
    [S.waitForReceivers]: {
      Type: "Wait",
      Comment: "Give KEDA and the new pods time to come up.",
      Seconds: input.timing.receiverPollSeconds,
      Next: S.checkReceivers,
    },
    [S.checkReceivers]: stepTask(
      partition,
      fn["check-receivers"],
      "receivers",
      S.receiversReady,
      "Are the units that gain traffic ready? Past the plan's deadline it says timedOut.",
    ),
    [S.receiversReady]: {
      Type: "Choice",
      Comment:
        "Move traffic once the receivers are ready, or once the plan's receiversDeadline has passed (a failover must not wait long).",
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
    },
    [S.shiftTraffic]: stepTask(
      partition,
      fn["apply-routing"],
      "routing",
      S.verifyAlb,
      "Write the new forward action and mode annotations on the Ingress (one merge patch).",
    ),
    [S.verifyAlb]: stepTask(
      partition,
      fn["verify-routing"],
      "verification",
      S.notify,
      "Until the ALB listener rule holds the planned weights; a Load Balancer Controller rejection fails at once.",
      [
        verifyRetrier(RETRIED_ERRORS.routingNotApplied, input.timing.verifyTimeoutSeconds),
        LAMBDA_SERVICE_RETRY,
        TRANSIENT_RETRY,
      ],
    ),
    [S.notify]: publish(
      partition,
      input.topicArn,
      {
        subject: { path: "$.verification.alert.subject" },
        message: "$.verification.alert.message",
        outcome: "switched",
        withPlan: true,
      },
      S.anyHolds,
      "Announce the verified switch. A publish that still fails after its retries must not leave the receivers held: it is kept at $.notifyError, the holds are released, and the execution then fails (AnnounceFailed).",
      { ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: S.anyHolds },
    ),
    [S.anyHolds]: {
      Type: "Choice",
      Comment: "Only a switch that held receivers at their planned pods has anything to release.",
      Choices: [{ Variable: "$.plan.holds[0]", IsPresent: true, Next: S.holdReceivers }],
      Default: S.announced,
    },
    [S.holdReceivers]: {
      Type: "Wait",
      Comment:
        "Keep the receivers at their planned pods until KEDA's metric shows their new load (the service's receiverHoldSeconds, in the plan).",
      SecondsPath: "$.plan.receiverHoldSeconds",
      Next: S.releaseReceivers,
    },
    [S.releaseReceivers]: {
      ...stepTask(
        partition,
        fn["release-holds"],
        "release",
        S.announced,
        "Lift the holds and check KEDA took the units back (Paused False, HPA made again). The switch itself is done and stays.",
        [RESUME_RETRY, LAMBDA_SERVICE_RETRY, TRANSIENT_RETRY],
      ),
      Catch: [
        { ErrorEquals: [RETRIED_ERRORS.scalingNotResumed], ResultPath: "$.error", Next: S.notifyNotResumed },
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyReleaseFailure },
      ],
    },
    [S.notifyNotResumed]: publish(
      partition,
      input.topicArn,
      {
        subject: { text: "Switchyard: KEDA did not resume autoscaling after a switch - check KEDA" },
        message: `States.Format(${formatTemplate(
          [
            "The mode switch {} moved traffic and lifted its replica holds, but KEDA has not taken the units back: they do not autoscale until it does.",
            "",
            "{}",
            "",
            "Check: kubectl get scaledobject <scaledObject> -n <namespace> -o jsonpath='{.status.conditions}' (Paused must be False) and kubectl get hpa keda-hpa-<scaledObject> -n <namespace>.",
            "Execution: {}",
            consoleLink(input.region),
          ].join("\n"),
        )}, $$.Execution.Name, $.error.Cause, $$.Execution.Id, $$.Execution.Id)`,
        outcome: "not-resumed",
        withPlan: true,
      },
      S.releaseFailed,
      "The switch stands and its holds are gone, but KEDA reports the units still paused.",
    ),
    [S.announced]: {
      Type: "Choice",
      Comment: "Switched and released; did Notify reach the topic?",
      Choices: [{ Variable: "$.notifyError", IsPresent: true, Next: S.announceFailed }],
      Default: S.switched,
    },
    [S.switched]: { Type: "Succeed", Comment: "Switched, verified, announced, receivers released." },
    [S.announceFailed]: {
      Type: "Fail",
      Comment:
        "The switch stands and its holds are released, but its alert never reached SNS: the execution fails with the publish error (ExecutionsFailed in CloudWatch), so the silence is seen.",
      ErrorPath: "$.notifyError.Error",
      CausePath: "$.notifyError.Cause",
    },
    [S.notifyReleaseFailure]: publish(
      partition,
      input.topicArn,
      {
        subject: { text: "Switchyard: receivers still held after a switch - KEDA cannot scale them" },
        message: `States.Format(${formatTemplate(
          [
            "The mode switch {} moved traffic and was verified, but lifting its replica holds failed, so KEDA cannot scale these units until the holds go:",
            "{}",
            "",
            "Error: {}: {}",
            "",
            "Remove each hold by hand: kubectl annotate scaledobject <scaledObject> -n <namespace> autoscaling.keda.sh/paused-replicas-",
            "Execution: {}",
            consoleLink(input.region),
          ].join("\n"),
        )}, $$.Execution.Name, States.JsonToString($.plan.holds), $.error.Error, $.error.Cause, $$.Execution.Id, $$.Execution.Id)`,
        outcome: "release-failed",
        withPlan: true,
      },
      S.releaseFailed,
      "The switch stands; the holds it could not lift are announced for an operator to remove.",
    ),
    [S.releaseFailed]: {
      Type: "Fail",
      Comment: "The execution fails with the release's error; traffic stays switched.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
    [S.rollback]: stepTask(
      partition,
      fn.rollback,
      "rollback",
      S.rollbackOutcome,
      "Restore what the switch changed, where nobody changed it since, each part on its own; writes the alert.",
      [LAMBDA_SERVICE_RETRY, TRANSIENT_RETRY],
      { ErrorEquals: ["States.ALL"], ResultPath: "$.rollbackError", Next: S.notifyRollbackFailure },
    ),
    [S.rollbackOutcome]: {
      Type: "Choice",
      Comment:
        "A switch that stood down because another switch or a person moved traffic first, with its own changes undone, is no failure.",
      Choices: [{ Variable: "$.rollback.outcome", StringEquals: "superseded", Next: S.notifySuperseded }],
      Default: S.notifyFailure,
    },
    [S.notifySuperseded]: publish(
      partition,
      input.topicArn,
      {
        subject: { path: "$.rollback.alert.subject" },
        message: "$.rollback.alert.message",
        outcome: "superseded",
        withPlan: true,
      },
      S.superseded,
      "A short note that this move stood down; no failure alert.",
    ),
    [S.superseded]: {
      Type: "Fail",
      Comment:
        "Superseded: another switch (or a person) moved traffic first; this one undid its own changes. Its own error name, not the step's: it moved no traffic, and the switch history (anti-flap) must not count it as a switch, which a SUCCEEDED execution would be.",
      Error: "SwitchSuperseded",
      CausePath: "$.error.Cause",
    },
    [S.notifyFailure]: publish(
      partition,
      input.topicArn,
      {
        subject: { path: "$.rollback.alert.subject" },
        message: "$.rollback.alert.message",
        // rolled-back, or rollback-incomplete when some part could not be restored.
        outcome: { path: "$.rollback.outcome" },
        withPlan: true,
      },
      S.switchFailed,
      "Announce the failed switch and what its rollback did and did not restore.",
    ),
    [S.switchFailed]: {
      Type: "Fail",
      Comment: "The execution fails with the error that stopped the switch.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
    [S.notifyPlanFailure]: publish(
      partition,
      input.topicArn,
      {
        subject: { text: "Switchyard: a mode switch failed to plan; nothing was changed" },
        message: `States.Format(${formatTemplate(
          [
            "Switchyard could not plan the mode switch {} and changed nothing; the service stays in its current mode.",
            "",
            "Error: {}: {}",
            "",
            "The next evaluation decides again. Execution: {}",
            consoleLink(input.region),
          ].join("\n"),
        )}, $$.Execution.Name, $.error.Error, $.error.Cause, $$.Execution.Id, $$.Execution.Id)`,
        outcome: "plan-failed",
        withPlan: false,
      },
      S.planFailed,
      "Planning failed before anything changed: announce it from the error alone.",
    ),
    [S.planFailed]: {
      Type: "Fail",
      Comment: "The execution fails with the Plan step's error.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
    [S.notifyRollbackFailure]: publish(
      partition,
      input.topicArn,
      {
        subject: { text: "Switchyard: a mode switch failed and its ROLLBACK FAILED - check the service" },
        message: `States.Format(${formatTemplate(
          [
            "The mode switch {} failed, and so did its rollback.",
            "The Ingress annotations and KEDA targets may be part-way between modes: compare them with the plan in the execution's input and output, and fix them by hand or pin a mode (switchyard.io/pin).",
            "",
            "Switch error: {}: {}",
            "Rollback error: {}: {}",
            "",
            "Execution: {}",
            consoleLink(input.region),
          ].join("\n"),
        )}, $$.Execution.Name, $.error.Error, $.error.Cause, $.rollbackError.Error, $.rollbackError.Cause, $$.Execution.Id, $$.Execution.Id)`,
        outcome: "rollback-failed",
        withPlan: true,
      },
      S.rollbackFailed,
      "Rollback could not write its alert: build one from the two errors.",
    ),
    [S.rollbackFailed]: {
      Type: "Fail",
      Error: "RollbackFailed",
      CausePath: "$.rollbackError.Cause",
    },
  };
  return {
    Comment:
      "Switchyard mode switch: scale the receiving units, wait for them, shift the ALB weights, verify, announce; roll back and announce on any failure.",
    QueryLanguage: "JSONPath",
    StartAt: S.plan,
    States: states,
  };
}
