import type { CapacitySignal } from "../signals/types.ts";
import { round1 } from "../units.ts";
import type { Recovery } from "./observations.ts";
import type { ReasonFacts, ResponseWhy, RuleFacts, ScaleOutBlocker, UrgencyWhy } from "./reason-facts.ts";
import type { Pin } from "./types.ts";

// Every sentence `decide` writes, in one place: the rules find facts, this file says them.
// `detail` renders a rule's evidence, keyed by rule; `reason` renders what a decision
// adds of its own (why it is urgent, why it stays). A rule's numbers are passed as
// found, and rounded here for reading.

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
