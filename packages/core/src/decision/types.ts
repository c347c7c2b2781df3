import type { InferenceService } from "../config/types.ts";
import type { Mode, UnitCondition } from "../planning/types.ts";
import type { CapacitySignal, EpochMs, NodeCell, UnitMinute } from "../signals/types.ts";

/**
 * The moves; each is one Step Functions execution, named for it.
 * - failover: cost → capacity, a loss cost mode cannot carry.
 * - fallback: capacity → cost, the trouble has cleared.
 * - rebalance: cost → cost, a calm move to the cost-optimal weights.
 * - reroute: cost → cost, routing around a loss inside cost mode (the response that fits a small loss).
 * - repair: the action annotation cannot be read, so it is rewritten with the current mode's plan.
 */
export type Move = "failover" | "fallback" | "rebalance" | "reroute" | "repair";

/** Every move, in the order reports and dashboards list them. */
export const MOVES: readonly Move[] = ["failover", "fallback", "rebalance", "reroute", "repair"];

/** The moves anti-flap may hold back (never a failover, a reroute or a repair). */
type GatedMove = "fallback" | "rebalance";

/** A past or running mode-switch execution, from the state machine's history. */
export interface SwitchRecord {
  readonly name: string;
  readonly move: Move;
  readonly startedAt: EpochMs;
  readonly status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";
  /**
   * For an execution that closed without succeeding: whether it got as far as moving
   * traffic (ShiftTraffic wrote the Ingress) before it failed or was rolled back. Unset
   * for running and succeeded executions, which count as switches anyway.
   */
  readonly movedTraffic?: boolean;
  /**
   * For a running execution, when read: the demand its decision planned for (its input's
   * demandRps). A reroute planned for demand that has since grown past its headroom is
   * stale, and a correction may supersede it (supersede.ts).
   */
  readonly plannedRps?: number;
  /**
   * For an execution that closed without succeeding: whether it failed at Plan (it never
   * got to ScaleReceivers). Unset when unknown, and for running and succeeded executions.
   */
  readonly planFailed?: boolean;
  /**
   * For a running failover or reroute: the loss it answers, as its input says (read with
   * DescribeExecution) — so a later evaluation knows what it was planned for.
   */
  readonly answered?: LossAnswered;
}

/** The causes a failover or reroute answered, and its view of each unit when it was decided. */
export interface LossAnswered {
  readonly causes: readonly string[];
  readonly conditions: Readonly<Record<string, UnitCondition>>;
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

/**
 * A replica hold Switchyard set on a unit's ScaledObject (`autoscaling.keda.sh/paused-replicas`
 * marked `switchyard.io/held-replicas: <replicas>@<owner>`), as read.
 */
export interface SwitchyardHold {
  readonly unit: string;
  readonly scaledObject: string;
  readonly replicas: string;
  /** The execution name of the switch that set it. */
  readonly owner: string;
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
  /**
   * A valid Load Balancer Controller action Switchyard does not write (a forward to a
   * target group by ARN, a fixed response, a redirect), described with where it is, when
   * the annotation holds one: someone else's routing, left alone (weights null).
   */
  readonly actionForeign: string | null;
  readonly units: Readonly<Record<string, UnitRuntime>>;
  /** This service's executions, newest first. */
  readonly switches: readonly SwitchRecord[];
  /** How far back `switches` reaches (executions started since then); null when unknown. */
  readonly switchesSince: EpochMs | null;
  /** Switchyard's replica holds on the units' ScaledObjects, as read; empty when not read. */
  readonly holds: readonly SwitchyardHold[];
}

/** The signals of one evaluation. */
export interface DecisionSignals {
  /** Per unit name: one-minute ALB data of the window, oldest first. */
  readonly minutes: Readonly<Record<string, readonly UnitMinute[]>>;
  /** The consolidated Service's target group (all traffic in capacity mode), when read. */
  readonly consolidated?: readonly UnitMinute[] | null;
  /** Capacity signals of every source, any instance type. */
  readonly capacity: readonly CapacitySignal[];
  /** The cluster's running nodes of its zoned Spot units' instance types, when read (NodePlacementReader). */
  readonly nodes?: readonly NodeCell[];
}

/**
 * Rules that look for trouble: `breached` says whether they found it. A breached
 * capacity-errors, unschedulable-pods, latency-breach, spot-interruption or
 * empty-target-group rule makes its unit a cause of a loss; a breached action-annotation,
 * orphaned-holds, abandoned-switch or last-transition rule asks for a repair; a breached
 * routing-risk rule
 * means the weights in force send frozen units more than their pods serve.
 */
type BreachRule =
  | "capacity-errors"
  | "unschedulable-pods"
  | "latency-breach"
  | "spot-interruption"
  | "empty-target-group"
  | "action-annotation"
  | "routing-risk"
  | "orphaned-holds"
  | "abandoned-switch"
  | "last-transition";

/**
 * Rules a move must pass: `passed` says whether it does. quiet-period, pods-schedule,
 * route-around and slo-holds are a fallback's gates; dwell-time and switch-cap the
 * anti-flap gates; rebalance-dead-band a rebalance's; response passes when a loss needs
 * capacity mode (a failover) rather than a reroute; early-move when a reroute may move
 * traffic before its receivers are ready; pin when an operator's pin holds the service;
 * operator when an operator asked for the move (`switchyard failover|fallback`).
 */
type GateRule =
  | "pin"
  | "operator"
  | "quiet-period"
  | "pods-schedule"
  | "route-around"
  | "slo-holds"
  | "dwell-time"
  | "switch-cap"
  | "rebalance-dead-band"
  | "response"
  | "early-move";

type RuleName = BreachRule | GateRule;

/** One signal against one threshold: what was looked at, what it showed, what it needed. */
interface EvidenceOf<R extends RuleName> {
  readonly rule: R;
  readonly unit?: string;
  readonly instanceType?: string;
  readonly observed: number | string | null;
  readonly threshold: number | string | null;
  /** In words, for the alert and the console. */
  readonly detail: string;
}

/** A rule that looks for trouble, and whether it found it. */
export interface Breach extends EvidenceOf<BreachRule> {
  readonly breached: boolean;
}

/** A gate of a move, and whether it passed. */
export interface Gate extends EvidenceOf<GateRule> {
  readonly passed: boolean;
}

export type Evidence = Breach | Gate;

/** Whether a piece of evidence is a breach rule's (and which way it went is `breached`). */
export function isBreach(evidence: Evidence): evidence is Breach {
  return "breached" in evidence;
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

/** The weights a cost-mode move finds and writes. */
interface WeightChange {
  readonly current: Readonly<Record<string, number>>;
  readonly target: Readonly<Record<string, number>>;
}

interface LossAnswer {
  /** The units whose trouble the move answers. */
  readonly causes: readonly string[];
  /**
   * A cause is failing now (over the SLO, no ready pod, or its instance is being
   * reclaimed): traffic moves at once. Otherwise the cause still serves and only cannot
   * grow, so traffic moves once the receivers' pods are ready.
   */
  readonly urgent: boolean;
}

export type Decision =
  | (DecisionBase & { readonly kind: "stay"; readonly heldBack?: GatedMove })
  | (DecisionBase & { readonly kind: "pinned"; readonly pin: Pin })
  | (DecisionBase &
      LossAnswer & { readonly kind: "failover"; readonly from: "cost"; readonly to: "capacity" })
  | (DecisionBase &
      LossAnswer & {
        readonly kind: "reroute";
        readonly from: "cost";
        readonly to: "cost";
        readonly weights: WeightChange;
      })
  | (DecisionBase & { readonly kind: "fallback"; readonly from: "capacity"; readonly to: "cost" })
  | (DecisionBase & {
      readonly kind: "rebalance";
      readonly from: "cost";
      readonly to: "cost";
      readonly weights: WeightChange;
    })
  | (DecisionBase & {
      readonly kind: "repair";
      readonly from: Mode;
      readonly to: Mode;
      /** Holds no running switch owns: the repair lifts them (each only while its owner's mark is on it). */
      readonly releaseHolds: readonly SwitchyardHold[];
    });

export type MoveDecision = Extract<Decision, { kind: Move }>;

export function isMove(decision: Decision): decision is MoveDecision {
  return decision.kind !== "stay" && decision.kind !== "pinned";
}
