import {
  applyRouting,
  applyScaling,
  checkReceivers,
  planSwitch,
  releaseHolds,
  rollback,
  runStep,
  type SwitchInput,
  silentLogger,
  verifyRouting,
} from "@switchyard/controller";
import {
  type EpochMs,
  type Move,
  SECOND,
  type SwitchRecord,
  type SwitchyardConfig,
  WorkflowRuntimeError,
} from "@switchyard/core";
import { partitionOf } from "@switchyard/core/deploy";
import type {
  ClusterGateway,
  RoutingVerifier,
  SwitchRequest,
  SwitchStart,
  SwitchStarter,
  TargetHealthReader,
} from "@switchyard/core/ports";
import {
  afterError,
  announcement,
  chosen,
  failure,
  type InvokeEntry,
  invokePayload,
  MODE_SWITCH_STATES,
  MODE_SWITCH_STEPS,
  type ModeSwitchState,
  type ModeSwitchStep,
  modeSwitchTable,
  modeSwitchTiming,
  type PublishEntry,
  type StepError,
  type StepTable,
  type WalkContext,
  waitSeconds,
  withResult,
} from "@switchyard/core/workflow";
import type { SimScheduler } from "../run/sim-scheduler.ts";
import type { SimClock } from "./sim-clock.ts";

/** How long the stand-in's service integrations take; Waits and Retry delays come from the table. */
interface WorkflowTiming {
  /** One Lambda invocation of a step, whether it returns or throws. */
  readonly lambdaMs: number;
  /** One SNS publish: nothing in the simulated environment moves in the tens of ms it takes. */
  readonly publishMs: number;
}

export const WORKFLOW_TIMING: WorkflowTiming = { lambdaMs: SECOND, publishMs: 0 };

/** A step's Lambda as the simulator runs it: its event in, its result out. */
type SimLambda = (event: unknown) => Promise<unknown>;

/** The SNS topic: records a publish, or throws as SNS would refuse it (the error's name is the SNS error). */
type SimTopic = (message: Announcement) => void;

interface Announcement {
  readonly state: ModeSwitchState;
  readonly at: EpochMs;
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** One attempt of a task state, as the execution's history shows it. */
interface TaskAttempt {
  readonly state: ModeSwitchState;
  /** The step's Lambda, or null for a publish. */
  readonly step: ModeSwitchStep | null;
  readonly at: EpochMs;
  /** The step's result (the JSON its Lambda returned), when it returned. */
  readonly result?: unknown;
  readonly error?: StepError;
}

/** One mode-switch execution as the stand-in ran it. */
export interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly service: string;
  readonly move: Move;
  readonly startedAt: EpochMs;
  readonly input: SwitchInput;
  status: SwitchRecord["status"];
  endedAt: EpochMs | null;
  /** The execution's error (its Fail state's Error and Cause), when it failed. */
  error: StepError | null;
  /** The states entered, in order, with when. */
  readonly states: { readonly state: ModeSwitchState; readonly at: EpochMs }[];
  readonly attempts: TaskAttempt[];
  /** What the SNS publishes announced. */
  readonly published: Announcement[];
  /** The workflow state as it stands (the execution's output once it has ended). */
  data: unknown;
}

/** When ShiftTraffic patched the Ingress, or null if traffic never moved. */
export function trafficShiftedAt(execution: ExecutionRecord): EpochMs | null {
  return (
    execution.attempts.find((a) => a.state === MODE_SWITCH_STATES.shiftTraffic && a.error === undefined)
      ?.at ?? null
  );
}

/** Whether traffic moved because the receivers' deadline passed, not because they were ready. */
export function receiversTimedOut(execution: ExecutionRecord): boolean {
  const receivers = (execution.data as { receivers?: { ready: boolean; timedOut: boolean } } | null)
    ?.receivers;
  return trafficShiftedAt(execution) !== null && receivers?.timedOut === true && !receivers.ready;
}

/** Ended in the Superseded state: another switch moved traffic first, and this one undid its own changes. */
export function superseded(execution: ExecutionRecord): boolean {
  return execution.status !== "RUNNING" && execution.states.at(-1)?.state === MODE_SWITCH_STATES.superseded;
}

/**
 * The step Lambdas over the simulator's ports: what each handler of functions/ does over
 * the real adapters, errors included (a retryable one reaches the workflow as TransientError).
 */
export function stepLambdas(deps: {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: SimClock;
  readonly verifier: RoutingVerifier;
  readonly targetHealth: TargetHealthReader;
}): Readonly<Record<ModeSwitchStep, SimLambda>> {
  const steps: Readonly<Record<ModeSwitchStep, SimLambda>> = {
    "plan-switch": async (event) => {
      const { input, executionArn } = event as { input: unknown; executionArn?: string };
      return { plan: await planSwitch(input, executionArn ?? null, deps) };
    },
    "apply-scaling": (state) => applyScaling(state, deps),
    "check-receivers": (state) => checkReceivers(state, deps),
    "apply-routing": (state) => applyRouting(state, deps),
    "verify-routing": (state) => verifyRouting(state, deps),
    "release-holds": (state) => releaseHolds(state, deps),
    rollback: (state) => rollback(state, deps),
  };
  // Each handler of functions/ runs its step through runStep: the same error names reach the table's Retry.
  return Object.fromEntries(
    MODE_SWITCH_STEPS.map((step) => [
      step,
      (event: unknown) => runStep(step, silentLogger, () => steps[step](event)),
    ]),
  ) as Record<ModeSwitchStep, SimLambda>;
}

/** JSON in, JSON out, as a Lambda's event and response are: undefined fields vanish both ways. */
function overJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * A step's thrown error as the lambda:invoke integration hands it on: Error is the error's
 * name, Cause the JSON the Node.js runtime reports a function error with (errorType,
 * errorMessage, trace; the stand-in leaves the trace empty). The controller's alerts read
 * the message back out of it, as they do in the deployed workflow.
 */
function lambdaError(error: unknown): StepError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }) };
}

/** What the SNS integration hands on for a refused publish: the SNS error's name, and its message. */
function publishError(error: unknown): StepError {
  return error instanceof Error
    ? { Error: error.name, Cause: error.message }
    : { Error: "SNS.AmazonSNSException", Cause: String(error) };
}

/**
 * Step Functions for the simulator: `start` walks the mode-switch step table — the one the
 * deployed ASL is rendered from — in sim time: each Task calls the step's Lambda (the
 * controller's step over the in-memory ports) or publishes to the topic, and takes its
 * time; a Wait waits; a Choice chooses; a step's error is retried as its Retry says (the
 * delays in sim seconds) and then caught as its Catch says. The execution name is the
 * idempotency key, and `history` reads the executions back.
 */
export class StepFunctionsStandIn implements SwitchStarter {
  readonly executions: ExecutionRecord[] = [];
  readonly #table: StepTable;
  readonly #scheduler: SimScheduler;
  readonly #clock: SimClock;
  readonly #timing: WorkflowTiming;
  readonly #lambdas: Readonly<Record<ModeSwitchStep, SimLambda>>;
  readonly #topic: SimTopic;
  /** The config's region and its partition: the ARN the deployed state machine would give. */
  readonly #executionArnPrefix: string;

  constructor(options: {
    readonly config: SwitchyardConfig;
    readonly scheduler: SimScheduler;
    readonly clock: SimClock;
    /** Each step's Lambda: `stepLambdas` over the simulator's ports, or a test's script. */
    readonly lambdas: Readonly<Record<ModeSwitchStep, SimLambda>>;
    /** The alert topic; by default every publish is accepted. */
    readonly topic?: SimTopic;
    readonly timing?: WorkflowTiming;
  }) {
    const { config } = options;
    this.#table = modeSwitchTable({ region: config.cluster.region, timing: modeSwitchTiming(config) });
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#timing = options.timing ?? WORKFLOW_TIMING;
    this.#lambdas = options.lambdas;
    this.#topic = options.topic ?? (() => {});
    const { region } = config.cluster;
    this.#executionArnPrefix = `arn:${partitionOf(region)}:states:${region}:000000000000:execution:switchyard-mode-switch:`;
  }

  async history(service: string, since: EpochMs): Promise<readonly SwitchRecord[]> {
    // Executions are recorded as they start, on a clock that never goes back: only the
    // tail since `since` is read, not a month of them on every evaluation.
    let first = this.executions.length;
    while (first > 0 && (this.executions[first - 1] as ExecutionRecord).startedAt >= since) {
      first -= 1;
    }
    return this.executions
      .slice(first)
      .filter((e) => e.service === service)
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((e) => ({
        name: e.name,
        move: e.move,
        startedAt: e.startedAt,
        status: e.status,
        // DescribeExecution's input of a running execution: the demand it planned for.
        ...(e.status === "RUNNING" ? { plannedRps: e.input.demandRps } : {}),
        // The deployed reader takes it from DescribeExecution's input of a running failover or reroute.
        ...(e.status === "RUNNING" && (e.move === "failover" || e.move === "reroute")
          ? { answered: { causes: e.input.causes, conditions: e.input.conditions } }
          : {}),
      }));
  }

  async start(request: SwitchRequest): Promise<SwitchStart> {
    const arn = `${this.#executionArnPrefix}${request.name}`;
    if (this.executions.some((e) => e.name === request.name)) {
      return { started: false, executionArn: arn };
    }
    const input = overJson(request.input) as SwitchInput;
    const execution: ExecutionRecord = {
      name: request.name,
      arn,
      service: input.service,
      move: input.move,
      startedAt: this.#clock.now(),
      input,
      status: "RUNNING",
      endedAt: null,
      error: null,
      states: [],
      attempts: [],
      published: [],
      data: input,
    };
    this.executions.push(execution);
    this.#after(0, async () => this.#enter(execution, this.#table.startAt, input));
    return { started: true, executionArn: arn };
  }

  #after(delayMs: number, run: () => Promise<void>): void {
    this.#scheduler.at(this.#clock.now() + delayMs, run);
  }

  async #enter(execution: ExecutionRecord, name: ModeSwitchState, data: unknown): Promise<void> {
    execution.states.push({ state: name, at: this.#clock.now() });
    execution.data = data;
    const entry = this.#table.states[name];
    const context: WalkContext = { Execution: { Id: execution.arn, Name: execution.name } };
    try {
      switch (entry.type) {
        case "invoke":
        case "publish":
          await this.#attempt(
            execution,
            name,
            data,
            entry.retry.map(() => 0),
          );
          return;
        case "wait": {
          const seconds = waitSeconds(entry, data, context, name);
          this.#after(seconds * SECOND, () => this.#enter(execution, entry.next, data));
          return;
        }
        case "choice":
          await this.#enter(execution, chosen(entry, data, context, name), data);
          return;
        case "succeed":
          this.#end(execution, "SUCCEEDED", null);
          return;
        case "fail":
          this.#end(execution, "FAILED", failure(entry, data, context, name));
          return;
      }
    } catch (error) {
      this.#endOnRuntimeError(execution, error);
    }
  }

  /** One attempt of a Task: the call at once, its answer after the call's time, then Retry or Catch. */
  async #attempt(
    execution: ExecutionRecord,
    name: ModeSwitchState,
    data: unknown,
    retries: readonly number[],
  ): Promise<void> {
    const entry = this.#table.states[name] as InvokeEntry | PublishEntry;
    const at = this.#clock.now();
    let call: () => Promise<unknown>;
    try {
      call = this.#request(execution, name, entry, data);
    } catch (error) {
      this.#endOnRuntimeError(execution, error);
      return;
    }
    let outcome: { readonly result: unknown } | { readonly error: StepError };
    try {
      outcome = { result: await call() };
    } catch (error) {
      outcome = { error: entry.type === "invoke" ? lambdaError(error) : publishError(error) };
    }
    execution.attempts.push({
      state: name,
      step: entry.type === "invoke" ? entry.step : null,
      at,
      ...outcome,
    });
    const duration = entry.type === "invoke" ? this.#timing.lambdaMs : this.#timing.publishMs;
    this.#after(duration, async () => {
      try {
        if ("result" in outcome) {
          const next = entry.type === "invoke" ? withResult(entry, data, outcome.result, name) : data;
          await this.#enter(execution, entry.next, next);
          return;
        }
        const then = afterError(entry, outcome.error, retries, data);
        if (then.kind === "retry") {
          const counted = retries.map((n, i) => (i === then.retrier ? n + 1 : n));
          this.#after(then.delaySeconds * SECOND, () => this.#attempt(execution, name, data, counted));
        } else if (then.kind === "caught") {
          await this.#enter(execution, then.next, then.state);
        } else {
          this.#end(execution, "FAILED", outcome.error);
        }
      } catch (error) {
        this.#endOnRuntimeError(execution, error);
      }
    });
  }

  /**
   * The Task's call, its Parameters resolved first: a path they cannot resolve is a
   * States.Runtime error of the state, not an error of the call that Retry or Catch sees.
   */
  #request(
    execution: ExecutionRecord,
    name: ModeSwitchState,
    entry: InvokeEntry | PublishEntry,
    data: unknown,
  ): () => Promise<unknown> {
    const context: WalkContext = { Execution: { Id: execution.arn, Name: execution.name } };
    if (entry.type === "invoke") {
      const event = overJson(invokePayload(entry, data, context));
      const lambda = this.#lambdas[entry.step];
      return async () => overJson(await lambda(event));
    }
    const sent: Announcement = {
      state: name,
      at: this.#clock.now(),
      ...announcement(entry, data, context, name),
    };
    return async () => {
      this.#topic(sent);
      execution.published.push(sent);
      return null;
    };
  }

  /** A States.Runtime error fails the execution at once; anything else is a bug of the stand-in. */
  #endOnRuntimeError(execution: ExecutionRecord, error: unknown): void {
    if (!(error instanceof WorkflowRuntimeError)) {
      throw error;
    }
    this.#end(execution, "FAILED", { Error: "States.Runtime", Cause: error.message });
  }

  #end(execution: ExecutionRecord, status: SwitchRecord["status"], error: StepError | null): void {
    execution.status = status;
    execution.endedAt = this.#clock.now();
    execution.error = error;
  }
}
