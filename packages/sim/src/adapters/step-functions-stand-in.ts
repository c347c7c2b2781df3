import {
  applyRouting,
  applyScaling,
  type CaughtError,
  checkReceivers,
  planSwitch,
  type RollbackOutcome,
  RoutingNotAppliedError,
  releaseHolds,
  rollback,
  type SwitchInput,
  type SwitchState,
  verifyRouting,
} from "@switchyard/controller";
import {
  type ClusterGateway,
  type EpochMs,
  type Move,
  modeSwitchTiming,
  RETRIED_ERRORS,
  type RoutingVerifier,
  retryWaits,
  type SwitchRecord,
  type SwitchRequest,
  type SwitchStart,
  type SwitchStarter,
  type SwitchyardConfig,
  verifyRetrier,
} from "@switchyard/core";
import type { SimScheduler } from "../run/sim-scheduler.ts";
import type { SimClock } from "./sim-clock.ts";

/** How the mode-switch state machine paces itself: its Wait state and VerifyAlb's Retry. */
export interface WorkflowTiming {
  /** Time one Lambda step takes. */
  readonly lambdaMs: number;
  /** WaitForReceivers: the Wait before each CheckReceivers. */
  readonly receiversPollMs: number;
  /** VerifyAlb's Retry on RoutingNotAppliedError: the waits between attempts; after the last, Rollback. */
  readonly verifyWaitsMs: readonly number[];
}

/** Time the simulator gives one Lambda invocation of a step. */
const LAMBDA_MS = 1000;

/** The timing of the deployed workflow, from the same core functions that write its ASL document. */
export function workflowTimingFor(config: SwitchyardConfig): WorkflowTiming {
  const timing = modeSwitchTiming(config);
  return {
    lambdaMs: LAMBDA_MS,
    receiversPollMs: timing.receiverPollSeconds * 1000,
    verifyWaitsMs: retryWaits(
      verifyRetrier(RETRIED_ERRORS.routingNotApplied, timing.verifyTimeoutSeconds),
    ).map((seconds) => seconds * 1000),
  };
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
  /** When ShiftTraffic patched the Ingress. */
  trafficShiftedAt: EpochMs | null;
  /** Whether WaitForReceivers gave up waiting (deadline) before traffic moved. */
  receiversTimedOut: boolean;
  endedAt: EpochMs | null;
  error: CaughtError | null;
  /** Stood down (the workflow's Superseded state): another switch moved traffic first. */
  superseded: boolean;
}

/**
 * Step Functions for the simulator: `start` runs the mode-switch workflow's states in sim
 * time — Plan → ScaleReceivers → WaitForReceivers (Wait, CheckReceivers, until ready or the
 * deadline) → ShiftTraffic → VerifyAlb (retried with backoff) → Notify, and on any failure
 * Rollback — calling the controller's real step functions over the in-memory ports. The
 * execution name is the idempotency key, and `history` reads the executions back.
 */
export class StepFunctionsStandIn implements SwitchStarter {
  readonly executions: ExecutionRecord[] = [];
  readonly #config: SwitchyardConfig;
  readonly #scheduler: SimScheduler;
  readonly #clock: SimClock;
  readonly #cluster: ClusterGateway;
  readonly #verifier: RoutingVerifier;
  readonly #timing: WorkflowTiming;

  constructor(options: {
    readonly config: SwitchyardConfig;
    readonly scheduler: SimScheduler;
    readonly clock: SimClock;
    readonly cluster: ClusterGateway;
    readonly verifier: RoutingVerifier;
    readonly timing?: WorkflowTiming;
  }) {
    this.#config = options.config;
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#cluster = options.cluster;
    this.#verifier = options.verifier;
    this.#timing = options.timing ?? workflowTimingFor(options.config);
  }

  async history(service: string, since: EpochMs): Promise<readonly SwitchRecord[]> {
    return this.executions
      .filter((e) => e.service === service && e.startedAt >= since)
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((e) => ({ name: e.name, move: e.move, startedAt: e.startedAt, status: e.status }));
  }

  async start(request: SwitchRequest): Promise<SwitchStart> {
    const arn = `arn:aws:states:us-west-2:000000000000:execution:switchyard-mode-switch:${request.name}`;
    if (this.executions.some((e) => e.name === request.name)) {
      return { started: false, executionArn: arn };
    }
    const input = request.input as SwitchInput;
    const execution: ExecutionRecord = {
      name: request.name,
      arn,
      service: input.service,
      move: input.move,
      startedAt: this.#clock.now(),
      input,
      status: "RUNNING",
      trafficShiftedAt: null,
      receiversTimedOut: false,
      endedAt: null,
      error: null,
      superseded: false,
    };
    this.executions.push(execution);
    this.#after(0, () => this.#plan(execution));
    return { started: true, executionArn: arn };
  }

  #after(delayMs: number, run: () => Promise<void>): void {
    this.#scheduler.at(this.#clock.now() + delayMs, run);
  }

  get #deps() {
    return { config: this.#config, cluster: this.#cluster, clock: this.#clock, verifier: this.#verifier };
  }

  async #plan(execution: ExecutionRecord): Promise<void> {
    let state: SwitchState;
    try {
      state = { plan: await planSwitch(execution.input, execution.arn, this.#deps) };
    } catch (error) {
      this.#end(execution, "FAILED", caught(error));
      return;
    }
    this.#after(this.#timing.lambdaMs, () => this.#scale(execution, state));
  }

  async #scale(execution: ExecutionRecord, state: SwitchState): Promise<void> {
    try {
      const scaling = await applyScaling(state, this.#deps);
      const next = { ...state, scaling };
      this.#after(this.#timing.lambdaMs + this.#timing.receiversPollMs, () =>
        this.#checkReceivers(execution, next),
      );
    } catch (error) {
      await this.#rollback(execution, state, error);
    }
  }

  async #checkReceivers(execution: ExecutionRecord, state: SwitchState): Promise<void> {
    try {
      const receivers = await checkReceivers(state, this.#deps);
      const next = { ...state, receivers };
      if (receivers.ready || receivers.timedOut) {
        execution.receiversTimedOut = !receivers.ready;
        this.#after(this.#timing.lambdaMs, () => this.#shift(execution, next));
      } else {
        this.#after(this.#timing.lambdaMs + this.#timing.receiversPollMs, () =>
          this.#checkReceivers(execution, next),
        );
      }
    } catch (error) {
      await this.#rollback(execution, state, error);
    }
  }

  async #shift(execution: ExecutionRecord, state: SwitchState): Promise<void> {
    try {
      const routing = await applyRouting(state, this.#deps);
      execution.trafficShiftedAt = this.#clock.now();
      const next = { ...state, routing };
      this.#after(this.#timing.lambdaMs, () => this.#verify(execution, next, 0));
    } catch (error) {
      await this.#rollback(execution, state, error);
    }
  }

  /** VerifyAlb, attempt `attempt` (0-based): retried after each wait of the Retry, then Rollback. */
  async #verify(execution: ExecutionRecord, state: SwitchState, attempt: number): Promise<void> {
    try {
      const verification = await verifyRouting(state, this.#deps);
      const next = { ...state, verification };
      // Notify, then HoldReceivers (a Wait) and ReleaseReceivers, as the workflow does.
      this.#after(this.#timing.lambdaMs + this.#holdMs(state), () => this.#release(execution, next));
    } catch (error) {
      const wait = this.#timing.verifyWaitsMs[attempt];
      if (error instanceof RoutingNotAppliedError && wait !== undefined) {
        this.#after(wait, () => this.#verify(execution, state, attempt + 1));
        return;
      }
      await this.#rollback(execution, state, error);
    }
  }

  #holdMs(state: SwitchState): number {
    const service = this.#config.services.find((s) => s.name === state.plan.input.service);
    return (state.plan.receiverHoldSeconds ?? service?.policy.receiverHoldSeconds ?? 0) * 1000;
  }

  async #release(execution: ExecutionRecord, state: SwitchState): Promise<void> {
    try {
      await releaseHolds(state, this.#deps);
      this.#end(execution, "SUCCEEDED", null);
    } catch (error) {
      this.#end(execution, "FAILED", caught(error));
    }
  }

  /**
   * Rollback, then RollbackOutcome: a superseded switch that undid its own changes ends in
   * the Superseded state (a Fail state of its own: the execution is FAILED, moved no traffic).
   */
  async #rollback(execution: ExecutionRecord, state: SwitchState, error: unknown): Promise<void> {
    const failure = caught(error);
    let outcome: RollbackOutcome;
    try {
      outcome = (await rollback({ ...state, error: failure }, this.#deps)).outcome;
    } catch (rollbackError) {
      this.#end(execution, "FAILED", caught(rollbackError));
      return;
    }
    execution.superseded = outcome === "superseded";
    this.#end(execution, "FAILED", failure);
  }

  #end(execution: ExecutionRecord, status: SwitchRecord["status"], error: CaughtError | null): void {
    execution.status = status;
    execution.endedAt = this.#clock.now();
    execution.error = error;
  }
}

/** The error as Step Functions' Catch hands it on: its name and message. */
function caught(error: unknown): CaughtError {
  return error instanceof Error
    ? { Error: error.name, Cause: error.message }
    : { Error: "Error", Cause: String(error) };
}
