import type { UnitCondition } from "../planning/types.ts";
import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import { EPSILON, MINUTE } from "../units.ts";
import type { Move, SwitchRecord } from "./types.ts";
import { remainingPods } from "./unit-capacity.ts";

/** What the move decided now is sized for: its demand, and the headroom its plan covers. */
interface MoveSizing {
  readonly demandRps: number;
  readonly headroom: number;
}

/**
 * Whether `running` was planned for demand the move decided now has outgrown: demand now
 * beyond what its plan covers (its planned demand plus the headroom). Unknown planned
 * demand is never stale.
 */
function isStale(running: SwitchRecord, sizing: MoveSizing | undefined): boolean {
  return (
    sizing !== undefined &&
    running.plannedRps !== undefined &&
    sizing.demandRps > running.plannedRps * (1 + sizing.headroom) + EPSILON
  );
}

/**
 * Whether a move decided now may start while `running` still runs — it supersedes it,
 * and the running move's next step sees routing it did not plan from and stands down.
 * One move at a time, except that a response to a loss never waits behind a calm move
 * (which may be waiting for pods, or holding them). `lossSince`: when the loss a reroute
 * answers began (see lossStartedAt); null for none.
 */
export function supersedes(
  move: Move,
  running: SwitchRecord,
  lossSince: EpochMs | null,
  sizing?: MoveSizing,
  newLoss = false,
): boolean {
  switch (move) {
    // The safe direction never waits: it supersedes every move but another failover.
    case "failover":
      return running.move !== "failover";
    // A reroute supersedes a calm move started before the loss showed, or in the same
    // instant (a move decided with the signal it answers would have answered it: a
    // schedule tick and a Spot warning of the same second see different signals).
    // Another reroute only when that one is stale — planned for demand the one decided
    // now has outgrown (a surge under way): its corrections must not wait behind it — or
    // when it answers a loss that one was not planned for (answersNewLoss: a new cause,
    // or fewer pods left of one — a second zone's Spot warnings, or pods that went beyond
    // the ones it moved traffic off). Never because of its age: the signals behind
    // `lossSince` slide with the capacity-error window, so a reroute started early in a
    // long loss would otherwise look "older than the loss" minutes later and be replaced
    // every few minutes, each replacement a superseded alert. A correction itself, sized
    // on newer demand, is not stale to a move decided on the same or older demand, so a
    // stale move never supersedes it.
    case "reroute":
      if (running.move === "reroute") {
        return newLoss || isStale(running, sizing);
      }
      return lossSince !== null && running.move !== "failover" && running.startedAt <= lossSince;
    // A fallback, a rebalance and a repair wait for the running move to end.
    case "fallback":
    case "rebalance":
    case "repair":
      return false;
  }
}

/** The running switch a move must wait for, or undefined when it may start (none runs, or it supersedes those that do). */
export function switchToWaitFor(
  move: Move,
  switches: readonly SwitchRecord[],
  lossSince: EpochMs | null,
  sizing?: MoveSizing,
  newLossOver: (running: SwitchRecord) => boolean = () => false,
): SwitchRecord | undefined {
  return switches.find(
    (s) => s.status === "RUNNING" && !supersedes(move, s, lossSince, sizing, newLossOver(s)),
  );
}

/** The running failovers and reroutes a move decided now supersedes (it hurries past them: see planMove). */
export function urgentMovesSuperseded(
  move: Move,
  switches: readonly SwitchRecord[],
  lossSince: EpochMs | null,
  sizing?: MoveSizing,
  newLossOver: (running: SwitchRecord) => boolean = () => false,
): SwitchRecord[] {
  return switches.filter(
    (s) =>
      s.status === "RUNNING" &&
      (s.move === "reroute" || s.move === "failover") &&
      supersedes(move, s, lossSince, sizing, newLossOver(s)),
  );
}

/**
 * Whether a loss answered now is one the running failover or reroute was not planned
 * for: a cause it did not name, or a cause with fewer ready pods left (not being
 * reclaimed) than it planned around. Unknown (its input was not read): false.
 */
export function answersNewLoss(
  causes: readonly string[],
  conditions: Readonly<Record<string, UnitCondition>>,
  running: SwitchRecord,
): boolean {
  const answered = running.answered;
  if (answered === undefined) {
    return false;
  }
  return causes.some(
    (name) =>
      !answered.causes.includes(name) ||
      remainingPods(conditions[name]) < remainingPods(answered.conditions[name]),
  );
}

/**
 * When the loss behind a reroute began: the oldest capacity signal of any instance type
 * inside the capacity-error window; null for any other move, or with no signal in it.
 */
export function lossStartedAt(
  move: Move,
  capacity: readonly CapacitySignal[],
  now: EpochMs,
  windowMinutes: number,
): EpochMs | null {
  if (move !== "reroute") {
    return null;
  }
  const recent = capacity.filter((c) => c.at > now - windowMinutes * MINUTE && c.at <= now).map((c) => c.at);
  return recent.length === 0 ? null : Math.min(...recent);
}
