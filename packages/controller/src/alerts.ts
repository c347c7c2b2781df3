import { type Evidence, isBreach } from "@switchyard/core";
import { stepFunctionsExecutionUrl } from "@switchyard/core/deploy";
import { parseForwardAction } from "@switchyard/core/manifests";
import type { ReplicaHold, RoutingCheck, ScalingChange } from "@switchyard/core/ports";
import { holdsNotAppliedText } from "./check-receivers.ts";
import type { Alert, CaughtError, NotRestored, RollbackOutcome, SwitchState } from "./switch-state.ts";

const SUBJECT_LIMIT = 99;

/** The error name of a switch an operator aborted (errors.ts SwitchAbortedError). */
const ABORTED = "SwitchAbortedError";

/** The execution's page in the Step Functions console. */
export function executionConsoleUrl(executionArn: string | null, region: string): string | null {
  return executionArn === null ? null : stepFunctionsExecutionUrl(region, executionArn);
}

/** SNS subjects are ASCII, one line, under 100 characters. */
function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, "-");
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}

/** The routing read before the switch, as the action annotation held it. */
export function beforeLine(state: SwitchState): string {
  const value = state.plan.before.annotationValue;
  if (value === null) {
    return "no action annotation";
  }
  try {
    const action = parseForwardAction(value, "before");
    const groups = action.forwardConfig.targetGroups.map(
      (g) => `${g.serviceName ?? g.targetGroupName ?? "?"} ${g.weight ?? 1}`,
    );
    return groups.join(", ");
  } catch {
    return "unreadable";
  }
}

/** The routing the switch writes. */
export function routingLine(state: SwitchState): string {
  const { target } = state.plan;
  const groups = target.routing.targetGroups.map((g) => `${g.serviceName} ${g.weight}`).join(", ");
  return target.weighting === "consolidated" ? `${groups} (round-robin per pod)` : groups;
}

function kedaLines(state: SwitchState, changes: readonly ScalingChange[] | undefined): string[] {
  const steps = state.plan.scaling;
  if (steps.length === 0) {
    return ["  (no target changed)"];
  }
  return steps.map((step) => {
    const applied = changes?.find((c) => c.unit === step.unit);
    const mark = changes === undefined || applied?.changed !== false ? "" : " (already set)";
    return `  ${step.unit.padEnd(20)} ${step.from ?? "(none)"} -> ${step.to}${mark}`;
  });
}

/**
 * The receivers held while traffic moved, as ScaleReceivers left them (the plan's holds
 * before it ran), and those not held because someone else paused their ScaledObject.
 */
function holdLines(state: SwitchState): string[] {
  const holds = state.scaling?.holds;
  const held =
    holds === undefined
      ? state.plan.holds.map((h) => `${h.unit} ${h.replicas}`)
      : holds
          .filter((h) => h.outcome === "held" || h.outcome === "unchanged")
          .map((h) => `${h.unit} ${h.replicas ?? 0}`);
  const notHeld = (holds ?? []).filter((h) => h.outcome === "paused-by-someone-else");
  return [
    ...(held.length === 0
      ? []
      : [`Receivers held while traffic moved (paused-replicas): ${held.join(", ")}`]),
    ...notHeld.map(
      (h) =>
        `Receiver ${h.unit} not held: ScaledObject ${h.scaledObject} is paused by someone else (${(h.pausedBy ?? []).join(", ")}); Switchyard leaves an operator's pause alone, so it scales as that pause allows`,
    ),
  ];
}

function header(state: SwitchState): string[] {
  const { input, target } = state.plan;
  return [
    `Why: ${input.reasons.join("; ")}`,
    "",
    `Routing (${input.service}):`,
    `  before: ${beforeLine(state)}`,
    `  after:  ${routingLine(state)}`,
    "",
    "KEDA targets (targetMetricValue):",
    ...kedaLines(state, state.scaling?.changes),
    ...holdLines(state),
    "",
    `Plan: $${target.hourlyCost.toFixed(2)}/h, capacity ${Math.round(target.capacityRps)} RPS for ${Math.round(target.requiredRps)} needed (demand ${Math.round(input.demandRps)} RPS)${target.feasible ? "" : `, SHORT by ${Math.round(target.shortfallRps)} RPS`}`,
    ...target.notes.map((note) => `  note: ${note}`),
    "",
    "Evidence:",
    ...input.evidence.map(
      (e) =>
        `  - [${evidenceMark(e)}] ${e.rule}${e.unit === undefined ? "" : ` ${e.unit}`}: observed ${e.observed ?? "n/a"}, threshold ${e.threshold ?? "n/a"}`,
    ),
  ];
}

/** A rule that looks for trouble found it (`breached`) or not (`clear`); a gate `passed` or `not passed`. */
function evidenceMark(e: Evidence): string {
  if (isBreach(e)) {
    return e.breached ? "breached" : "clear";
  }
  return e.passed ? "passed" : "not passed";
}

function footer(state: SwitchState, region: string): string[] {
  const url = executionConsoleUrl(state.plan.executionArn, region);
  return ["", `Execution: ${state.plan.input.executionName}`, ...(url === null ? [] : [url])];
}

/** The alert of a switch that completed and was verified on the ALB. */
export function switchAlert(
  state: SwitchState,
  check: RoutingCheck,
  region: string,
  unhealthyTargets: readonly string[] = [],
): Alert {
  const { input } = state.plan;
  return {
    subject: subject(`Switchyard ${input.service}: ${input.move} ${input.from} -> ${input.to}`),
    message: [
      `${input.service} switched from ${input.from} to ${input.to} mode (${input.move}); the ALB rule holds the new weights.`,
      "",
      ...(state.receivers === undefined || state.receivers.holdsNotApplied.length === 0
        ? []
        : [`WARNING: ${holdsNotAppliedText(state.receivers.holdsNotApplied)}.`, ""]),
      ...(unhealthyTargets.length === 0
        ? []
        : [
            `WARNING: traffic moved before its targets were healthy (receivers: ${state.receivers?.verdict ?? "not checked"}); the ALB answers 503 for a target group with no healthy target: ${unhealthyTargets.join("; ")}.`,
            "",
          ]),
      ...header(state),
      ...(check.ruleArn === null ? [] : ["", `Listener rule: ${check.ruleArn}`]),
      ...footer(state, region),
    ].join("\n"),
  };
}

/** What a rollback put back, in words: the Ingress annotations, n KEDA target(s), n replica hold(s). */
export function restoredParts(outcome: {
  readonly routingRestored: boolean;
  readonly scalingRestored: readonly ScalingChange[];
  readonly released: readonly ReplicaHold[];
}): string[] {
  const released = outcome.released.filter((h) => h.outcome === "released").length;
  return [
    outcome.routingRestored ? "the Ingress annotations" : null,
    outcome.scalingRestored.length > 0 ? `${outcome.scalingRestored.length} KEDA target(s)` : null,
    released > 0 ? `${released} replica hold(s)` : null,
  ].filter((x) => x !== null);
}

/** The alert of a switch that failed and was rolled back, or that stood down (superseded). */
export function rollbackAlert(
  state: SwitchState,
  error: CaughtError,
  outcome: {
    outcome: RollbackOutcome;
    routingRestored: boolean;
    scalingRestored: readonly ScalingChange[];
    released: readonly ReplicaHold[];
    leftAlone: readonly string[];
    notRestored: readonly NotRestored[];
  },
  region: string,
): Alert {
  const { input } = state.plan;
  const restored = restoredParts(outcome);
  const restoredLine = `Restored: ${restored.length > 0 ? restored.join(" and ") : "nothing had changed"}.`;
  const leftAlone = outcome.leftAlone.map((what) => `Left as found (changed by someone else since): ${what}`);
  if (outcome.outcome === "superseded") {
    // Not a failure: a newer switch (or a person) owns the routing now. Short, no evidence.
    return {
      subject: subject(`Switchyard ${input.service}: ${input.move} superseded, stood down`),
      message: [
        `${input.service}: the ${input.move} from ${input.from} to ${input.to} mode stood down before moving traffic: ${causeMessage(error.Cause)}`,
        `${restoredLine} Nothing to do.`,
        ...leftAlone,
        ...footer(state, region),
      ].join("\n"),
    };
  }
  const incomplete = outcome.outcome === "rollback-incomplete";
  // An operator's `switchyard abort` ends the same way as a failure, but nothing failed.
  const aborted = error.Error === ABORTED;
  return {
    subject: subject(
      incomplete
        ? `Switchyard ${input.service}: ${input.move} FAILED, rollback INCOMPLETE - check the service`
        : aborted
          ? `Switchyard ${input.service}: ${input.move} ABORTED by an operator, rolled back (${input.from} stays)`
          : `Switchyard ${input.service}: ${input.move} FAILED, rolled back (${input.from} stays)`,
    ),
    message: [
      incomplete
        ? `${input.service}: the ${input.move} from ${input.from} to ${input.to} mode ${aborted ? "was aborted by an operator" : "failed"}, and its rollback could not restore everything (below: NOT restored).`
        : aborted
          ? `${input.service}: the ${input.move} from ${input.from} to ${input.to} mode was aborted by an operator and rolled back.`
          : `${input.service}: the ${input.move} from ${input.from} to ${input.to} mode failed and was rolled back.`,
      `Error: ${error.Error}: ${causeMessage(error.Cause)}`,
      restoredLine,
      ...outcome.notRestored.map((n) => `NOT restored: ${n.what} - ${n.error}`),
      ...leftAlone,
      "",
      ...header(state),
      ...footer(state, region),
    ].join("\n"),
  };
}

/** Step Functions passes a Lambda error's Cause as the JSON of {errorMessage, errorType, ...}. */
export function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === "string" ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
