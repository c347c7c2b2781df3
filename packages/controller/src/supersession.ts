import {
  type EpochMs,
  type IngressState,
  parsePin,
  pinHolds,
  type ScaledObjectState,
} from "@switchyard/core";
import { actionAnnotationKey, parseHoldMark, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { SwitchAbortedError, SwitchSupersededError } from "./errors.ts";
import type { SwitchPlan } from "./switch-state.ts";

/**
 * Throws when the switch must stand down before it moves traffic: an operator aborted it
 * (SwitchAbortedError, checked first); the Ingress's action no longer holds what the
 * switch read when it planned (nor what it writes itself) — another switch, or a person,
 * has moved the traffic since — or an operator has pinned the service to the other mode
 * since (a pin that cannot be read holds the mode the switch started from). A pin for
 * the switch's own target lets it finish.
 */
export function assertNotSuperseded(
  plan: SwitchPlan,
  ingress: IngressState,
  action: string,
  now: EpochMs,
): void {
  assertNotAborted(plan.input.executionName, ingress);
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

/**
 * Throws when another switch has taken over one of this switch's replica holds: a later
 * move (a reroute correcting a stale one, a failover) holds the same receivers now, so this
 * one has been superseded even though it has not seen the routing change yet — it is still
 * waiting for its receivers, and the correction that superseded it waits for the same pods.
 * Left to run, the stale move would move traffic first and make its correction stand down.
 */
export function assertHoldsNotTakenOver(
  plan: SwitchPlan,
  held: readonly string[],
  scaledObjects: Readonly<Record<string, ScaledObjectState>>,
): void {
  for (const unit of held) {
    const mark = parseHoldMark(
      scaledObjects[unit]?.object.metadata?.annotations?.[SWITCHYARD_ANNOTATIONS.heldReplicas],
    );
    if (mark !== null && mark.owner !== plan.input.executionName) {
      throw new SwitchSupersededError(
        `${mark.owner} took over the replica hold of ${unit} after ${plan.input.executionName} planned (a newer move holds its receivers); this ${plan.input.move} stands down`,
      );
    }
  }
}
