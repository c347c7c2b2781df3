import { SwitchyardError, type SwitchyardErrorOptions } from "@switchyard/core";

/**
 * Errors the adapters raise, each `(message, options?)` with `cause` in the options.
 * Step Functions sees `name` as the error type, so the workflow's Retry and Catch match on
 * these class names; `retryable` says whether trying again can help (a step's runner hands
 * those to the workflow as `TransientError`, which it retries).
 */
export class AdapterError extends SwitchyardError {
  override name = "AdapterError";

  constructor(message: string, options: SwitchyardErrorOptions & { readonly retryable: boolean }) {
    super(message, options);
  }
}

/** CloudWatch GetMetricData failed after the SDK's own retries (throttling, outage). */
export class MetricsUnavailableError extends AdapterError {
  override name = "MetricsUnavailableError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "METRICS_UNAVAILABLE", retryable: true });
  }
}

/** PutMetricData of capacity errors failed after the SDK's retries. */
export class CapacityRecordError extends AdapterError {
  override name = "CapacityRecordError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "CAPACITY_RECORD_FAILED", retryable: true });
  }
}

/** The ALB, listener rule or target groups the Load Balancer Controller made cannot be found. */
export class LoadBalancerNotFoundError extends AdapterError {
  override name = "LoadBalancerNotFoundError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "LOAD_BALANCER_NOT_FOUND", retryable: false });
  }
}

/**
 * A step named a unit the service's config does not have (the config changed while a
 * switch ran, or the step's input was written by hand): nothing is read or written.
 */
export class UnknownUnitError extends AdapterError {
  override name = "UnknownUnitError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "UNKNOWN_UNIT", retryable: false });
  }
}

/** An AWS API other than the above failed after the SDK's retries. */
export class AwsCallError extends AdapterError {
  override name = "AwsCallError";
  constructor(message: string, options: ErrorOptions & { readonly retryable: boolean }) {
    super(message, { ...options, code: "AWS_CALL_FAILED" });
  }
}

/** The API server refused a verb (403): the message names the verb, the resource and the RBAC rule that grants it. */
export class KubernetesForbiddenError extends AdapterError {
  override name = "KubernetesForbiddenError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "KUBERNETES_FORBIDDEN", retryable: false });
  }
}

/** An object Switchyard manages does not exist (404). */
export class KubernetesNotFoundError extends AdapterError {
  override name = "KubernetesNotFoundError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "KUBERNETES_NOT_FOUND", retryable: false });
  }
}

/** The object kept changing under us: 409 on every bounded retry. */
export class KubernetesConflictError extends AdapterError {
  override name = "KubernetesConflictError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "KUBERNETES_CONFLICT", retryable: true });
  }
}

/** The API server refused the request's content (415, 422, a failed JSON-patch test, an admission webhook's 403 denial). */
export class KubernetesRejectedError extends AdapterError {
  override name = "KubernetesRejectedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "KUBERNETES_REJECTED", retryable: false });
  }
}

/** The API server could not be reached or answered 5xx/429. */
export class KubernetesUnavailableError extends AdapterError {
  override name = "KubernetesUnavailableError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "KUBERNETES_UNAVAILABLE", retryable: true });
  }
}

/** The EKS endpoint, CA or token could not be obtained. */
export class ClusterAccessError extends AdapterError {
  override name = "ClusterAccessError";
  constructor(message: string, options: ErrorOptions & { readonly retryable: boolean }) {
    super(message, { ...options, code: "CLUSTER_ACCESS_FAILED" });
  }
}
