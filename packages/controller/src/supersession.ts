import { actionAnnotationKey, type IngressState } from "@switchyard/core";
import { SwitchSupersededError } from "./errors.ts";
import type { SwitchPlan } from "./switch-state.ts";

/**
 * Throws when the Ingress's action no longer holds what the switch read when it planned
 * (nor what it writes itself): another switch, or a person, has moved the traffic since.
 */
export function assertNotSuperseded(plan: SwitchPlan, ingress: IngressState, action: string): void {
  const current = ingress.annotations[actionAnnotationKey(action)] ?? null;
  if (current === plan.before.annotationValue || current === plan.target.annotationValue) {
    return;
  }
  throw new SwitchSupersededError(
    `the routing of Ingress ${ingress.namespace}/${ingress.name} changed after ${plan.input.executionName} planned (another switch or a person moved traffic); this ${plan.input.move} stands down`,
  );
}
