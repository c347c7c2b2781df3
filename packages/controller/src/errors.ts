import { SwitchyardError } from "@switchyard/core";

/** A step was given an input it cannot use: not retryable, the workflow rolls back. */
export class SwitchInputError extends SwitchyardError {
  override name = "SwitchInputError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "SWITCH_INPUT_INVALID" });
  }
}

/** One service an evaluation could not evaluate, with what went wrong. */
export interface EvaluationFailure {
  readonly service: string;
  readonly error: unknown;
}

/**
 * Some services could not be evaluated; the others were. Each failure is kept with its
 * error, the first one the `cause` unless another is given; the message is
 * `evaluationFailures(failures)`.
 */
export class EvaluationError extends SwitchyardError {
  override name = "EvaluationError";
  readonly failures: readonly EvaluationFailure[];

  constructor(message: string, options: ErrorOptions & { readonly failures: readonly EvaluationFailure[] }) {
    super(message, { code: "EVALUATION_FAILED", cause: options.cause ?? options.failures[0]?.error });
    this.failures = options.failures;
  }
}

/** `2 services could not be evaluated — sd21: XError: …; sd15: …` */
export function evaluationFailures(failures: readonly EvaluationFailure[]): string {
  const detail = failures
    .map(
      (f) =>
        `${f.service}: ${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)}`,
    )
    .join("; ");
  return `${failures.length} service${failures.length === 1 ? "" : "s"} could not be evaluated — ${detail}`;
}

/**
 * Something that may work if tried again (throttling, a 5xx, a conflict that kept coming
 * back): what `runStep` throws for an error whose `retryable` is set, in the Lambdas and in
 * the simulator's step Lambdas alike. The workflow retries this name with backoff; every
 * other error name goes straight to its Catch.
 */
export class TransientError extends SwitchyardError {
  override name = "TransientError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "TRANSIENT", retryable: true });
  }
}

/** The listener rule does not hold the planned weights yet: the workflow retries VerifyAlb with backoff. */
export class RoutingNotAppliedError extends SwitchyardError {
  override name = "RoutingNotAppliedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "ROUTING_NOT_APPLIED" });
  }
}

/** The Load Balancer Controller cannot build a model from the new annotation (FailedBuildModel): roll back at once. */
export class RoutingRejectedError extends SwitchyardError {
  override name = "RoutingRejectedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "ROUTING_REJECTED" });
  }
}

/**
 * The Ingress's routing is no longer what this switch planned from: a failover (or a
 * person) changed it since. The switch stands down and rolls back only what is its own.
 */
export class SwitchSupersededError extends SwitchyardError {
  override name = "SwitchSupersededError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "SWITCH_SUPERSEDED" });
  }
}

/**
 * An operator aborted this switch (`switchyard abort` wrote `switchyard.io/abort` with its
 * execution's name on the Ingress): it stops at its next step and the workflow's
 * Rollback undoes what it changed, as for any failure.
 */
export class SwitchAbortedError extends SwitchyardError {
  override name = "SwitchAbortedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "SWITCH_ABORTED" });
  }
}

/**
 * A fallback or rebalance found its receiving units still short of pods at the deadline:
 * the switch rolls back rather than move traffic onto pods that are not there.
 */
export class ReceiversNotReadyError extends SwitchyardError {
  override name = "ReceiversNotReadyError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "RECEIVERS_NOT_READY" });
  }
}

/**
 * The Ingress's action routes to Services (or target groups) the config does not name:
 * Switchyard rewrites the whole action, so it would drop them. It refuses to touch it.
 */
export class ForeignRoutingError extends SwitchyardError {
  override readonly name = "ForeignRoutingError";

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "FOREIGN_ROUTING" });
  }
}

/**
 * A lifted replica hold has not given the unit back to KEDA: its ScaledObject still
 * reports Paused, or its HPA was not made again (KEDA issues #6982, #7231). The workflow
 * retries with backoff — KEDA reconciles within seconds — then alerts.
 */
export class ScalingNotResumedError extends SwitchyardError {
  override readonly name = "ScalingNotResumedError";

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "SCALING_NOT_RESUMED" });
  }
}
