/**
 * The part of the Amazon States Language (JSONPath) the mode-switch workflow uses, typed
 * so a misspelt field is a compile error rather than a failed deploy. The document is
 * plain JSON: infra deploys `JSON.stringify` of it and the tests execute the same value.
 */

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type PayloadTemplate = { readonly [key: string]: JsonValue };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: string;
}

interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

export interface TaskState extends Transition {
  readonly Type: "Task";
  /** Every task says what it does: the console shows it next to the state. */
  readonly Comment: string;
  readonly Resource: string;
  readonly Parameters: PayloadTemplate;
  readonly ResultSelector?: PayloadTemplate;
  /**
   * Where the result goes in the state; null discards it (the state passes through).
   * Left out, the result replaces the state (the default, `$`).
   */
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** A Wait for a fixed time (`Seconds`) or for the number of seconds at a JSONPath (`SecondsPath`). */
type WaitState = Transition & {
  readonly Type: "Wait";
  readonly Comment?: string;
} & ({ readonly Seconds: number } | { readonly SecondsPath: string });

export interface ChoiceRule {
  readonly Variable?: string;
  readonly BooleanEquals?: boolean;
  readonly StringEquals?: string;
  readonly IsPresent?: boolean;
  readonly Or?: readonly ChoiceRule[];
  readonly Next?: string;
}

interface ChoiceState {
  readonly Type: "Choice";
  readonly Comment?: string;
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
}

interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

interface SucceedState {
  readonly Type: "Succeed";
  readonly Comment?: string;
}

export type AslState = TaskState | WaitState | ChoiceState | FailState | SucceedState;

export interface AslDocument {
  readonly Comment: string;
  readonly QueryLanguage: "JSONPath";
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/**
 * A literal for the template of `States.Format`: the characters the intrinsic-function
 * grammar reserves (`'`, `{`, `}`, `\`) are escaped, so `{}` stays the only placeholder.
 */
export function formatTemplate(text: string): string {
  return `'${text.replace(/[\\'{}]/g, (c) => `\\${c}`).replaceAll("\\{\\}", "{}")}'`;
}
