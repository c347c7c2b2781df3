import {
  actionAnnotationKey,
  type EpochMs,
  type IngressState,
  parsePin,
  pinHolds,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core";
import { SwitchSupersededError } from "./errors.ts";
import type { SwitchPlan } from "./switch-state.ts";

/**
 * Throws when the switch must stand down before it moves traffic: the Ingress's action no
 * longer holds what the switch read when it planned (nor what it writes itself) — another
 * switch, or a person, has moved the traffic since — or an operator has pinned the
 * service to the other mode since (a pin that cannot be read holds the mode the switch
 * started from). A pin for the switch's own target lets it finish.
 */
export function assertNotSuperseded(
  plan: SwitchPlan,
  ingress: IngressState,
  action: string,
  now: EpochMs,
): void {
  const where = `Ingress ${ingress.namespace}/${ingress.name}`;
  const current = ingress.annotations[actionAnnotationKey(action)] ?? null;
  if (current !== plan.before.annotationValue && current !== plan.target.annotationValue) {
    throw new SwitchSupersededError(
      `the routing of ${where} changed after ${plan.input.executionName} planned (another switch or a person moved traffic); this ${plan.input.move} stands down`,
    );
  }
  const raw = ingress.annotations[SWITCHYARD_ANNOTATIONS.pin];
  const pin = raw === undefined ? null : parsePin(raw, plan.input.from);
  if (pinHolds(pin, now) && pin.mode !== plan.input.to) {
    throw new SwitchSupersededError(
      `${where} is pinned to ${pin.mode} mode (${SWITCHYARD_ANNOTATIONS.pin}=${JSON.stringify(raw)}) since ${plan.input.executionName} planned its ${plan.input.move} to ${plan.input.to}; the ${plan.input.move} stands down before it moves traffic, and the pin holds`,
    );
  }
}
