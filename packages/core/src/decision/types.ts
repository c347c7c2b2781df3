import type { InferenceService } from "../config/types.ts";
import type { Mode, UnitCondition } from "../planning/types.ts";
import type { CapacitySignal, EpochMs, UnitMinute } from "../signals/types.ts";

/** The moves between modes; each is one Step Functions execution. */
export type Move = "failover" | "fallback" | "rebalance";

/** A past or running mode-switch execution, from the state machine's history. */
export interface SwitchRecord {
  readonly name: string;
  readonly move: Move;
  readonly startedAt: EpochMs;
  readonly status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";
  /** A rebalance that routes around a loss (named `reroute`), not a calm one. */
  readonly routeAround?: boolean;
  /**
   * For an execution that closed without succeeding: whether it got as far as moving
   * traffic (ShiftTraffic wrote the Ingress) before it failed or was rolled back. Unset
   * for running and succeeded executions, which count as switches anyway.
   */
  readonly movedTraffic?: boolean;
}

/** An operator's pin: hold the service in `mode` (until `until`, if set). */
export interface Pin {
  readonly mode: Mode;
  readonly until: EpochMs | null;
  /** The annotation's raw value. */
  readonly raw: string;
  /** Set when the value could not be read; such a pin still holds (the operator meant to stop the controller). */
  readonly problem?: string;
}

/** Per unit, what the cluster says about its pods. */
export interface UnitRuntime {
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  /** The oldest pod of the unit that cannot be scheduled, or null. */
  readonly unschedulableSince: EpochMs | null;
  readonly unschedulablePods: number;
}

/** Everything `decide` knows about a service besides the signals. */
export interface ServiceState {
  readonly service: InferenceService;
  readonly mode: Mode;
  /** Whether the mode came from Switchyard's annotation (false: inferred from the action). */
  readonly modeRecorded: boolean;
  readonly lastTransitionAt: EpochMs | null;
  readonly pin: Pin | null;
  /** Units whose trouble caused the current capacity mode; every unit when unknown. */
  readonly failoverCause: readonly string[];
  /** Current target-group weight per unit name; null when the action annotation cannot be read. */
  readonly weights: Readonly<Record<string, number>> | null;
  /** Why the action annotation could not be read, when it could not. */
  readonly actionProblem: string | null;
  readonly units: Readonly<Record<string, UnitRuntime>>;
  /** This service's executions, newest first. */
  readonly switches: readonly SwitchRecord[];
}

/** The signals of one evaluation. */
export interface DecisionSignals {
  /** Per unit name: one-minute ALB data of the window, oldest first. */
  readonly minutes: Readonly<Record<string, readonly UnitMinute[]>>;
  /** The consolidated Service's target group (all traffic in capacity mode), when read. */
  readonly consolidated?: readonly UnitMinute[] | null;
  /** Capacity signals of every source, any instance type. */
  readonly capacity: readonly CapacitySignal[];
}

export type RuleName =
  | "pin"
  | "capacity-errors"
  | "unschedulable-pods"
  | "latency-breach"
  | "quiet-period"
  | "pods-schedule"
  | "slo-holds"
  | "dwell-time"
  | "switch-cap"
  | "rebalance-dead-band"
  | "action-annotation"
  | "switch-running"
  | "response"
  | "routing-risk"
  | "route-around"
  | "early-move";

/** One signal against one threshold: what was looked at, what it showed, what it needed. */
export interface Evidence {
  readonly rule: RuleName;
  readonly unit?: string;
  readonly instanceType?: string;
  readonly observed: number | string | null;
  readonly threshold: number | string | null;
  /** Whether the rule's condition is met (a breach for failover rules, a pass for fallback gates). */
  readonly met: boolean;
  readonly detail: string;
}

interface DecisionBase {
  readonly service: string;
  readonly mode: Mode;
  /** Observed demand, requests/s: the highest of the last few minutes. */
  readonly demandRps: number;
  /** What the plan of a move should assume about each unit. */
  readonly conditions: Readonly<Record<string, UnitCondition>>;
  /** Sentences a human reads in the alert and the console. */
  readonly reasons: readonly string[];
  readonly evidence: readonly Evidence[];
  /** When evaluated. */
  readonly at: EpochMs;
}

export type Decision =
  | (DecisionBase & { readonly kind: "stay"; readonly heldBack?: Move })
  | (DecisionBase & { readonly kind: "pinned"; readonly pin: Pin })
  | (DecisionBase & {
      readonly kind: "failover";
      readonly from: "cost";
      readonly to: "capacity";
      readonly causes: readonly string[];
      /**
       * A causing unit is failing now (over the SLO, no ready pod, or its instance is
       * being reclaimed): traffic moves at once. Otherwise the unit still serves and only
       * cannot grow, so traffic moves once the receivers' pods are ready.
       */
      readonly urgent: boolean;
    })
  | (DecisionBase & { readonly kind: "fallback"; readonly from: "capacity"; readonly to: "cost" })
  | (DecisionBase & {
      readonly kind: "rebalance";
      readonly from: Mode;
      readonly to: Mode;
      /**
       * Set when the rebalance routes around units that cannot grow (inside cost mode,
       * the response that fits a small loss): those units, and whether traffic must
       * move at once, as for a failover.
       */
      readonly causes?: readonly string[];
      readonly urgent?: boolean;
      readonly weights?: {
        readonly current: Readonly<Record<string, number>>;
        readonly target: Readonly<Record<string, number>>;
      };
    });

export type MoveDecision = Extract<Decision, { kind: Move }>;

export function isMove(decision: Decision): decision is MoveDecision {
  return decision.kind === "failover" || decision.kind === "fallback" || decision.kind === "rebalance";
}
