import type { Retrier } from "./asl.ts";

/** The first wait: the Load Balancer Controller usually reconciles an annotation within seconds. */
const FIRST_WAIT_SECONDS = 5;
const BACKOFF_RATE = 1.5;
/** A slow reconcile is still checked twice a minute, not once every few minutes. */
const MAX_WAIT_SECONDS = 30;

/** The wait before retry `attempt` (0-based) of a retrier, in seconds (no jitter). */
export function retryDelaySeconds(retrier: Retrier, attempt: number): number {
  return Math.min(
    retrier.IntervalSeconds * retrier.BackoffRate ** attempt,
    retrier.MaxDelaySeconds ?? Infinity,
  );
}

/** The waits Step Functions makes between attempts of a retrier, in seconds (no jitter). */
export function retryWaits(retrier: Retrier): number[] {
  return Array.from({ length: retrier.MaxAttempts }, (_, attempt) => retryDelaySeconds(retrier, attempt));
}

/**
 * The Retry of VerifyAlb on `RoutingNotAppliedError` (the ALB does not show the new
 * weights yet): backoff from 5 s to at most 30 s between attempts, with just enough
 * attempts that the waits add up to `timeoutSeconds` (the policy's verifyTimeoutSeconds);
 * after that the error reaches the Catch and the switch is rolled back.
 */
export function verifyRetrier(errorName: string, timeoutSeconds: number): Retrier {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new RangeError(`verifyTimeoutSeconds must be a positive number of seconds, got ${timeoutSeconds}`);
  }
  const base = {
    ErrorEquals: [errorName],
    IntervalSeconds: FIRST_WAIT_SECONDS,
    BackoffRate: BACKOFF_RATE,
    MaxDelaySeconds: MAX_WAIT_SECONDS,
  };
  let attempts = 1;
  while (retryWaits({ ...base, MaxAttempts: attempts }).reduce((a, b) => a + b, 0) < timeoutSeconds) {
    attempts += 1;
  }
  return { ...base, MaxAttempts: attempts };
}
