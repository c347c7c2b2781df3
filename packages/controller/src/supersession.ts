import {
  actionAnnotationKey,
  type IngressState,
  parseHoldMark,
  type ScaledObjectState,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core";
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
