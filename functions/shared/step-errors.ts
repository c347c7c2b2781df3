import { AdapterError } from "@switchyard/adapters";
import { SwitchyardError } from "@switchyard/core";
import { logger } from "./logger.ts";

/**
 * Something that may work if tried again (throttling, a 5xx, a conflict that kept
 * coming back). The workflow retries this name with backoff; every other error name
 * goes straight to Rollback.
 */
export class TransientError extends SwitchyardError {
  override name = "TransientError";
  constructor(cause: Error) {
    super(`${cause.name}: ${cause.message}`, { code: "TRANSIENT", cause });
  }
}

/**
 * Runs one step, logs a failure with its cause, and rethrows it under the name the
 * workflow's Retry and Catch match: never swallowed, never reported as success.
 */
export async function runStep<T>(step: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    logger.error("step failed", { step, error: error as Error });
    if (error instanceof AdapterError && error.retryable) {
      throw new TransientError(error);
    }
    throw error;
  }
}
