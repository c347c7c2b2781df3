import type { CapacitySignal, EpochMs } from "../signals/types.ts";
import { MINUTE } from "../units.ts";
import type { Move, SwitchRecord } from "./types.ts";

/**
 * Whether a move decided now may start while `running` still runs — it supersedes it,
 * and the running move's next step sees routing it did not plan from and stands down.
 * One move at a time, except that a response to a loss never waits behind a calm move
 * (which may be waiting for pods, or holding them). `lossSince`: when the loss a reroute
 * answers began (see lossStartedAt); null for none.
 */
export function supersedes(move: Move, running: SwitchRecord, lossSince: EpochMs | null): boolean {
  switch (move) {
    // The safe direction never waits: it supersedes every move but another failover.
    case "failover":
      return running.move !== "failover";
    // A reroute supersedes a calm move started before the loss showed. Never another
    // reroute: the signals behind `lossSince` slide with the capacity-error window, so a
    // reroute started early in a long loss would otherwise look "older than the loss"
    // minutes later and be replaced every few minutes, each replacement a superseded alert.
    case "reroute":
      return (
        lossSince !== null &&
        running.move !== "failover" &&
        running.move !== "reroute" &&
        running.startedAt < lossSince
      );
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
): SwitchRecord | undefined {
  return switches.find((s) => s.status === "RUNNING" && !supersedes(move, s, lossSince));
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
