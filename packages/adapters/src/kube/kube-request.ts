import type { Logger } from "@aws-lambda-powertools/logger";
import type { SwitchyardError } from "@switchyard/core";
import { kubernetesError, statusCodeOf } from "./kube-errors.ts";
import type { KubeTarget } from "./kube-target.ts";

/** The part of Powertools' Logger the requests and writes log with. */
export type KubeLogger = Pick<Logger, "info" | "warn">;

/** A failed request as the adapter error the workflow matches, logged with the request it was. */
export function failedRequest(error: unknown, target: KubeTarget, logger: KubeLogger): SwitchyardError {
  const mapped = kubernetesError(error, target);
  logger.warn("kubernetes-request-failed", {
    verb: target.verb,
    resource: target.resource.plural,
    namespace: target.namespace,
    name: target.name,
    status: statusCodeOf(error),
    error: mapped.name,
  });
  return mapped;
}

/** Sends one request about `target`; a failure is thrown as `failedRequest` maps it. */
export async function sendRequest<T>(
  target: KubeTarget,
  send: () => Promise<T>,
  logger: KubeLogger,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw failedRequest(error, target, logger);
  }
}
