import { SwitchyardError } from "@switchyard/core";

/** A step was given an input it cannot use: not retryable, the workflow rolls back. */
export class SwitchInputError extends SwitchyardError {
  override name = "SwitchInputError";
  constructor(message: string, cause?: unknown) {
    super(
      message,
      cause === undefined ? { code: "SWITCH_INPUT_INVALID" } : { code: "SWITCH_INPUT_INVALID", cause },
    );
  }
}

/** Some services could not be evaluated; the others were. Each failure is kept with its cause. */
export class EvaluationError extends SwitchyardError {
  override name = "EvaluationError";
  readonly failures: readonly { readonly service: string; readonly error: unknown }[];

  constructor(failures: readonly { readonly service: string; readonly error: unknown }[]) {
    const detail = failures
      .map(
        (f) =>
          `${f.service}: ${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)}`,
      )
      .join("; ");
    super(
      `${failures.length} service${failures.length === 1 ? "" : "s"} could not be evaluated — ${detail}`,
      {
        code: "EVALUATION_FAILED",
        cause: failures[0]?.error,
      },
    );
    this.failures = failures;
  }
}

/** The listener rule does not hold the planned weights yet: the workflow retries VerifyAlb with backoff. */
export class RoutingNotAppliedError extends SwitchyardError {
  override name = "RoutingNotAppliedError";
  constructor(message: string) {
    super(message, { code: "ROUTING_NOT_APPLIED" });
  }
}

/** The Load Balancer Controller cannot build a model from the new annotation (FailedBuildModel): roll back at once. */
export class RoutingRejectedError extends SwitchyardError {
  override name = "RoutingRejectedError";
  constructor(message: string) {
    super(message, { code: "ROUTING_REJECTED" });
  }
}

/**
 * The Ingress's routing is no longer what this switch planned from: a failover (or a
 * person) changed it since. The switch stands down and rolls back only what is its own.
 */
export class SwitchSupersededError extends SwitchyardError {
  override name = "SwitchSupersededError";
  constructor(message: string) {
    super(message, { code: "SWITCH_SUPERSEDED" });
  }
}

/**
 * A fallback or rebalance found its receiving units still short of pods at the deadline:
 * the switch rolls back rather than move traffic onto pods that are not there.
 */
export class ReceiversNotReadyError extends SwitchyardError {
  override name = "ReceiversNotReadyError";
  constructor(message: string) {
    super(message, { code: "RECEIVERS_NOT_READY" });
  }
}

/**
 * The Ingress's action routes to Services (or target groups) the config does not name:
 * Switchyard rewrites the whole action, so it would drop them. It refuses to touch it.
 */
export class ForeignRoutingError extends SwitchyardError {
  override readonly name = "ForeignRoutingError";

  constructor(message: string) {
    super(message, { code: "FOREIGN_ROUTING" });
  }
}

/**
 * A lifted replica hold has not given the unit back to KEDA: its ScaledObject still
 * reports Paused, or its HPA was not made again (KEDA issues #6982, #7231). The workflow
 * retries with backoff — KEDA reconciles within seconds — then alerts.
 */
export class ScalingNotResumedError extends SwitchyardError {
  override readonly name = "ScalingNotResumedError";

  constructor(message: string) {
    super(message, { code: "SCALING_NOT_RESUMED" });
  }
}
