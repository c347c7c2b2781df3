import type { Policy } from "../config/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { HOUR, MINUTE, round1 } from "../units.ts";
import { detail } from "./reasons.ts";
import type { Gate, ServiceState, SwitchRecord } from "./types.ts";

/**
 * Switches that happened (or are happening): an execution that failed after it moved
 * traffic switched it (and a rollback switched it back), one that failed before did not.
 */
function effective(record: SwitchRecord): boolean {
  return record.status === "SUCCEEDED" || record.status === "RUNNING" || record.movedTraffic === true;
}

/** Switches started in the 60 minutes before `now`. */
export function switchesInLastHour(switches: readonly SwitchRecord[], now: EpochMs): number {
  return switches.filter((s) => effective(s) && s.startedAt > now - HOUR && s.startedAt <= now).length;
}

/**
 * Switches that failed at Plan in the 60 minutes before `now`: each moved nothing but sent
 * a failure alert, so they count against the switch cap too — a fallback or rebalance
 * whose Plan keeps failing is held back instead of alerting every minute.
 */
function failedPlansInLastHour(switches: readonly SwitchRecord[], now: EpochMs): number {
  return switches.filter((s) => s.planFailed === true && s.startedAt > now - HOUR && s.startedAt <= now)
    .length;
}

/** Whether the latest fallback was undone by a failover within the hour after it. */
export function lastFallbackUndone(switches: readonly SwitchRecord[]): boolean {
  const done = switches.filter(effective).sort((a, b) => b.startedAt - a.startedAt);
  const fallback = done.find((s) => s.move === "fallback");
  if (fallback === undefined) {
    return false;
  }
  return done.some(
    (s) =>
      s.move === "failover" && s.startedAt > fallback.startedAt && s.startedAt - fallback.startedAt <= HOUR,
  );
}

/**
 * The gates that hold back a fallback or a rebalance (never a failover): the minimum
 * time in a mode, and the switch cap. A gated move needs room for itself and for a
 * failover that may undo it, so no 60-minute window holds more than the cap.
 */
export function antiFlapEvidence(state: ServiceState, policy: Policy, now: EpochMs): Gate[] {
  const inMode = state.lastTransitionAt === null ? null : (now - state.lastTransitionAt) / MINUTE;
  const failedPlans = failedPlansInLastHour(state.switches, now);
  const recent = switchesInLastHour(state.switches, now) + failedPlans;
  const room = policy.maxSwitchesPerHour - 2;
  return [
    {
      rule: "dwell-time",
      observed: inMode === null ? null : round1(inMode),
      threshold: policy.minDwellMinutes,
      passed: inMode === null || inMode >= policy.minDwellMinutes,
      detail: detail({
        rule: "dwell-time",
        mode: state.mode,
        inModeMinutes: inMode,
        minDwellMinutes: policy.minDwellMinutes,
      }),
    },
    {
      rule: "switch-cap",
      observed: recent,
      threshold: room,
      passed: recent <= room,
      detail: detail({ rule: "switch-cap", recent, failedPlans, room, cap: policy.maxSwitchesPerHour }),
    },
  ];
}
