import { actionAnnotationKey, type IngressState, SWITCHYARD_ANNOTATIONS } from "@switchyard/core";
import { SwitchAbortedError, SwitchSupersededError } from "./errors.ts";
import type { SwitchPlan } from "./switch-state.ts";

/**
 * Throws when the Ingress's action no longer holds what the switch read when it planned
 * (nor what it writes itself): another switch, or a person, has moved the traffic since.
 * Throws SwitchAbortedError first when an operator aborted this switch.
 */
export function assertNotSuperseded(plan: SwitchPlan, ingress: IngressState, action: string): void {
  assertNotAborted(plan.input.executionName, ingress);
  const current = ingress.annotations[actionAnnotationKey(action)] ?? null;
  if (current === plan.before.annotationValue || current === plan.target.annotationValue) {
    return;
  }
  throw new SwitchSupersededError(
    `the routing of Ingress ${ingress.namespace}/${ingress.name} changed after ${plan.input.executionName} planned (another switch or a person moved traffic); this ${plan.input.move} stands down`,
  );
}

/**
 * Throws when `switchyard abort` named this execution on the Ingress. Checked where a step
 * reads the Ingress anyway: Plan, each readiness check and ShiftTraffic (inside its
 * guarded patch, so an abort that lands first is never overwritten by the traffic move).
 */
export function assertNotAborted(executionName: string, ingress: IngressState): void {
  if (ingress.annotations[SWITCHYARD_ANNOTATIONS.abort] !== executionName) {
    return;
  }
  const why = ingress.annotations[SWITCHYARD_ANNOTATIONS.abortReason];
  throw new SwitchAbortedError(
    `an operator aborted ${executionName} (${SWITCHYARD_ANNOTATIONS.abort} on Ingress ${ingress.namespace}/${ingress.name})${why === undefined || why === "" ? "" : `: ${why}`}; it stops here and rolls back what it changed`,
  );
}
