import { SwitchyardError } from "@switchyard/core";

/** A step was given an input it cannot use: not retryable, the workflow rolls back. */
export class SwitchInputError extends SwitchyardError {
  constructor(message: string, cause?: unknown) {
    super(
      message,
      cause === undefined ? { code: "SWITCH_INPUT_INVALID" } : { code: "SWITCH_INPUT_INVALID", cause },
    );
  }
}

/** Some services could not be evaluated; the others were. Each failure is kept with its cause. */
export class EvaluationError extends SwitchyardError {
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
  constructor(message: string) {
    super(message, { code: "ROUTING_NOT_APPLIED" });
  }
}

/** The Load Balancer Controller refused the new annotation (FailedBuildModel / FailedDeployModel): roll back at once. */
export class RoutingRejectedError extends SwitchyardError {
  constructor(message: string) {
    super(message, { code: "ROUTING_REJECTED" });
  }
}
