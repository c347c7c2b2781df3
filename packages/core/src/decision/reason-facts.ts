import type { Mode, ServicePlan } from "../planning/types.ts";
import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import type { DemandShift } from "./demand-trend.ts";
import type { Recovery } from "./observations.ts";
import type { Pin } from "./types.ts";

/** The facts a rule or a decision hands to `reasons.ts` to be said: each rule's numbers as found, never words. */

/** Why a unit cannot add pods. */
export type ScaleOutBlocker = "capacity-errors" | "unschedulable-pods" | "max-replicas";

/** Which comparison of the two plans decided the response to a loss. */
export type ResponseWhy =
  /** Cost mode covers demand around the causes, or serves at least as much: a reroute. */
  | "cost-answers"
  /** The policy says `lossResponse: failover`. */
  | "policy"
  /** A cause lost its pods, the pods ready now cannot carry demand under cost weights, and round-robin serves at least as much. */
  | "pods-lost"
  /** Cost mode cannot cover demand and capacity mode serves more. */
  | "serves-more";

/** Why a response to a loss cannot wait for the receivers' pods. */
export interface UrgencyWhy {
  readonly unit: string;
  readonly because: "breaks-slo" | "no-ready-pod" | "reclaimed";
}

/** Which test made a rebalance due, or why it is not. */
export type DeadBandOutcome = "at-risk" | "cheaper" | "hedge-short" | "short-window" | "within-band";

/** The facts of one rule's evidence, keyed by rule. */
export type RuleFacts =
  | { readonly rule: "action-annotation"; readonly problem: string }
  | { readonly rule: "action-annotation"; readonly foreign: string }
  | {
      readonly rule: "orphaned-holds";
      readonly holds: readonly {
        readonly unit: string;
        readonly scaledObject: string;
        readonly replicas: string;
        readonly owner: string;
        /** The owner's status in the history; null when it started before the history read. */
        readonly status: string | null;
      }[];
    }
  | { readonly rule: "abandoned-switch"; readonly execution: string; readonly status: string }
  | { readonly rule: "last-transition"; readonly at: EpochMs; readonly now: EpochMs }
  | { readonly rule: "pin"; readonly pin: Pin }
  | {
      readonly rule: "operator";
      readonly move: "failover" | "fallback";
      /** The operator's words (`--reason`). */
      readonly why: string;
      readonly demandRps: number;
      /** Where the planned demand came from: `--demand`, measured, or what the running pods serve. */
      readonly demandSource: "operator" | "measured" | "running-pods";
    }
  | {
      readonly rule: "capacity-errors";
      readonly unit: string;
      readonly carriesTraffic: boolean;
      readonly weight: number | null;
      readonly instanceType: string | null;
      readonly signals: readonly CapacitySignal[];
      readonly windowMinutes: number;
      /** Whether the errors leave it nowhere to launch (every zone, every capacity type it may use). */
      readonly blocked: boolean;
    }
  | {
      readonly rule: "spot-interruption";
      readonly unit: string;
      readonly weight: number | null;
      readonly warnings: number;
      readonly zones: readonly string[];
      readonly reclaimingPods: number;
      readonly carriesTraffic: boolean;
    }
  | {
      readonly rule: "empty-target-group";
      readonly unit: string;
      readonly weight: number | null;
      readonly readyPods: number;
      readonly reclaimingPods: number;
    }
  | {
      readonly rule: "unschedulable-pods";
      readonly unit: string;
      readonly pods: number;
      readonly waitingSeconds: number;
      readonly graceSeconds: number;
    }
  | {
      readonly rule: "latency-breach";
      readonly unit: string;
      readonly sloMs: number;
      readonly breachedMinutes: number;
      readonly windowMinutes: number;
      readonly breachMinutes: number;
      readonly worstMs: number | null;
      /** Why the unit cannot scale out; null when it can. */
      readonly blocker: ScaleOutBlocker | null;
      readonly maxReplicaCount: number;
      readonly othersCanScale: boolean;
    }
  | {
      readonly rule: "response";
      readonly why: ResponseWhy;
      readonly causes: readonly string[];
      readonly cost: ServicePlan;
      readonly capacity: ServicePlan;
      readonly costNow: number;
      readonly capacityNow: number;
      readonly demandRps: number;
    }
  | {
      readonly rule: "routing-risk";
      readonly breached: boolean;
      readonly causes: readonly string[];
      readonly overloadRps: number;
      readonly shortfallRps: number;
      readonly demandRps: number;
    }
  | {
      readonly rule: "early-move";
      readonly passed: boolean;
      readonly causes: readonly string[];
      readonly currentNow: number;
      readonly targetNow: number;
    }
  | {
      readonly rule: "quiet-period";
      readonly unit: string;
      /** Minutes since its last capacity error; null for none. */
      readonly clearForMinutes: number | null;
      readonly quietMinutes: number;
      /** The multiplier when the last fallback was undone; null otherwise. */
      readonly undoneMultiplier: number | null;
      readonly recovery: Recovery;
    }
  | {
      readonly rule: "pods-schedule";
      readonly unit: string;
      readonly unschedulablePods: number;
      readonly podsReady: boolean;
    }
  | { readonly rule: "route-around"; readonly frozen: readonly string[]; readonly plan: ServicePlan }
  | {
      readonly rule: "slo-holds";
      readonly sloMs: number;
      readonly windowMinutes: number;
      readonly breaching: readonly string[];
      readonly holds: boolean;
      readonly costCovers: boolean;
    }
  | {
      readonly rule: "dwell-time";
      readonly mode: Mode;
      readonly inModeMinutes: number | null;
      readonly minDwellMinutes: number;
    }
  | {
      readonly rule: "switch-cap";
      readonly recent: number;
      /** Of `recent`, the switches that failed at Plan. */
      readonly failedPlans: number;
      readonly room: number;
      readonly cap: number;
    }
  | {
      readonly rule: "rebalance-dead-band";
      readonly outcome: DeadBandOutcome;
      readonly smallestSavingPercent: number;
      readonly deadBandPercent: number;
      readonly measuredMinutes: number;
      readonly sustainMinutes: number;
      readonly riskMinutes: number;
      readonly worstOverloadRps: number;
      /**
       * With Spot units: the smallest share of demand, over the measured minutes, that one
       * Spot cell's loss would leave unserved under the weights in force, beyond what the
       * hedged plan leaves; null for a service without Spot units.
       */
      readonly hedge: { readonly exposedShare: number; readonly maxLossShare: number } | null;
    };

/** What a decision says besides its evidence, keyed by what it explains. */
export type ReasonFacts =
  | { readonly reason: "pinned"; readonly pin: Pin }
  | { readonly reason: "urgency"; readonly causes: readonly string[]; readonly why: UrgencyWhy | null }
  | {
      readonly reason: "sized-now";
      /** The demand now the loss is answered for. */
      readonly demandRps: number;
      /** The highest of the latest measured minutes. */
      readonly measuredRps: number;
      /** Age of the newest measured minute. */
      readonly lagMinutes: number;
      readonly slope: number;
    }
  | { readonly reason: "cost-quiet" }
  | { readonly reason: "rebalance-held" }
  | { readonly reason: "fallback-held"; readonly troubleClear: boolean }
  | {
      readonly reason: "fallback";
      readonly recovered: boolean;
      readonly failoverCause: readonly string[];
      readonly causes: readonly string[];
      readonly routeAround: string;
    }
  | { readonly reason: "repair"; readonly problem: string; readonly mode: Mode }
  | { readonly reason: "foreign-action"; readonly foreign: string }
  | { readonly reason: "repair-leftovers"; readonly mode: Mode; readonly holds: number }
  | {
      readonly reason: "planned-demand";
      readonly plannedRps: number;
      readonly demandRps: number;
      /** RPS a minute; null when demand is not rising (then the plan is for now). */
      readonly slope: number | null;
      readonly horizonMinutes: number;
      /** The level shift the window shows, when it is one (then the plan is for now). */
      readonly shift: DemandShift | null;
    };
