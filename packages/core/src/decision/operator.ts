import type { Policy } from "../config/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { observe } from "./observations.ts";
import { pinHolds } from "./pin.ts";
import { detail } from "./reasons.ts";
import type { DecisionSignals, Gate, MoveDecision, ServiceState, SwitchRecord } from "./types.ts";

/** What an operator asks for with `switchyard failover` or `switchyard fallback`. */
export interface OperatorRequest {
  readonly move: "failover" | "fallback";
  /** Why, in the operator's words (`--reason`): the move's cause in the evidence and the alerts. */
  readonly reason: string;
  /** The demand to plan for (`--demand`); what the signals show when unset. */
  readonly demandRps?: number;
}

/** Why an operator's move is not started, with what to do instead. */
export interface OperatorRefusal {
  readonly refused: "running" | "pinned" | "already";
  readonly message: string;
  /** The running switch, for `running`. */
  readonly running?: SwitchRecord;
}

const TARGET = { failover: "capacity", fallback: "cost" } as const;
const FROM = { failover: "cost", fallback: "capacity" } as const;

/**
 * An operator's move, decided the pure way like every other (decide.ts): the same
 * observations plan it (demand and each unit's condition), and the operator's word is
 * its cause — the `operator` gate, the evidence the execution's input and alerts carry.
 * Refused while any switch of the service runs (one move at a time; `switchyard abort`
 * stops it), while a pin holds the service in the other mode (the operator unpins first),
 * and when the service is in the target mode already. Anti-flap does not hold it back:
 * a person decided. Automatic fallback then waits for every unit to be clear (the
 * failover names no cause, so every unit counts), and the minimum time in the mode.
 */
export function operatorDecision(
  state: ServiceState,
  signals: DecisionSignals,
  policy: Policy,
  now: EpochMs,
  request: OperatorRequest,
): MoveDecision | OperatorRefusal {
  const service = state.service.name;
  const to = TARGET[request.move];
  const running = state.switches.find((s) => s.status === "RUNNING");
  if (running !== undefined) {
    return {
      refused: "running",
      running,
      message: `${service} has a switch running, ${running.name} (a ${running.move}): one move at a time. Wait for it to end (switchyard status shows it), or stop it with switchyard abort`,
    };
  }
  if (pinHolds(state.pin, now) && state.pin.mode !== to) {
    return {
      refused: "pinned",
      message: `${service} is pinned to ${state.pin.mode} mode (switchyard.io/pin "${state.pin.raw}"): a ${request.move} to ${to} mode goes against the pin. Remove it first (switchyard unpin), or pin ${to} mode instead (switchyard pin --mode ${to})`,
    };
  }
  if (state.mode === to) {
    return {
      refused: "already",
      message: `${service} is in ${to} mode already (switchyard.io/mode${state.modeRecorded ? "" : ", inferred from the action"}): nothing to ${request.move}`,
    };
  }
  const observations = observe(state, signals, policy, now);
  const demandRps = request.demandRps ?? observations.demandRps;
  const facts = {
    rule: "operator",
    move: request.move,
    why: request.reason,
    demandRps,
    demandSource: request.demandRps === undefined ? observations.demandSource : "operator",
  } as const;
  const gate: Gate = {
    rule: "operator",
    observed: request.reason,
    threshold: null,
    passed: true,
    detail: detail(facts),
  };
  const base = {
    service,
    mode: state.mode,
    demandRps,
    conditions: observations.conditions,
    reasons: [gate.detail],
    evidence: [gate],
    at: now,
  };
  return request.move === "failover"
    ? { ...base, kind: "failover", from: FROM.failover, to: "capacity", causes: [], urgent: false }
    : { ...base, kind: "fallback", from: FROM.fallback, to: "cost" };
}

export function isRefusal(verdict: MoveDecision | OperatorRefusal): verdict is OperatorRefusal {
  return "refused" in verdict;
}
