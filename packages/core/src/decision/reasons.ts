import type { Mode, ServicePlan } from "../planning/types.ts";
import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import { round1 } from "../units.ts";
import type { DemandShift } from "./demand-trend.ts";
import type { Recovery } from "./observations.ts";
import type { Pin } from "./types.ts";

// Every sentence `decide` writes, in one place: the rules find facts, this file says them.
// `detail` renders a rule's evidence, keyed by rule; `reason` renders what a decision
// adds of its own (why it is urgent, why it stays). A rule's numbers are passed as
// found, and rounded here for reading.

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
type RuleFacts =
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

const OPERATOR_DEMAND: Readonly<Record<"operator" | "measured" | "running-pods", string>> = {
  operator: "given with --demand",
  measured: "the demand measured on the ALB",
  "running-pods":
    "what the ready pods serve at their cost-mode KEDA targets; pass --demand to plan for another",
};

/** A rule's evidence in words. */
export function detail(facts: RuleFacts): string {
  switch (facts.rule) {
    // The annotation's own problem says what is wrong with it; a valid action of someone
    // else's says why it is left alone.
    case "action-annotation":
      return "problem" in facts ? facts.problem : foreignAction(facts.foreign);
    // KEDA does not autoscale a held unit: a hold nobody will lift freezes it.
    case "orphaned-holds":
      return `${facts.holds
        .map(
          (h) =>
            `ScaledObject ${h.scaledObject} (${h.unit}) is held at ${h.replicas} replicas by ${h.owner}, which ${h.status === null ? "started before the history read and has ended" : `ended ${h.status}`}`,
        )
        .join(
          "; ",
        )}: no running switch will lift ${facts.holds.length === 1 ? "it" : "them"}, so KEDA does not autoscale ${facts.holds.length === 1 ? "that unit" : "those units"}`;
    // Stopped or timed out, a switch runs no Rollback: its targets and holds stay as it left them.
    case "abandoned-switch":
      return `the last switch, ${facts.execution}, ended ${facts.status} without its Rollback: the KEDA targets and replica holds it set may be left behind`;
    // A dwell time measured from the future holds every fallback and rebalance back until then.
    case "last-transition":
      return `switchyard.io/last-transition ${new Date(facts.at).toISOString()} is ${Math.round((facts.at - facts.now) / 60_000)} minutes in the future: the dwell time would hold every fallback and rebalance back until then`;
    case "pin":
      return pinned(facts.pin);
    // The operator's word is the cause; the demand says what the plan is sized for.
    case "operator":
      return `an operator asked for a ${facts.move}: "${facts.why}"; planned for ${round1(facts.demandRps)} RPS (${OPERATOR_DEMAND[facts.demandSource]})`;
    // A unit that carries no traffic loses nothing by not growing: reported, never a loss.
    case "capacity-errors":
      if (!facts.carriesTraffic) {
        return `${facts.unit} has capacity errors (${describeSignals(facts.signals)}) but carries no traffic (weight 0): no failover`;
      }
      // Karpenter launches in the unit's other zones, or on-demand after a Spot error.
      return facts.blocked
        ? `${facts.unit} (weight ${facts.weight ?? "unknown"}) cannot get ${facts.instanceType} capacity: ${describeSignals(facts.signals)} in the last ${facts.windowMinutes} min`
        : `${facts.unit} (weight ${facts.weight ?? "unknown"}) has ${facts.instanceType} capacity errors (${describeSignals(facts.signals)}) in the last ${facts.windowMinutes} min, but not in every zone and capacity type it may launch in: Karpenter launches there, so it can still grow`;
    // One type in one zone goes together (arXiv 2604.16457): the whole cell is taken as going.
    case "spot-interruption": {
      const where = facts.zones.length === 0 ? "" : ` in ${facts.zones.join(", ")}`;
      const lead = `${facts.unit} (weight ${facts.weight ?? "unknown"}) has ${facts.warnings} Spot interruption warning${facts.warnings === 1 ? "" : "s"}${where}: its ${facts.reclaimingPods} ready pod${facts.reclaimingPods === 1 ? "" : "s"} there go within 2 min (one instance type in one zone is reclaimed together)`;
      return facts.carriesTraffic ? lead : `${lead}, but it carries no traffic`;
    }
    // The ALB fails open only for unhealthy targets; a group with none registered answers 503.
    case "empty-target-group":
      return facts.reclaimingPods > 0 && facts.readyPods > 0
        ? `${facts.unit} (weight ${facts.weight ?? "unknown"}): all ${facts.readyPods} ready pods are being reclaimed, so its target group is about to be empty and answer 503: weight 0 now`
        : `${facts.unit} (weight ${facts.weight ?? "unknown"}) has no ready pod: its target group answers its share with 503, so it gets weight 0 now`;

    case "unschedulable-pods":
      return `${facts.unit} has ${facts.pods} unschedulable pod${facts.pods === 1 ? "" : "s"}, the oldest waiting ${Math.round(facts.waitingSeconds)} s (grace ${facts.graceSeconds} s)`;
    // Latency counts only while the unit cannot scale out and another unit can: otherwise
    // capacity mode adds no capacity.
    case "latency-breach": {
      const why =
        facts.blocker === null
          ? "it can still scale out"
          : facts.othersCanScale
            ? scaleOutBlocker(facts.blocker, facts.maxReplicaCount)
            : `${scaleOutBlocker(facts.blocker, facts.maxReplicaCount)}, but no other unit can scale out either: capacity mode would add no capacity`;
      return `${facts.unit} latency over the ${facts.sloMs} ms SLO in ${facts.breachedMinutes} of the last ${facts.windowMinutes} min (worst ${round1(facts.worstMs ?? 0)} ms, needs ${facts.breachMinutes} to count) and ${why}`;
    }
    // Both plans side by side, then which comparison chose.
    case "response": {
      const { cost, capacity } = facts;
      const costText = `cost mode around ${facts.causes.join(", ")} serves ${round1(cost.capacityRps)} of ${round1(cost.requiredRps)} RPS needed at $${cost.hourlyCost.toFixed(2)}/h (${round1(facts.costNow)} with the pods ready now)`;
      const capacityText = `capacity mode serves ${round1(capacity.capacityRps)} at $${capacity.hourlyCost.toFixed(2)}/h (${round1(facts.capacityNow)} now)`;
      return `${costText}; ${capacityText}: ${responseVerdict(facts.why, facts.demandRps)}`;
    }
    case "routing-risk":
      return facts.breached
        ? `the current weights send ${round1(facts.overloadRps)} RPS more than the units' pods can serve at ${round1(facts.demandRps)} RPS (the plan around ${facts.causes.join(", ")} leaves ${round1(facts.shortfallRps)})`
        : `the current weights already route around ${facts.causes.join(", ")}: no unit is sent more than its pods serve`;
    // Moving early only helps when the new weights serve more with the pods ready now.
    case "early-move":
      return facts.passed
        ? `the new weights serve ${round1(facts.targetNow)} RPS with the pods ready now, the current ones ${round1(facts.currentNow)}: traffic moves at once`
        : `urgent in itself (${facts.causes.join(", ")} ${facts.causes.length === 1 ? "breaks" : "break"} the SLO), but with the pods ready now the new weights serve ${round1(facts.targetNow)} RPS and the current ones ${round1(facts.currentNow)}: moving before the receivers' pods are ready would serve less, so traffic moves once they are`;
    case "quiet-period": {
      const longer =
        facts.undoneMultiplier === null
          ? ""
          : ` (${facts.undoneMultiplier}× after a fallback that had to be undone)`;
      return facts.clearForMinutes === null
        ? `${facts.unit}: no capacity error in the signals (quiet period ${facts.quietMinutes} min${longer})`
        : `${facts.unit}: last capacity error ${round1(facts.clearForMinutes)} min ago (quiet period ${facts.quietMinutes} min${longer}); ${RECOVERY[facts.recovery]}`;
    }
    case "pods-schedule":
      return facts.unschedulablePods > 0
        ? `${facts.unit}: ${facts.unschedulablePods} pod${facts.unschedulablePods === 1 ? "" : "s"} cannot be scheduled`
        : facts.podsReady
          ? `${facts.unit}: every pod schedules`
          : `${facts.unit}: its pods schedule but none is ready yet`;
    case "route-around": {
      const { frozen, plan } = facts;
      const held =
        frozen.length > 0
          ? ` with ${frozen.join(", ")} frozen at ${frozen.length === 1 ? "its" : "their"} running pods`
          : "";
      return `cost mode${held} serves ${round1(plan.capacityRps)} of ${round1(plan.requiredRps)} RPS needed at $${plan.hourlyCost.toFixed(2)}/h`;
    }
    // A breach capacity mode causes itself must not hold the service there.
    case "slo-holds": {
      const { sloMs, breaching, windowMinutes } = facts;
      if (facts.holds) {
        return `SLO ${sloMs} ms holds over the last ${windowMinutes} min`;
      }
      if (facts.costCovers) {
        return `${breaching.length > 0 ? `SLO ${sloMs} ms broken by ${breaching.join(", ")} in capacity mode` : `no latency reported in the last ${windowMinutes} min`}, but cost mode covers the demand: the breach does not hold the fallback back`;
      }
      return breaching.length > 0
        ? `SLO ${sloMs} ms broken by ${breaching.join(", ")}`
        : `no latency reported in the last ${windowMinutes} min: the SLO cannot be shown to hold`;
    }
    case "dwell-time":
      return facts.inModeMinutes === null
        ? `no recorded transition; the minimum time in a mode (${facts.minDwellMinutes} min) does not apply`
        : `${round1(facts.inModeMinutes)} min in ${facts.mode} mode; the minimum is ${facts.minDwellMinutes} min`;
    case "switch-cap":
      return `${facts.recent} switch${facts.recent === 1 ? "" : "es"} in the last hour${facts.failedPlans === 0 ? "" : ` (${facts.failedPlans} of them failed at Plan)`}; at most ${facts.room} leave room for this move and a failover under the cap of ${facts.cap} per hour`;
    case "rebalance-dead-band":
      return deadBandText(facts);
  }
}

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

/** A valid action Switchyard did not write, and why nothing is done to it. */
function foreignAction(foreign: string): string {
  return `${foreign}, a valid action of the AWS Load Balancer Controller that Switchyard did not write (it writes only a forward with forwardConfig): it is left as it is, and Switchyard moves no traffic while it is there; to hand the routing back, write a forward action with forwardConfig over the service's Services (e.g. with \`switchyard plan --out-dir\`)`;
}

/** A decision's own sentence. */
export function reason(facts: ReasonFacts): string {
  switch (facts.reason) {
    case "pinned":
      return pinned(facts.pin);
    // Urgent: traffic moves at once; otherwise the causes still serve, so it waits for pods.
    case "urgency":
      return facts.why === null
        ? `not urgent: ${facts.causes.join(", ")} still ${facts.causes.length === 1 ? "serves" : "serve"} and only cannot grow, so traffic moves once the receivers' pods are ready`
        : `urgent: ${URGENCY[facts.why.because](facts.why.unit)}, so traffic moves at once`;
    case "sized-now":
      return `sized for ${round1(facts.demandRps)} RPS now: ${round1(facts.measuredRps)} measured, the newest minute ${round1(facts.lagMinutes)} min old, rising ${round1(facts.slope)} RPS/min`;
    case "cost-quiet":
      return "cost mode: no unit that carries traffic has capacity errors, unschedulable pods or a latency breach";
    case "rebalance-held":
      return "a rebalance is due but anti-flap holds it back";
    case "fallback-held":
      return facts.troubleClear
        ? "capacity mode: the trouble has cleared but anti-flap holds the fallback back"
        : "capacity mode: not every condition for a fallback holds yet";
    case "fallback":
      return facts.recovered
        ? `every unit that caused the failover (${facts.failoverCause.join(", ")}) has recovered: ${facts.causes.join("; ")}`
        : `${facts.routeAround}; ${facts.causes.join("; ")}`;
    // The ALB keeps the last action it could read; rewriting restores Switchyard's control.
    // What a switch left behind is set right by planning the mode the service is in.
    case "repair-leftovers":
      return `re-planning ${facts.mode} mode: its KEDA targets, routing and switchyard.io/last-transition are written again${facts.holds === 0 ? "" : `, and ${facts.holds === 1 ? "the hold" : `the ${facts.holds} holds`} no running switch owns ${facts.holds === 1 ? "is" : "are"} lifted`}`;
    case "repair":
      return `the action annotation cannot be read, so the ALB keeps its last good routing: ${facts.problem}; rewriting it with the ${facts.mode}-mode plan`;
    // Someone else's routing: a repair, a failover or a rebalance would write over it.
    case "foreign-action":
      return foreignAction(facts.foreign);
    case "planned-demand": {
      if (facts.shift !== null) {
        return `planned for ${round1(facts.demandRps)} RPS, the demand now: demand shifted at ${new Date(facts.shift.at).toISOString().slice(11, 16)} UTC (${round1(facts.shift.fromRps)} → ${round1(facts.shift.toRps)} RPS${Math.abs(facts.shift.slope) >= 0.05 ? `, then ${facts.shift.slope > 0 ? "rising" : "falling"} ${round1(Math.abs(facts.shift.slope))} RPS/min` : ""}), a step, not a trend to look ahead on`;
      }
      if (facts.slope === null) {
        return `planned for ${round1(facts.demandRps)} RPS, the demand now`;
      }
      return `planned for ${round1(facts.plannedRps)} RPS: ${round1(facts.demandRps)} now, rising ${round1(facts.slope)} RPS/min, looking ${facts.horizonMinutes} min ahead`;
    }
  }
}

function pinned(pin: Pin): string {
  const until = pin.until === null ? "without expiry" : `until ${new Date(pin.until).toISOString()}`;
  return `pinned to ${pin.mode} mode by switchyard.io/pin ${until}: observing only`;
}

function responseVerdict(why: ResponseWhy, demandRps: number): string {
  switch (why) {
    case "cost-answers":
      return "route around the loss in cost mode";
    case "policy":
      return "fail over to capacity mode (policy lossResponse: failover)";
    case "pods-lost":
      return `the pods ready now cannot carry ${round1(demandRps)} RPS under cost weights and serve at least as much in capacity mode, so fail over to capacity mode, which also grows every pool at once while the lost pods are replaced`;
    case "serves-more":
      return "fail over to capacity mode, which serves more";
  }
}

const URGENCY: Readonly<Record<UrgencyWhy["because"], (unit: string) => string>> = {
  "breaks-slo": (unit) => `${unit} breaks the SLO`,
  "no-ready-pod": (unit) => `${unit} has no ready pod`,
  reclaimed: (unit) => `${unit}'s instances are being reclaimed (Spot interruption)`,
};

function scaleOutBlocker(blocker: ScaleOutBlocker, maxReplicaCount: number): string {
  const why =
    blocker === "max-replicas"
      ? `at maxReplicaCount ${maxReplicaCount}`
      : blocker === "capacity-errors"
        ? "capacity errors"
        : "unschedulable pods";
  return `cannot scale out (${why})`;
}

/** What a cause's recovery says, after its last capacity error. */
const RECOVERY: Readonly<Record<Recovery, string>> = {
  recovered: "launches were tried in the quiet period and none failed: capacity is back",
  unproven: "no launch was tried since: quiet, but recovery is unproven",
  failing: "launches still fail",
  quiet: "not quiet for long enough yet",
  clear: "clear",
};

function deadBandText(facts: Extract<RuleFacts, { rule: "rebalance-dead-band" }>): string {
  const { smallestSavingPercent: smallest, deadBandPercent: band, sustainMinutes: sustain } = facts;
  switch (facts.outcome) {
    // A risk to the service is answered whatever it saves.
    case "at-risk":
      return `the current weights send up to ${round1(facts.worstOverloadRps)} RPS more than the units' pods can serve in each of the last ${facts.riskMinutes} measured min`;
    // The weights in force leave more of demand to one Spot loss than the hedge allows.
    case "hedge-short":
      return `if the largest Spot cell were reclaimed, the current weights would leave at least ${round1((facts.hedge?.exposedShare ?? 0) * 100)} % more of demand without a serving pod than the hedge allows (policy.hedge.maxLossShare ${facts.hedge?.maxLossShare ?? "?"}), in each of the last ${facts.riskMinutes} measured min: rebalance to the hedged plan`;
    // The saving is a share of the plan's own cost above the floor: past 100 % a percentage
    // reads as impossible ("saves 448.7 %"), so it is said as a multiple.
    case "cheaper":
      return smallest > 100
        ? `the cost-optimal plan saves more than its whole cost above the minReplicaCount floor (${round1(smallest / 100)}× it) over the pods the current weights need, in each of the last ${sustain} measured min (dead band ${band} %)`
        : `the cost-optimal plan saves ${smallest} % of the cost above the minReplicaCount floor over the pods the current weights need, in each of the last ${sustain} measured min (dead band ${band} %)`;
    // Unknown demand is no reason to move.
    case "short-window":
      return `${facts.measuredMinutes} of the ${sustain} measured minutes a rebalance needs: demand is not known for long enough`;
    case "within-band":
      return `the cost-optimal plan saves ${smallest} % or less of the cost above the floor over the current weights in the last ${sustain} measured min (dead band ${band} %)`;
  }
}

function describeSignals(signals: readonly CapacitySignal[]): string {
  const codes = [...new Set(signals.map((s) => s.code))].join("/");
  const sources = [...new Set(signals.map((s) => s.source))].join(", ");
  const total = signals.reduce((sum, s) => sum + s.count, 0);
  return `${total} ${codes} (${sources})`;
}
