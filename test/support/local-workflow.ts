import {
  MODE_SWITCH_STEPS,
  type ModeSwitchStep,
  modeSwitchTiming,
  modeSwitchWorkflow,
} from "@switchyard/core/workflow";
import { StateMachine } from "aws-local-stepfunctions";
import { handler as applyRouting } from "../../functions/apply-routing.ts";
import { handler as applyScaling } from "../../functions/apply-scaling.ts";
import { handler as checkReceivers } from "../../functions/check-receivers.ts";
import { handler as planSwitch } from "../../functions/plan-switch.ts";
import { handler as releaseHolds } from "../../functions/release-holds.ts";
import { handler as rollback } from "../../functions/rollback.ts";
import { handler as verifyRouting } from "../../functions/verify-routing.ts";
import type { AslDocument } from "../../packages/core/src/workflow/asl.ts";
import { RECEIVER_POLL_SECONDS } from "../../packages/core/src/workflow/workflow-timing.ts";
import type { HandlerWorld } from "./handler-world.ts";
import type { RecordedRequest } from "./kube-api-double.ts";
import { STATE_MACHINE_ARN } from "./lambda-env.ts";
import { sd21Config } from "./sd21.ts";

/**
 * Runs the mode-switch ASL document from core in aws-local-stepfunctions with the real
 * handlers of functions/ behind its task overrides, against a HandlerWorld (AWS clients
 * mocked, the Kubernetes API double, the Load Balancer Controller stand-in).
 *
 * The overrides emulate the two service integrations the document uses, so the
 * document's own Parameters, ResultSelector and ResultPath do the work:
 * - `lambda:invoke` gets `{ FunctionName, Payload }`, runs the handler the ARN names with
 *   the JSON of Payload, and answers `{ Payload, StatusCode, ExecutedVersion }`; a thrown
 *   error surfaces as Step Functions names it: Error = the error's name, Cause = the
 *   runtime's JSON `{ errorType, errorMessage, trace }`;
 * - `sns:publish` checks the topic, subject and message as SNS would and records them.
 */

/** One entry of the execution's event log (the library does not export the type). */
export type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

export const REGION = "us-west-2";
export const ACCOUNT = "123456789012";
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:switchyard-test-Alerts`;
export const FUNCTION_ARNS: Readonly<Record<ModeSwitchStep, string>> = Object.fromEntries(
  MODE_SWITCH_STEPS.map((step) => [
    step,
    `arn:aws:lambda:${REGION}:${ACCOUNT}:function:switchyard-test-${step}`,
  ]),
) as Record<ModeSwitchStep, string>;

const HANDLERS: Readonly<Record<ModeSwitchStep, (event: never) => Promise<unknown>>> = {
  "plan-switch": planSwitch,
  "apply-scaling": applyScaling,
  "check-receivers": checkReceivers,
  "apply-routing": applyRouting,
  "verify-routing": verifyRouting,
  "release-holds": releaseHolds,
  rollback,
};

/** The document as infra deploys it for examples/sd21, with this harness's ARNs. */
export function testWorkflow(): AslDocument {
  return modeSwitchWorkflow({
    functions: FUNCTION_ARNS,
    topicArn: TOPIC_ARN,
    region: REGION,
    timing: modeSwitchTiming(sd21Config()),
  });
}

export interface SnsPublish {
  readonly TopicArn: string;
  readonly Subject: string;
  readonly Message: string;
  readonly MessageAttributes: Readonly<Record<string, { DataType: string; StringValue: string }>>;
}

export interface StepInvocation {
  readonly state: string;
  readonly step: ModeSwitchStep;
  /** The JSON the handler returned, or undefined when it threw. */
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  /** IAM actions of the AWS calls the handler sent, e.g. `elasticloadbalancing:DescribeRules`. */
  readonly awsActions: readonly string[];
  readonly kubernetes: readonly RecordedRequest[];
}

export interface WorkflowRun {
  readonly executionArn: string;
  /** The execution's output when it succeeded. */
  readonly output: Record<string, unknown> | undefined;
  /** The execution's error (name and cause) when it failed. */
  readonly failure: { readonly error: string; readonly cause: string } | undefined;
  readonly published: readonly SnsPublish[];
  readonly invocations: readonly StepInvocation[];
  readonly events: readonly EventLog[];
}

export interface RunOptions {
  /** Called before each step's handler runs: the cluster or ALB can change in between. */
  readonly beforeStep?: (step: ModeSwitchStep, invocation: number) => void | Promise<void>;
  /** Moves the (faked) clock on by the WaitForReceivers pause before each readiness check. */
  readonly advanceClock?: (ms: number) => void;
  /**
   * SNS refuses the publish of this state (each attempt, retries included) with the
   * error named so, as the optimized integration surfaces it (`SNS.` + the exception).
   */
  readonly failPublish?: { readonly state: string; readonly error: string };
  /**
   * The step's function runs out of time on these invocations (1-based) after its handler
   * has done its work, as a Lambda cut off before it could answer: Step Functions reports
   * `Sandbox.Timedout` ("Task timed out after … seconds"), or `Lambda.Unknown` for an
   * unhandled error such as a timeout or running out of memory.
   */
  /** An operator stops the execution (StopExecution, the console's Stop) as this step is about to run. */
  readonly abortBefore?: ModeSwitchStep;
  readonly timeOut?: {
    readonly step: ModeSwitchStep;
    readonly invocations: readonly number[];
    readonly error: "Sandbox.Timedout" | "Lambda.Unknown";
  };
}

const IAM_PREFIX: Readonly<Record<string, string>> = {
  cloudwatch: "cloudwatch",
  sfn: "states",
  eks: "eks",
  elb: "elasticloadbalancing",
  ec2: "ec2",
};

function sentActions(world: HandlerWorld): string[] {
  const stubs: Record<string, { calls(): readonly { readonly args: readonly unknown[] }[] }> = {
    cloudwatch: world.cloudwatch,
    sfn: world.sfn,
    eks: world.eks,
    elb: world.elb,
    ec2: world.ec2,
  };
  return Object.entries(stubs).flatMap(([client, stub]) =>
    stub.calls().map((call) => {
      const command = (call.args[0] as { constructor: { name: string } }).constructor.name;
      return `${IAM_PREFIX[client]}:${command.replace(/Command$/, "")}`;
    }),
  );
}

/** The error Step Functions' lambda:invoke integration raises for a function error. */
export function lambdaFunctionError(error: unknown): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const surfaced = new Error(
    JSON.stringify({ errorType: cause.name, errorMessage: cause.message, trace: [] }),
  );
  surfaced.name = cause.name;
  return surfaced;
}

function snsError(message: string): Error {
  const error = new Error(message);
  error.name = "SNS.InvalidParameterException";
  return error;
}

/** What SNS refuses: a subject that is empty, over 99 characters, multi-line or not ASCII; an empty or oversized message. */
function checkPublish(input: SnsPublish): void {
  if (input.TopicArn !== TOPIC_ARN) {
    throw Object.assign(new Error(`Topic does not exist: ${input.TopicArn}`), {
      name: "SNS.NotFoundException",
    });
  }
  if (!/^[\x20-\x7e]{1,99}$/.test(input.Subject ?? "")) {
    throw snsError(`Invalid parameter: Subject ${JSON.stringify(input.Subject)}`);
  }
  if (
    typeof input.Message !== "string" ||
    input.Message === "" ||
    Buffer.byteLength(input.Message) > 262_144
  ) {
    throw snsError("Invalid parameter: Message");
  }
}

export async function runModeSwitch(
  world: HandlerWorld,
  input: unknown,
  executionName: string,
  options: RunOptions = {},
  definition: AslDocument = testWorkflow(),
): Promise<WorkflowRun> {
  const executionArn = `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${executionName}`;
  const stepOfArn = new Map(
    Object.entries(FUNCTION_ARNS).map(([step, arn]) => [arn, step as ModeSwitchStep]),
  );
  const invocations: StepInvocation[] = [];
  const published: SnsPublish[] = [];
  const counts = new Map<ModeSwitchStep, number>();
  let abortExecution: (() => void) | undefined;

  const lambdaInvoke =
    (state: string) =>
    async (taskInput: unknown): Promise<never> => {
      const { FunctionName, Payload } = taskInput as { FunctionName: string; Payload: unknown };
      const step = stepOfArn.get(FunctionName);
      if (step === undefined) {
        throw Object.assign(new Error(`Function not found: ${FunctionName}`), {
          name: "Lambda.ResourceNotFoundException",
        });
      }
      const n = (counts.get(step) ?? 0) + 1;
      counts.set(step, n);
      if (step === "check-receivers") {
        options.advanceClock?.(RECEIVER_POLL_SECONDS * 1000);
      }
      await options.beforeStep?.(step, n);
      if (options.abortBefore === step) {
        abortExecution?.();
        // Stopped: the function is never invoked, and nothing answers the task.
        return new Promise<never>(() => undefined);
      }
      const awsBefore = sentActions(world).length;
      const kubeBefore = world.double.requests.length;
      const record = (outcome: { result?: unknown; error?: { name: string; message: string } }) =>
        invocations.push({
          state,
          step,
          ...outcome,
          awsActions: sentActions(world).slice(awsBefore),
          kubernetes: world.double.requests.slice(kubeBefore),
        });
      try {
        const handler = HANDLERS[step];
        // A Lambda receives JSON and answers JSON: undefined fields vanish both ways.
        const result = JSON.parse(
          JSON.stringify((await handler(JSON.parse(JSON.stringify(Payload)) as never)) ?? null),
        );
        const cut = options.timeOut;
        if (cut !== undefined && cut.step === step && cut.invocations.includes(n)) {
          throw Object.assign(new Error("Task timed out after 30.00 seconds"), { name: cut.error });
        }
        record({ result });
        return { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 } as never;
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        record({ error: { name: e.name, message: e.message } });
        throw lambdaFunctionError(error);
      }
    };

  const snsPublish =
    (state: string) =>
    async (taskInput: unknown): Promise<never> => {
      const message = taskInput as SnsPublish;
      if (options.failPublish?.state === state) {
        throw Object.assign(new Error(`${options.failPublish.error}: injected by the test`), {
          name: options.failPublish.error,
        });
      }
      checkPublish(message);
      published.push(message);
      return { MessageId: `message-${published.length}`, SdkHttpMetadata: { HttpStatusCode: 200 } } as never;
    };

  const { output, failure, events } = await executeAsl(definition, input, {
    executionArn,
    executionName,
    lambdaInvoke,
    snsPublish,
    started: (abort) => {
      abortExecution = abort;
    },
  });
  return { executionArn, output, failure, published, invocations, events };
}

/** What `executeAsl` runs each Task with, by its state's name: aws-local-stepfunctions' task overrides. */
export interface AslTasks {
  readonly executionArn: string;
  readonly executionName: string;
  readonly lambdaInvoke: (state: string) => (input: unknown) => Promise<never>;
  readonly snsPublish: (state: string) => (input: unknown) => Promise<never>;
  /** Called once the execution runs, with the function that stops it (StopExecution). */
  readonly started?: (abort: () => void) => void;
}

/**
 * Runs an ASL document in aws-local-stepfunctions, each Task through `tasks`, with no
 * time spent in Waits or between retries (the document's own retry counts still apply).
 */
export async function executeAsl(
  definition: AslDocument,
  input: unknown,
  tasks: AslTasks,
): Promise<Pick<WorkflowRun, "output" | "failure" | "events">> {
  const taskOverrides: Record<string, (input: never) => Promise<never>> = {};
  const retryOverrides: Record<string, number> = {};
  const waitOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === "Task") {
      taskOverrides[name] = state.Resource.endsWith(":lambda:invoke")
        ? tasks.lambdaInvoke(name)
        : tasks.snsPublish(name);
      retryOverrides[name] = 0;
    }
    if (state.Type === "Wait") {
      waitOverrides[name] = 0;
    }
  }

  const machine = new StateMachine(structuredClone(definition) as never);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskOverrides as never,
      waitTimeOverrides: waitOverrides,
      retryIntervalOverrides: retryOverrides,
    },
    context: {
      Execution: {
        Id: tasks.executionArn,
        Name: tasks.executionName,
        Input: input as never,
        StartTime: new Date().toISOString(),
      },
    },
  });
  tasks.started?.(execution.abort);
  const events: EventLog[] = [];
  const collected = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
    }
  })();
  let output: Record<string, unknown> | undefined;
  let failure: WorkflowRun["failure"];
  try {
    output = (await execution.result) as Record<string, unknown>;
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    failure = {
      error: cause?.name ?? (error as Error).name,
      cause: cause?.message ?? (error as Error).message,
    };
  }
  await collected;
  return { output, failure, events };
}

/** The names of the states the execution entered, in order. */
export function statesEntered(run: WorkflowRun): string[] {
  return run.events.flatMap((event) => (event.type === "StateEntered" ? [event.state.name] : []));
}

export function invocationsOf(run: WorkflowRun, step: ModeSwitchStep): StepInvocation[] {
  return run.invocations.filter((invocation) => invocation.step === step);
}
