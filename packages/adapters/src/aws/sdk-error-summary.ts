/**
 * An SDK error in one line for our own errors' messages, with what `$metadata` tells about
 * the call: the HTTP status, how many attempts the SDK made (so a message shows that its
 * retries were spent) and the request id to quote to AWS Support.
 */
import { awsErrorName } from "./aws-fault.ts";

interface SdkMetadata {
  readonly httpStatusCode?: unknown;
  readonly requestId?: unknown;
  readonly attempts?: unknown;
}

/** `ThrottlingException: Rate exceeded (HTTP 400, 3 attempts, request 1f2e…)`. */
export function summarizeSdkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const meta: SdkMetadata = (error as { $metadata?: SdkMetadata }).$metadata ?? {};
  const facts = [
    typeof meta.httpStatusCode === "number" ? `HTTP ${meta.httpStatusCode}` : null,
    typeof meta.attempts === "number" ? `${meta.attempts} attempt${meta.attempts === 1 ? "" : "s"}` : null,
    typeof meta.requestId === "string" ? `request ${meta.requestId}` : null,
  ].filter((fact) => fact !== null);
  const head = error.message ? `${awsErrorName(error)}: ${error.message}` : awsErrorName(error);
  return facts.length === 0 ? head : `${head} (${facts.join(", ")})`;
}
