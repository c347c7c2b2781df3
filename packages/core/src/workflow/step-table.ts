import type { Catcher, Retrier } from "./asl.ts";

/**
 * The mode-switch workflow's step table: one entry per state, as plain data. It is the one
 * source of the workflow: `modeSwitchWorkflow` renders the deployed ASL from it, and the
 * simulator's Step Functions stand-in walks it in simulated time (with `table-walk.ts`), so
 * the two cannot drift. Retry and Catch are ASL's own Retrier and Catcher, with ASL's meaning.
 */

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
export type ModeSwitchState = (typeof MODE_SWITCH_STATES)[keyof typeof MODE_SWITCH_STATES];

/**
 * Error names the workflow retries. Everything else a step throws (RoutingRejectedError,
 * SwitchInputError, ManifestError, Kubernetes*Error, ...) goes straight to the Catch.
 */
export const RETRIED_ERRORS = {
  /** packages/controller/src/run-step.ts: an error that may pass if tried again (throttling, 5xx, 409s). */
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
   * A function that ran out of time (or memory): `Sandbox.Timedout` for a timeout, and
   * `Lambda.Unknown` for "unhandled errors in Lambda ... These include out-of-memory
   * errors and function timeouts" (Step Functions developer guide, "Handle transient
   * Lambda service exceptions"). Its work may have landed before it was cut off; every
   * step is idempotent (a second run with the same input changes nothing more), so it is
   * run again rather than a switch that worked rolled back.
   */
  lambdaTimeout: ["Sandbox.Timedout", "Lambda.Unknown"],
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

/**
 * The fields each step's Lambda returns, kept in the workflow state under the step's key
 * (ASL's ResultSelector names them: JSONPath cannot move a whole object under a key). The
 * controller's `StepResults` names each result type with `StepResultTypes`, so a field
 * added to a result type without its entry here, or the other way round, is a compile error.
 */
export const STEP_RESULTS = {
  scaling: ["standby", "changes", "holds"],
  receivers: [
    "ready",
    "timedOut",
    "verdict",
    "units",
    "holdsNotApplied",
    "targetGroups",
    "targetsNotReady",
    "checkedAt",
  ],
  routing: ["changed", "annotationValue", "patchedAt", "resourceVersion"],
  verification: ["check", "targetGroups", "alert"],
  release: ["released", "pausedByOthers", "floors"],
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
export type StepResultKey = keyof typeof STEP_RESULTS;
type StepResultField<K extends StepResultKey> = (typeof STEP_RESULTS)[K][number];

/** `T` when its keys are exactly the fields the table keeps for `K`, else a type naming them. */
type ExactFields<K extends StepResultKey, T> = [
  Exclude<keyof T, StepResultField<K>>,
  Exclude<StepResultField<K>, keyof T>,
] extends [never, never]
  ? T
  : { readonly "its fields must be exactly STEP_RESULTS[key]": StepResultField<K> };

/**
 * `T`, a type for each step's result by its key, when it has one for every key of
 * STEP_RESULTS and each has exactly the fields the table keeps; otherwise a compile error.
 */
export type StepResultTypes<
  T extends { readonly [K in StepResultKey]: ExactFields<K, K extends keyof T ? T[K] : never> },
> = T;

/** A JSONPath into the state (`$.plan.holds[0]`) or the context object (`$$.Execution.Id`). */
export type StatePath = "$" | `$.${string}` | `$$.${string}`;

/** What a Choice tests: ASL's BooleanEquals, StringEquals, IsPresent and Or. */
export type Condition =
  | { readonly path: StatePath; readonly equals: boolean | string }
  | { readonly path: StatePath; readonly present: true }
  | { readonly anyOf: readonly Condition[] };

/** A Lambda step: the state (or named paths of it) in, the result kept under its key. */
export interface InvokeEntry {
  readonly type: "invoke";
  readonly comment: string;
  readonly step: ModeSwitchStep;
  /** The Lambda's event: the whole state, or an object of the values at these paths. */
  readonly payload: "state" | { readonly [field: string]: StatePath };
  /**
   * Where the result goes: under `key` with the fields STEP_RESULTS names for it, or the
   * named fields replace the whole state (the Plan step, whose result holds the input).
   */
  readonly result: { readonly key: StepResultKey } | { readonly replaceState: readonly string[] };
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
  readonly next: ModeSwitchState;
}

/** An argument of a formatted message: the text at a path, or its JSON (States.JsonToString). */
export type FormatArgument = StatePath | { readonly json: StatePath };

/** An SNS message attribute value, fixed or read from the state. */
export type AttributeValue = { readonly text: string } | { readonly path: StatePath };

/** A publish to the alert topic (the SNS integration), with its filterable attributes. */
export interface PublishEntry {
  readonly type: "publish";
  readonly comment: string;
  readonly subject: { readonly text: string } | { readonly path: StatePath };
  /** The message at a path, or lines joined by newlines with `{}` filled from `args` in order. */
  readonly message:
    | { readonly path: StatePath }
    | { readonly lines: readonly string[]; readonly args: readonly FormatArgument[] };
  readonly attributes: { readonly [name: string]: AttributeValue };
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
  readonly next: ModeSwitchState;
}

export interface WaitEntry {
  readonly type: "wait";
  readonly comment: string;
  readonly seconds: number | { readonly path: StatePath };
  readonly next: ModeSwitchState;
}

export interface ChoiceEntry {
  readonly type: "choice";
  readonly comment: string;
  readonly choices: readonly { readonly when: Condition; readonly next: ModeSwitchState }[];
  readonly otherwise: ModeSwitchState;
}

export interface FailEntry {
  readonly type: "fail";
  readonly comment?: string;
  readonly error: { readonly text: string } | { readonly path: StatePath };
  readonly cause: { readonly path: StatePath };
}

interface SucceedEntry {
  readonly type: "succeed";
  readonly comment: string;
}

export type StepTableEntry = InvokeEntry | PublishEntry | WaitEntry | ChoiceEntry | FailEntry | SucceedEntry;

export interface StepTable {
  readonly comment: string;
  readonly startAt: ModeSwitchState;
  readonly states: { readonly [S in ModeSwitchState]: StepTableEntry };
}
