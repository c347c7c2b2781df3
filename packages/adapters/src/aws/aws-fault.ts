/**
 * What an AWS SDK error says about trying again. By the time an adapter sees an
 * error the SDK has already spent its own retries, so this only decides whether the
 * workflow's Retry (minutes, not milliseconds) may still help: throttling, 5xx and
 * dropped connections may clear; a refused permission or a missing resource will not.
 */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ServerException",
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "InternalServerException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);

const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** The error's type as AWS names it (`AccessDeniedException`, `ExecutionAlreadyExists`), or `Error`. */
export function awsErrorName(error: unknown): string {
  if (typeof error === "object" && error !== null && typeof (error as SdkErrorShape).name === "string") {
    return (error as SdkErrorShape).name as string;
  }
  return "Error";
}

export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) {
    return false;
  }
  const shape = error as SdkErrorShape;
  if (TRANSIENT_NAMES.has(awsErrorName(error))) {
    return true;
  }
  if (typeof shape.code === "string" && TRANSIENT_NETWORK_CODES.has(shape.code)) {
    return true;
  }
  if (shape.$retryable !== undefined || shape.$fault === "server") {
    return true;
  }
  const status = shape.$metadata?.httpStatusCode;
  return typeof status === "number" && (status >= 500 || status === 429);
}

/** `Name: message` of an SDK error, for the messages of our own errors. */
export function describeAwsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${awsErrorName(error)}: ${message}`;
}
