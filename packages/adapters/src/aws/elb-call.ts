import { AwsCallError } from "../errors.ts";
import { awsErrorName, describeAwsError, isTransientAwsError } from "./aws-fault.ts";

/**
 * Runs one ELBv2 call and turns an SDK failure into an `AwsCallError` that names the
 * operation, what it was for, and (when refused) the IAM action the role lacks.
 */
export async function elbCall<T>(operation: string, purpose: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const denied = /AccessDenied|UnauthorizedOperation/.test(awsErrorName(error));
    const hint = denied ? ` Check that the function's role allows elasticloadbalancing:${operation}.` : "";
    throw new AwsCallError(`ELBv2 ${operation} failed ${purpose}: ${describeAwsError(error)}.${hint}`, {
      retryable: isTransientAwsError(error),
      cause: error,
    });
  }
}
