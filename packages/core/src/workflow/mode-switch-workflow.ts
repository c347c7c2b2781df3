import { partitionOf } from "../deploy/partition.ts";
import {
  type AslDocument,
  type AslState,
  type ChoiceRule,
  formatTemplate,
  type PayloadTemplate,
  type TaskState,
} from "./asl.ts";
import { modeSwitchTable } from "./mode-switch-table.ts";
import {
  type Condition,
  type FormatArgument,
  type InvokeEntry,
  type ModeSwitchStep,
  type PublishEntry,
  STEP_RESULTS,
  type StepTable,
  type StepTableEntry,
} from "./step-table.ts";
import type { ModeSwitchTiming } from "./workflow-timing.ts";

interface ModeSwitchWorkflowInput {
  /** The ARN of each step's Lambda function. */
  readonly functions: Readonly<Record<ModeSwitchStep, string>>;
  /** The SNS topic every switch, failed or not, is announced on. */
  readonly topicArn: string;
  /** The region the state machine runs in: the console link of a failure alert points there. */
  readonly region: string;
  readonly timing: ModeSwitchTiming;
}

/** Where the rendered tasks point: the ARNs and the partition of their service integrations. */
interface Targets {
  readonly functions: Readonly<Record<ModeSwitchStep, string>>;
  readonly topicArn: string;
  readonly partition: string;
}

/** A ResultSelector copying the named fields of the invoke result's `Payload`. */
function selectPayload(fields: readonly string[]): PayloadTemplate {
  return Object.fromEntries(fields.map((field) => [`${field}.$`, `$.Payload.${field}`]));
}

function invokeTask(entry: InvokeEntry, targets: Targets): TaskState {
  const payload: PayloadTemplate =
    entry.payload === "state"
      ? { "Payload.$": "$" }
      : {
          Payload: Object.fromEntries(
            Object.entries(entry.payload).map(([field, path]) => [`${field}.$`, path]),
          ),
        };
  const result =
    "key" in entry.result
      ? { ResultSelector: selectPayload(STEP_RESULTS[entry.result.key]), ResultPath: `$.${entry.result.key}` }
      : // No ResultPath: the result replaces the state. (Spelling out the default, "$", trips
        // aws-local-stepfunctions 3.0.0, which stores the result under a key named "$" instead.)
        { ResultSelector: selectPayload(entry.result.replaceState) };
  return {
    Type: "Task",
    Comment: entry.comment,
    Resource: `arn:${targets.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: targets.functions[entry.step], ...payload },
    ...result,
    Retry: entry.retry,
    Catch: entry.catch,
    Next: entry.next,
  };
}

function formatArgument(argument: FormatArgument): string {
  return typeof argument === "string" ? argument : `States.JsonToString(${argument.json})`;
}

function publishTask(entry: PublishEntry, targets: Targets): TaskState {
  const subject: PayloadTemplate =
    "path" in entry.subject ? { "Subject.$": entry.subject.path } : { Subject: entry.subject.text };
  const message =
    "path" in entry.message
      ? entry.message.path
      : `States.Format(${[formatTemplate(entry.message.lines.join("\n")), ...entry.message.args.map(formatArgument)].join(", ")})`;
  const attributes: PayloadTemplate = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, value]): [string, PayloadTemplate] => [
      name,
      "text" in value
        ? { DataType: "String", StringValue: value.text }
        : { DataType: "String", "StringValue.$": value.path },
    ]),
  );
  return {
    Type: "Task",
    Comment: entry.comment,
    Resource: `arn:${targets.partition}:states:::sns:publish`,
    Parameters: {
      TopicArn: targets.topicArn,
      ...subject,
      "Message.$": message,
      MessageAttributes: attributes,
    },
    ResultPath: null,
    Retry: entry.retry,
    ...(entry.catch.length === 0 ? {} : { Catch: entry.catch }),
    Next: entry.next,
  };
}

function choiceRule(condition: Condition): ChoiceRule {
  if ("anyOf" in condition) {
    return { Or: condition.anyOf.map(choiceRule) };
  }
  if ("present" in condition) {
    return { Variable: condition.path, IsPresent: true };
  }
  return typeof condition.equals === "boolean"
    ? { Variable: condition.path, BooleanEquals: condition.equals }
    : { Variable: condition.path, StringEquals: condition.equals };
}

function aslState(entry: StepTableEntry, targets: Targets): AslState {
  switch (entry.type) {
    case "invoke":
      return invokeTask(entry, targets);
    case "publish":
      return publishTask(entry, targets);
    case "wait":
      return {
        Type: "Wait",
        Comment: entry.comment,
        ...(typeof entry.seconds === "number"
          ? { Seconds: entry.seconds }
          : { SecondsPath: entry.seconds.path }),
        Next: entry.next,
      };
    case "choice":
      return {
        Type: "Choice",
        Comment: entry.comment,
        Choices: entry.choices.map((choice) => ({ ...choiceRule(choice.when), Next: choice.next })),
        Default: entry.otherwise,
      };
    case "fail":
      return {
        Type: "Fail",
        ...(entry.comment === undefined ? {} : { Comment: entry.comment }),
        ...("text" in entry.error ? { Error: entry.error.text } : { ErrorPath: entry.error.path }),
        CausePath: entry.cause.path,
      };
    case "succeed":
      return { Type: "Succeed", Comment: entry.comment };
  }
}

/** The step table as a JSONPath ASL document, its tasks pointing at these functions and topic. */
function renderAsl(table: StepTable, targets: Omit<ModeSwitchWorkflowInput, "timing">): AslDocument {
  const resolved: Targets = {
    functions: targets.functions,
    topicArn: targets.topicArn,
    partition: partitionOf(targets.region),
  };
  return {
    Comment: table.comment,
    QueryLanguage: "JSONPath",
    StartAt: table.startAt,
    States: Object.fromEntries(
      Object.entries(table.states).map(([name, entry]) => [name, aslState(entry, resolved)]),
    ),
  };
}

/**
 * The mode-switch workflow (DESIGN.md "Control flow") as the ASL document the deploy
 * creates: the step table of `modeSwitchTable`, rendered.
 */
export function modeSwitchWorkflow(input: ModeSwitchWorkflowInput): AslDocument {
  return renderAsl(modeSwitchTable({ region: input.region, timing: input.timing }), input);
}
