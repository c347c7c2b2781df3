import { MODE_SWITCH_STATES as S } from "./step-table.ts";

/**
 * The states in which `switchyard abort` still stops a switch: up to and including
 * VerifyAlb. Each of its steps reads the Ingress (Plan, CheckReceivers, ShiftTraffic
 * inside its guarded patch, VerifyAlb before it checks the ALB) and stands down when
 * `switchyard.io/abort` names its execution; from ScaleReceivers and WaitForReceivers it
 * is the next readiness check that sees it. Past VerifyAlb the switch is done (verified,
 * announced, only releasing its holds): there is nothing left to abort.
 */
const ABORTABLE: ReadonlySet<string> = new Set([
  S.plan,
  S.scaleReceivers,
  S.waitForReceivers,
  S.checkReceivers,
  S.receiversReady,
  S.shiftTraffic,
  S.verifyAlb,
]);

/** Whether a running execution last in `state` can still be aborted; null (no state entered yet) can. */
export function abortable(state: string | null): boolean {
  return state === null || ABORTABLE.has(state);
}
