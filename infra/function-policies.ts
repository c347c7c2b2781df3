import { type PolicyStatement, policyStatements, type ScopeArns } from "@switchyard/core/deploy";
import * as applyRouting from "../functions/apply-routing.ts";
import * as applyScaling from "../functions/apply-scaling.ts";
import * as checkReceivers from "../functions/check-receivers.ts";
import * as evaluate from "../functions/evaluate.ts";
import * as planSwitch from "../functions/plan-switch.ts";
import * as releaseHolds from "../functions/release-holds.ts";
import * as rollback from "../functions/rollback.ts";
import * as verifyRouting from "../functions/verify-routing.ts";
import type { HandlerName } from "../scripts/handlers.ts";

/**
 * Each function's AWS actions, as its handler declares them (derived from the adapters'
 * `static iamActions`, next to the calls). Importing a handler builds SDK clients and a
 * logger but makes no call, so the deploy can read these.
 */
export const HANDLER_AWS_ACTIONS: Readonly<Record<HandlerName, readonly string[]>> = {
  evaluate: evaluate.awsActions,
  "plan-switch": planSwitch.awsActions,
  "apply-scaling": applyScaling.awsActions,
  "check-receivers": checkReceivers.awsActions,
  "apply-routing": applyRouting.awsActions,
  "verify-routing": verifyRouting.awsActions,
  "release-holds": releaseHolds.awsActions,
  rollback: rollback.awsActions,
};

/** A function's least-privilege statements: its declared actions, each on its scope's ARNs only. */
export function functionPolicy<A>(name: HandlerName, arns: ScopeArns<A>): PolicyStatement<A>[] {
  return policyStatements(HANDLER_AWS_ACTIONS[name], arns);
}
