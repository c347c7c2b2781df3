import type { Policy } from "../config/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { HOUR, MINUTE } from "../units.ts";
import { parseExecutionName } from "../workflow/execution-name.ts";
import { detail } from "./reasons.ts";
import type { Breach, ServiceState, SwitchyardHold } from "./types.ts";

/** A last transition this far ahead of the controller's clock is a problem, not clock jitter between writers. */
const FUTURE_TRANSITION_TOLERANCE_MS = MINUTE;

/** Whether `switchyard.io/last-transition`, as written, lies in the future (past the tolerance). */
export function transitionInFuture(lastTransitionAt: EpochMs | null, now: EpochMs): boolean {
  return lastTransitionAt !== null && lastTransitionAt > now + FUTURE_TRANSITION_TOLERANCE_MS;
}

/**
 * The longest a mode switch can run: waiting for its receivers (the calm deadline, the
 * longer one), verifying, holding, and an hour for every retry, the release's and the
 * rollback's included. A switch started earlier than this has ended, whatever it left.
 */
export function longestSwitchMs(policy: Policy): number {
  return (
    (policy.calmMoveReadyTimeoutSeconds + policy.verifyTimeoutSeconds + policy.receiverHoldSeconds) * 1000 +
    HOUR
  );
}

/** `yyyyMMddHHmm` or `yyyyMMddHHmmss` (UTC) of an execution name, as epoch ms; null when unreadable. */
function stampOf(name: string): EpochMs | null {
  const stamp = parseExecutionName(name)?.stamp;
  const m = stamp === undefined ? null : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(stamp);
  if (m === null) return null;
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
}

/**
 * Switchyard's replica holds that no running switch owns: the owner ended (a switch that
 * was aborted or timed out never released them; one whose release failed asked an
 * operator to), or started before the history read and so cannot still run. An owner the
 * history does not list yet, started inside it, is not judged: ListExecutions lags.
 */
export function orphanedHolds(state: ServiceState): SwitchyardHold[] {
  return state.holds.filter((hold) => {
    const owner = state.switches.find((s) => s.name === hold.owner);
    if (owner !== undefined) {
      return owner.status !== "RUNNING" && owner.status !== "PENDING_REDRIVE";
    }
    const startedBy = stampOf(hold.owner);
    return state.switchesSince !== null && (startedBy === null || startedBy < state.switchesSince);
  });
}

/**
 * What a switch that ended without its Rollback leaves, and a transition time from the
 * future: each asks for a repair of the current mode, which re-plans it (KEDA targets,
 * routing, `last-transition`) and lifts the holds no running switch owns. Each breach is
 * reported as found; the repair waits while one ran in the last `minDwellMinutes`, so a
 * repair that cannot fix it does not run every minute.
 */
export function leftoverEvidence(state: ServiceState, now: EpochMs): Breach[] {
  const evidence: Breach[] = [];
  const orphans = orphanedHolds(state);
  if (orphans.length > 0) {
    evidence.push({
      rule: "orphaned-holds",
      observed: orphans.length,
      threshold: 0,
      breached: true,
      detail: detail({
        rule: "orphaned-holds",
        holds: orphans.map((hold) => ({
          ...hold,
          status: state.switches.find((s) => s.name === hold.owner)?.status ?? null,
        })),
      }),
    });
  }
  const newest = state.switches[0];
  if (newest !== undefined && (newest.status === "ABORTED" || newest.status === "TIMED_OUT")) {
    evidence.push({
      rule: "abandoned-switch",
      observed: newest.status,
      threshold: null,
      breached: true,
      detail: detail({ rule: "abandoned-switch", execution: newest.name, status: newest.status }),
    });
  }
  if (transitionInFuture(state.lastTransitionAt, now) && state.lastTransitionAt !== null) {
    evidence.push({
      rule: "last-transition",
      observed: new Date(state.lastTransitionAt).toISOString(),
      threshold: new Date(now).toISOString(),
      breached: true,
      detail: detail({ rule: "last-transition", at: state.lastTransitionAt, now }),
    });
  }
  return evidence;
}

/** Whether a repair ran in the last `minDwellMinutes` (a leftover repair then waits). */
export function repairedLately(state: ServiceState, policy: Policy, now: EpochMs): boolean {
  return state.switches.some(
    (s) => s.move === "repair" && s.startedAt > now - policy.minDwellMinutes * MINUTE,
  );
}
