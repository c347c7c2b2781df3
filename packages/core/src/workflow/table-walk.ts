import { WorkflowRuntimeError } from "../errors.ts";
import type { Catcher, Retrier } from "./asl.ts";
import {
  type ChoiceEntry,
  type Condition,
  type FailEntry,
  type InvokeEntry,
  type ModeSwitchState,
  type PublishEntry,
  STEP_RESULTS,
  type StatePath,
  type WaitEntry,
} from "./step-table.ts";
import { retryDelaySeconds } from "./verify-retry.ts";

/**
 * What the step table's entries mean, as pure functions over the workflow state: the
 * simulator's Step Functions stand-in walks the table with these, in simulated time. Each
 * follows the Amazon States Language (states-language.net/spec.html) and Step Functions'
 * JSONPath processing, for the part of them the table uses; aws-local-stepfunctions runs
 * the rendered ASL against the same step outcomes in test/workflow/ to hold them equal.
 */

/** The part of Step Functions' context object (`$$`) the table reads. */
export interface WalkContext {
  readonly Execution: { readonly Id: string; readonly Name: string };
}

/** An error as Step Functions hands it to a Catch and a Fail state. */
export interface StepError {
  readonly Error: string;
  readonly Cause: string;
}

/** A States.Runtime error of `state` (or `(path)`, for a path no state may use). */
function runtimeError(state: string, problem: string): WorkflowRuntimeError {
  return new WorkflowRuntimeError(
    `state ${state}: ${problem}; fix the step table or the step that wrote the state`,
    { state },
  );
}

const SEGMENT = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\])/;

/** The value at a path (`$`, `$.a.b[0]`, `$$.Execution.Id`), or undefined where there is none. */
function readPath(path: StatePath, state: unknown, context: WalkContext): unknown {
  let value: unknown = path.startsWith("$$") ? context : state;
  let rest = path.slice(path.startsWith("$$") ? 2 : 1);
  while (rest !== "") {
    const match = SEGMENT.exec(rest);
    if (match === null) {
      throw runtimeError("(path)", `the path ${path} is not one the step table may use`);
    }
    const key = match[1] ?? Number(match[2]);
    value =
      typeof value === "object" && value !== null && Object.hasOwn(value, key)
        ? (value as Record<string | number, unknown>)[key]
        : undefined;
    rest = rest.slice(match[0].length);
  }
  return value;
}

/** The state with `value` at a `$.key` path (ResultPath): a copy, the rest kept. */
function writePath(state: unknown, path: string, value: unknown): unknown {
  const key = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path)?.[1];
  if (key === undefined) {
    throw runtimeError("(path)", `the result path ${path} is not $.<key>`);
  }
  return { ...(typeof state === "object" && state !== null ? state : {}), [key]: value };
}

function holds(condition: Condition, state: unknown, context: WalkContext, at: string): boolean {
  if ("anyOf" in condition) {
    return condition.anyOf.some((c) => holds(c, state, context, at));
  }
  const value = readPath(condition.path, state, context);
  if ("present" in condition) {
    return value !== undefined;
  }
  // A comparison on a path that is not there fails the execution (States.Runtime).
  if (value === undefined) {
    throw runtimeError(at, `the Choice reads ${condition.path}, which the state does not have`);
  }
  return value === condition.equals;
}

/** The state a Choice goes to: the first rule that holds, or its Default. */
export function chosen(
  entry: ChoiceEntry,
  state: unknown,
  context: WalkContext,
  at: string,
): ModeSwitchState {
  return entry.choices.find((c) => holds(c.when, state, context, at))?.next ?? entry.otherwise;
}

/** How long a Wait waits, in seconds. */
export function waitSeconds(entry: WaitEntry, state: unknown, context: WalkContext, at: string): number {
  const seconds =
    typeof entry.seconds === "number" ? entry.seconds : readPath(entry.seconds.path, state, context);
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
    throw runtimeError(at, `the Wait's seconds are ${JSON.stringify(seconds)}, not a whole number ≥ 0`);
  }
  return seconds;
}

/** The event a step's Lambda gets (Parameters' `Payload`). */
export function invokePayload(entry: InvokeEntry, state: unknown, context: WalkContext): unknown {
  if (entry.payload === "state") {
    return state;
  }
  return Object.fromEntries(
    Object.entries(entry.payload).map(([field, path]) => [field, readPath(path, state, context)]),
  );
}

/**
 * The state after a step returned `payload`: the named fields (ResultSelector; one that is
 * not there fails the execution) under the step's key, or in place of the state.
 */
export function withResult(entry: InvokeEntry, state: unknown, payload: unknown, at: string): unknown {
  const fields = "key" in entry.result ? STEP_RESULTS[entry.result.key] : entry.result.replaceState;
  const selected = Object.fromEntries(
    fields.map((field) => {
      const value = readPath(`$.${field}`, payload, { Execution: { Id: "", Name: "" } });
      if (value === undefined) {
        throw runtimeError(at, `the ${entry.step} result has no field ${field}`);
      }
      return [field, value];
    }),
  );
  return "key" in entry.result ? writePath(state, `$.${entry.result.key}`, selected) : selected;
}

/** `States.ALL` matches every error but States.Runtime and States.DataLimitExceeded. */
function matches(errorEquals: readonly string[], name: string): boolean {
  const terminal = name === "States.Runtime" || name === "States.DataLimitExceeded";
  return !terminal && errorEquals.some((e) => e === name || e === "States.ALL");
}

/** What a task's error leads to. */
type ErrorOutcome =
  | { readonly kind: "retry"; readonly retrier: number; readonly delaySeconds: number }
  | { readonly kind: "caught"; readonly next: ModeSwitchState; readonly state: unknown }
  | { readonly kind: "uncaught" };

/**
 * Retry, then Catch, as ASL defines them: the first retrier whose ErrorEquals names the
 * error decides — it retries after IntervalSeconds × BackoffRate^attempts (capped at
 * MaxDelaySeconds) while it has attempts left, else the error falls through to the first
 * catcher that names it, which puts it at its ResultPath. `attempts` counts each retrier's
 * retries since the state was entered. Jitter is left out: the simulator waits the full
 * delay, the upper bound of a FULL jitter.
 */
export function afterError(
  entry: { readonly retry: readonly Retrier[]; readonly catch: readonly Catcher[] },
  error: StepError,
  attempts: readonly number[],
  state: unknown,
): ErrorOutcome {
  const retrier = entry.retry.findIndex((r) => matches(r.ErrorEquals, error.Error));
  const rule = entry.retry[retrier];
  const done = attempts[retrier] ?? 0;
  if (rule !== undefined && done < rule.MaxAttempts) {
    return { kind: "retry", retrier, delaySeconds: retryDelaySeconds(rule, done) };
  }
  const catcher = entry.catch.find((c) => matches(c.ErrorEquals, error.Error));
  return catcher === undefined
    ? { kind: "uncaught" }
    : {
        kind: "caught",
        next: catcher.Next as ModeSwitchState,
        state: writePath(state, catcher.ResultPath, error),
      };
}

function text(value: unknown, path: string, at: string): string {
  if (value === undefined) {
    throw runtimeError(at, `the state has no ${path}`);
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What a publish sends: subject, message (States.Format filled in) and attributes. */
export function announcement(
  entry: PublishEntry,
  state: unknown,
  context: WalkContext,
  at: string,
): {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
} {
  const read = (path: StatePath) => text(readPath(path, state, context), path, at);
  const subject = "path" in entry.subject ? read(entry.subject.path) : entry.subject.text;
  let message: string;
  if ("path" in entry.message) {
    message = read(entry.message.path);
  } else {
    const args = entry.message.args.map((arg) =>
      typeof arg === "string" ? read(arg) : JSON.stringify(readPath(arg.json, state, context) ?? null),
    );
    message = entry.message.lines.join("\n").replaceAll("{}", () => args.shift() ?? "");
  }
  const attributes = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, value]) => [
      name,
      "text" in value ? value.text : read(value.path),
    ]),
  );
  return { subject, message, attributes };
}

/** The error and cause a Fail state ends the execution with. */
export function failure(entry: FailEntry, state: unknown, context: WalkContext, at: string): StepError {
  const read = (path: StatePath) => text(readPath(path, state, context), path, at);
  return {
    Error: "text" in entry.error ? entry.error.text : read(entry.error.path),
    Cause: read(entry.cause.path),
  };
}
