import { SwitchyardError } from "@switchyard/core";
import { TransientError } from "./errors.ts";
import type { ControllerLogger } from "./logger.ts";

/**
 * The error a step hands the workflow: one that may pass if tried again (`retryable`, as
 * an adapter sets it for throttling, a 5xx or a conflict that kept coming back, and the
 * simulator's API for a 409) becomes `TransientError`, the name the step table's Retry
 * waits and tries again on; any other keeps its own name, which the Catch matches.
 */
export function workflowErrorOf(error: unknown): unknown {
  if (error instanceof SwitchyardError && error.retryable && !(error instanceof TransientError)) {
    return new TransientError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * Runs one step, logs a failure with its cause, and rethrows it under the name the
 * workflow's Retry and Catch match (`workflowErrorOf`): never swallowed, never reported as
 * success. The Lambdas run each handler through it, and the simulator each step Lambda.
 */
export async function runStep<T>(step: string, logger: ControllerLogger, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    logger.error("step failed", { step, error: error as Error });
    throw workflowErrorOf(error);
  }
}
