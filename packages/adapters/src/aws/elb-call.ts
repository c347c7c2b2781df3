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

/**
 * The pages of one of the SDK's ELBv2 paginators (`paginateDescribe…`: they follow
 * `Marker`/`NextMarker` until no `NextMarker` comes back), each page's failure turned
 * into the same `AwsCallError` as `elbCall`. Breaking out of the loop stops the paging:
 * no page past the one in hand is asked for.
 */
export async function* elbPages<T>(
  operation: string,
  purpose: string,
  pages: AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await elbCall(operation, purpose, () => iterator.next());
      if (next.done === true) {
        return;
      }
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
