import type { CapacitySignal, Evidence, Mode, Move, SwitchyardHold, UnitCondition } from "@switchyard/core";
import { MOVES } from "@switchyard/core";
import type {
  ReplicaFloorChange,
  ReplicaHold,
  RoutingCheck,
  ScalingChange,
  TargetGroupHealth,
} from "@switchyard/core/ports";
import type {
  MovePlan,
  MoveTarget,
  ScalingStep,
  StepResultKey,
  StepResultTypes,
} from "@switchyard/core/workflow";
import * as z from "zod/mini";
import { SwitchInputError } from "./errors.ts";

/**
 * The mode-switch execution's input: the decision that started it, with its evidence.
 * The Step Functions console shows it first, so it reads as the failover's "why".
 */
export interface SwitchInput {
  readonly executionName: string;
  readonly service: string;
  readonly move: Move;
  readonly from: Mode;
  readonly to: Mode;
  /** Units whose trouble a failover or a reroute answers; empty for other moves. */
  readonly causes: readonly string[];
  /** A failover or a reroute that cannot wait for the receivers' pods (see Decision); false for other moves. */
  readonly urgent: boolean;
  readonly demandRps: number;
  readonly conditions: Readonly<Record<string, UnitCondition>>;
  readonly reasons: readonly string[];
  readonly evidence: readonly Evidence[];
  /** RFC 3339. */
  readonly decidedAt: string;
  /** Capacity signals from the event that triggered the evaluation, if any. */
  readonly triggerSignals: readonly CapacitySignal[];
  /**
   * Running failovers or reroutes this move supersedes (a Spot loss they were not
   * planned for): it moves traffic at once, before their own deadline, so they stand down.
   */
  readonly supersedes?: readonly string[];
  /** A repair's: replica holds no running switch owns, lifted by ScaleReceivers; empty otherwise. */
  readonly releaseHolds: readonly SwitchyardHold[];
}

/** What the Plan step decided to do, and what was there before (for Rollback). */
export interface SwitchPlan {
  readonly input: SwitchInput;
  /** The execution's ARN, passed in from the state machine's context object. */
  readonly executionArn: string | null;
  readonly plannedAt: string;
  readonly target: MoveTarget;
  /** Units whose KEDA target changes. */
  readonly scaling: readonly ScalingStep[];
  /** Units that get more traffic than now: they must be ready before traffic moves. */
  readonly receivers: readonly string[];
  /** Make-before-break: each receiver held at the plan's pods until traffic has moved (see core's MovePlan). */
  readonly holds: MovePlan["holds"];
  readonly before: {
    readonly annotationValue: string | null;
    readonly mode: string | null;
    readonly lastTransition: string | null;
    readonly failoverCause: string | null;
  };
  /** After this, traffic moves even if receivers are not ready (a failover must not wait long). */
  readonly receiversDeadline: string;
  /** How long the receivers stay held after traffic moved: the service's receiverHoldSeconds. */
  readonly receiverHoldSeconds: number;
}

/** What ScaleReceivers did about the service's standby rule (see core's `standbyActions`). */
export interface StandbyResult {
  /** Whether the Ingress was written: the standby was missing or not as Switchyard writes it. */
  readonly changed: boolean;
  /** Why the standby is not in place, or null. */
  readonly problem: string | null;
}

export interface ScalingResult {
  readonly standby: StandbyResult;
  readonly changes: readonly ScalingChange[];
  readonly holds: readonly ReplicaHold[];
}

export interface ReceiversCheck {
  readonly ready: boolean;
  /** Move traffic anyway: the deadline passed, or a failover turned urgent while it waited. */
  readonly timedOut: boolean;
  /** Why traffic may move now, or `waiting`. */
  readonly verdict: "ready" | "deadline" | "turned-urgent" | "waiting";
  /** Per receiver: pods wanted (the hold, or KEDA's desired count), desired and ready now. */
  readonly units: readonly {
    readonly unit: string;
    readonly wanted: number;
    readonly desired: number;
    readonly ready: number;
  }[];
  /**
   * Held receivers whose Deployment's spec.replicas is not the count they are held at:
   * KEDA did not scale the target to its paused-replicas (KEDA issue #7231).
   */
  readonly holdsNotApplied: readonly {
    readonly unit: string;
    readonly heldAt: number;
    readonly specReplicas: number;
  }[];
  /** The target groups that are to carry traffic after the move: their targets by state (DescribeTargetHealth). */
  readonly targetGroups: readonly TargetGroupHealth[];
  /** Why some of them cannot serve yet (no target group, no healthy target); empty when all can. */
  readonly targetsNotReady: readonly string[];
  readonly checkedAt: string;
}

export interface RoutingResult {
  readonly changed: boolean;
  /** The action annotation's value as written (Rollback restores only if it is still this). */
  readonly annotationValue: string;
  readonly patchedAt: string;
  readonly resourceVersion: string;
}

/** The receivers' holds lifted once KEDA's metric has caught up with their new load. */
export interface HoldsRelease {
  readonly released: readonly ReplicaHold[];
  /**
   * Released units someone else paused (their KEDA pauses, as `key=value`): KEDA stays
   * paused for them, which is not a failure to resume; lifting that pause is theirs.
   */
  readonly pausedByOthers: readonly {
    readonly unit: string;
    readonly scaledObject: string;
    readonly pauses: readonly string[];
  }[];
  /**
   * Each lifted unit's minReplicaCount raised to its release floor before its hold went
   * (core's `releaseFloor`); evaluate restores the owner's value after the window.
   */
  readonly floors: readonly ReplicaFloorChange[];
}

export interface Alert {
  /** SNS subject: ASCII, one line, under 100 characters. */
  readonly subject: string;
  readonly message: string;
}

export interface VerificationResult {
  readonly check: RoutingCheck;
  /** The target groups that carry traffic now, their targets by state: each has a healthy one unless the move did not wait for them. */
  readonly targetGroups: readonly TargetGroupHealth[];
  readonly alert: Alert;
}

/** The error the workflow caught, as Step Functions hands it to the Catch target. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause: string;
}

/** Something the switch changed that Rollback could not put back, with the call's error. */
export interface NotRestored {
  readonly what: string;
  readonly error: string;
}

/**
 * How a rollback ended: everything the switch changed is back (`rolled-back`), the switch
 * stood down because another switch or a person moved traffic first and its own changes
 * are back (`superseded`), or some part could not be restored (`rollback-incomplete`).
 */
export type RollbackOutcome = "rolled-back" | "superseded" | "rollback-incomplete";

export interface RollbackResult {
  readonly outcome: RollbackOutcome;
  readonly routingRestored: boolean;
  readonly scalingRestored: readonly ScalingChange[];
  readonly released: readonly ReplicaHold[];
  /** Things found changed by someone else since the switch, left as they are. */
  readonly leftAlone: readonly string[];
  /** What the switch changed that could not be put back (each call failed on its own). */
  readonly notRestored: readonly NotRestored[];
  readonly alert: Alert;
}

/**
 * Each step's result type by its key in the step table (core's STEP_RESULTS): a key the
 * table adds without a type here is a compile error, and so is a type whose fields are
 * not the ones the table keeps.
 */
type StepResults = StepResultTypes<{
  readonly scaling: ScalingResult;
  readonly receivers: ReceiversCheck;
  readonly routing: RoutingResult;
  readonly verification: VerificationResult;
  readonly release: HoldsRelease;
  readonly rollback: RollbackResult;
}>;

/** The execution's state as it flows through the steps (each step adds its result under its key). */
export type SwitchState = {
  readonly plan: SwitchPlan;
  readonly error?: CaughtError;
} & { readonly [K in StepResultKey]?: StepResults[K] };

const modeSchema = z.enum(["cost", "capacity"]);
const text = z.string().check(z.minLength(1));
// zod/mini: the functions bundle only the checks used here.
const switchInputSchema = z.looseObject({
  executionName: text,
  service: text,
  move: z.enum(MOVES),
  from: modeSchema,
  to: modeSchema,
  causes: z.array(z.string()),
  urgent: z.boolean(),
  demandRps: z.number().check(z.gte(0)),
  conditions: z.record(z.string(), z.looseObject({})),
  reasons: z.array(z.string()),
  evidence: z.array(z.looseObject({})),
  decidedAt: z.string(),
  triggerSignals: z.array(z.looseObject({})),
  supersedes: z.optional(z.array(z.string())),
  // An execution started before repairs lifted holds has none.
  releaseHolds: z.optional(
    z.array(z.looseObject({ unit: text, scaledObject: text, replicas: z.string(), owner: text })),
  ),
});

/** Checks an execution input before any step acts on it. */
export function parseSwitchInput(value: unknown): SwitchInput {
  const result = switchInputSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`)
      .join("; ");
    throw new SwitchInputError(`the mode-switch input is not one evaluate writes — ${problems}`);
  }
  const input = { releaseHolds: [], ...result.data } as unknown as SwitchInput;
  // An execution started before reroutes had a move of their own (a rebalance with causes)
  // is still running when the step functions are updated under it: it stays a reroute.
  return input.move === "rebalance" && input.causes.length > 0 ? { ...input, move: "reroute" } : input;
}

/** Checks that a step got the state the Plan step produced. */
export function parseSwitchState(value: unknown): SwitchState {
  const plan = (value as { plan?: { input?: unknown; target?: unknown } } | null)?.plan;
  if (plan === undefined || plan.target === undefined) {
    throw new SwitchInputError(
      "the step expects the workflow state with `plan` from the Plan step; got none",
    );
  }
  const state = value as SwitchState;
  return { ...state, plan: { ...state.plan, input: parseSwitchInput(plan.input) } };
}
