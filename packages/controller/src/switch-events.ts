import type { InferenceService } from "@switchyard/core";
import { eventNote, SWITCH_EVENT_REASONS as R, type SwitchEvent } from "@switchyard/core/manifests";
import type { Clock, ClusterGateway, RoutingCheck } from "@switchyard/core/ports";
import { beforeLine, causeMessage, executionConsoleUrl, restoredParts, routingLine } from "./alerts.ts";
import type { ControllerLogger } from "./logger.ts";
import type { CaughtError, RollbackResult, SwitchInput, SwitchState } from "./switch-state.ts";

/** What a step needs to record an Event: the cluster, the clock for its time, a logger for a failed write. */
interface SwitchEventDeps {
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
  readonly config: { readonly cluster: { readonly region: string } };
}

/**
 * Records one Event on the Ingress, best effort: an Event that cannot be written (the
 * Role lacks `create events`, the API server is slow) is logged and the step goes on.
 * A switch that moved traffic must never roll back because its story could not be told.
 */
export async function recordSwitchEvent(
  deps: SwitchEventDeps,
  service: InferenceService,
  event: SwitchEvent,
): Promise<void> {
  try {
    await deps.cluster.recordEvent(service, event);
  } catch (error) {
    deps.logger?.warn("event not recorded", {
      service: service.name,
      reason: event.reason,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}

/** `Failover`, `Fallback`, …: the Event's action. */
function actionOf(input: SwitchInput): string {
  return `${input.move.charAt(0).toUpperCase()}${input.move.slice(1)}`;
}

function moveText(input: SwitchInput): string {
  return input.from === input.to
    ? `${actionOf(input)} in ${input.to} mode`
    : `${actionOf(input)} from ${input.from} to ${input.to} mode`;
}

function base(state: SwitchState, at: number): Pick<SwitchEvent, "action" | "at" | "switchDecidedAt"> {
  return { action: actionOf(state.plan.input), at, switchDecidedAt: Date.parse(state.plan.input.decidedAt) };
}

function withNote(
  fields: Omit<SwitchEvent, "note">,
  text: string,
  state: SwitchState,
  region: string,
): SwitchEvent {
  return { ...fields, note: eventNote(text, executionConsoleUrl(state.plan.executionArn, region)) };
}

/** ScaleReceivers: the switch has begun changing the cluster. */
export function startedEvent(state: SwitchState, at: number, region: string): SwitchEvent {
  const { input, receivers } = state.plan;
  const fields = base(state, at);
  const receiving =
    receivers.length === 0
      ? "no unit needs more pods"
      : `scaling the receivers first: ${receivers.join(", ")}`;
  return withNote(
    { ...fields, reason: R.started, type: "Normal" },
    `${moveText(input)} started (${input.executionName}), ${receiving}. Why: ${input.reasons.join("; ")}`,
    state,
    region,
  );
}

/** ShiftTraffic: the Ingress holds the new forward action (the Load Balancer Controller applies it next). */
export function trafficMovedEvent(
  state: SwitchState,
  at: number,
  region: string,
  action: string,
): SwitchEvent {
  const { input, target } = state.plan;
  const fields = base(state, at);
  return withNote(
    { ...fields, reason: R.trafficMoved, type: "Normal" },
    `Traffic weights of action ${action} updated from ${beforeLine(state)} to ${routingLine(state)}; mode ${target.mode} (${input.executionName})`,
    state,
    region,
  );
}

/** VerifyAlb: the ALB's listener rule holds the planned weights. */
export function succeededEvent(
  state: SwitchState,
  check: RoutingCheck,
  at: number,
  region: string,
): SwitchEvent {
  const { input } = state.plan;
  const fields = base(state, at);
  return withNote(
    { ...fields, reason: R.succeeded, type: "Normal" },
    `${moveText(input)} completed (${input.executionName}): the ALB listener rule holds the new weights${check.ruleArn === null ? "" : ` (${check.ruleArn})`}`,
    state,
    region,
  );
}

/** Rollback: how the switch ended — rolled back, aborted, superseded, or with a rollback that could not restore everything. */
export function rollbackEvent(
  state: SwitchState,
  error: CaughtError,
  result: Omit<RollbackResult, "alert">,
  at: number,
  region: string,
): SwitchEvent {
  const { input } = state.plan;
  const fields = base(state, at);
  const restored = restoredParts(result);
  const restoredText = `restored ${restored.length > 0 ? restored.join(" and ") : "nothing (nothing had changed)"}`;
  const cause = `${error.Error}: ${causeMessage(error.Cause)}`;
  if (result.outcome === "rollback-incomplete") {
    return withNote(
      { ...fields, reason: R.failed, type: "Warning" },
      `${moveText(input)} failed (${input.executionName}) and its rollback is INCOMPLETE, check the service. Not restored: ${result.notRestored.map((n) => `${n.what} (${n.error})`).join("; ")}. Error: ${cause}`,
      state,
      region,
    );
  }
  if (result.outcome === "superseded") {
    return withNote(
      { ...fields, reason: R.superseded, type: "Normal" },
      `${moveText(input)} stood down (${input.executionName}), ${restoredText}: ${causeMessage(error.Cause)}`,
      state,
      region,
    );
  }
  if (error.Error === "SwitchAbortedError") {
    return withNote(
      { ...fields, reason: R.aborted, type: "Warning" },
      `${moveText(input)} aborted by an operator (${input.executionName}) and rolled back, ${restoredText}; ${input.from} mode stays. ${causeMessage(error.Cause)}`,
      state,
      region,
    );
  }
  return withNote(
    { ...fields, reason: R.rolledBack, type: "Warning" },
    `${moveText(input)} failed (${input.executionName}) and was rolled back, ${restoredText}; ${input.from} mode stays. Error: ${cause}`,
    state,
    region,
  );
}

/** Plan: the switch could not be planned, so nothing changed. */
export function planFailedEvent(
  input: SwitchInput,
  executionArn: string | null,
  error: unknown,
  at: number,
  region: string,
): SwitchEvent {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    reason: R.failed,
    type: "Warning",
    action: actionOf(input),
    at,
    switchDecidedAt: Date.parse(input.decidedAt),
    note: eventNote(
      `${moveText(input)} could not be planned (${input.executionName}), nothing changed. Error: ${text}`,
      executionConsoleUrl(executionArn, region),
    ),
  };
}
