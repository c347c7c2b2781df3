import { ApiException } from "@kubernetes/client-node";
import { SwitchyardError } from "@switchyard/core";
import {
  ClusterAccessError,
  KubernetesConflictError,
  KubernetesForbiddenError,
  KubernetesNotFoundError,
  KubernetesRejectedError,
  KubernetesUnavailableError,
} from "../errors.ts";
import { describeTarget, type KubeTarget, rbacRule } from "./kube-target.ts";

/** The parts of a `metav1.Status` body the messages use. */
interface StatusInfo {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/** The HTTP status of a failed client-node call; undefined when no answer came (connection, DNS, TLS). */
export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof ApiException ? (error.code as number) : undefined;
}

/**
 * client-node 2.x puts the raw response text in `ApiException.body` for statuses its
 * OpenAPI spec does not list (every error but 401), so the Status is parsed here.
 */
function statusOf(error: ApiException<unknown>): StatusInfo {
  let body: unknown = error.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      body = { message: body };
    }
  }
  const status = (typeof body === "object" && body !== null ? body : {}) as {
    reason?: unknown;
    message?: unknown;
  };
  return {
    code: error.code,
    reason: typeof status.reason === "string" ? status.reason : "",
    message:
      typeof status.message === "string" && status.message !== "" ? status.message : `HTTP ${error.code}`,
  };
}

/** A skew past this between the API server's Date header and this clock is named as a 401's cause. */
const CLOCK_SKEW_NAMED_MS = 5 * 60_000;

/**
 * How far the API server's clock (its response's `Date` header, which Go's net/http sets
 * on every answer) is from this function's, when it is at least CLOCK_SKEW_NAMED_MS:
 * `"23 minutes ahead of this function's (Date: …)"`. Null when closer, or when the answer
 * carried no readable Date.
 */
function clockSkewOf(error: ApiException<unknown>): string | null {
  const headers = (error.headers ?? {}) as Record<string, string | undefined>;
  const date = headers.date ?? headers.Date;
  const server = date === undefined ? Number.NaN : Date.parse(date);
  if (!Number.isFinite(server)) {
    return null;
  }
  const skew = server - Date.now();
  if (Math.abs(skew) < CLOCK_SKEW_NAMED_MS) {
    return null;
  }
  const minutes = Math.round(Math.abs(skew) / 60_000);
  return `${minutes} minutes ${skew > 0 ? "ahead of" : "behind"} this function's (Date: ${date})`;
}

/** Why a request got no answer, without anything from the request (no headers, no token). */
function transportReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail === "" ? message : `${message}: ${detail}`;
}

/**
 * A validating webhook's denial: the API server answers 403 with the message
 * `admission webhook "<name>" denied the request: <reason>` (k8s.io/apiserver
 * pkg/admission/plugin/webhook/errors/statuserror.go `ToStatusErr`; a later revision puts
 * `<resource> "<name>" is forbidden: ` in front). An RBAC refusal is also 403, but reads
 * `... is forbidden: User "..." cannot <verb> resource ...` and names no webhook.
 */
function webhookDenial(message: string): { webhook: string; reason: string } | undefined {
  const match = /admission webhook "([^"]*)" denied the request(?:: ([\s\S]*)| without explanation)/.exec(
    message,
  );
  if (match === null) {
    return undefined;
  }
  return { webhook: match[1] ?? "", reason: match[2] ?? "without explanation" };
}

/** Where to look for the webhooks a Switchyard write meets. */
function advice(webhook: string): string {
  return webhook === "vscaledobject.kb.io"
    ? " (KEDA's ScaledObject webhook: another HPA or ScaledObject on the same workload, or minReplicaCount above maxReplicaCount; `kubectl get hpa -n <namespace>`)"
    : "";
}

/**
 * Maps a failed Kubernetes request to the adapter error the workflow's Retry and
 * Catch match on. Each message names the verb and object and says what to do.
 * Errors that are already Switchyard's pass through unchanged.
 */
export function kubernetesError(error: unknown, target: KubeTarget): SwitchyardError {
  if (error instanceof SwitchyardError) {
    return error;
  }
  const what = describeTarget(target);
  if (!(error instanceof ApiException)) {
    return new KubernetesUnavailableError(
      `could not ${target.verb} ${what}: no answer from the API server (${transportReason(error)}); check the endpoint and the Lambda's network path to it`,
      { cause: error },
    );
  }
  const status = statusOf(error);
  const answer = `${status.code}${status.reason === "" ? "" : ` ${status.reason}`}`;
  if (status.code === 401) {
    const skew = clockSkewOf(error);
    if (skew !== null) {
      return new ClusterAccessError(
        `the API server refused Switchyard's credentials to ${target.verb} ${what} (${answer}), a newly signed EKS token too, and its clock is ${skew}: ` +
          "an EKS token lives 15 minutes from the time it was signed by the API server's clock (aws-iam-authenticator), so a skew this large refuses every token; fix the clock (the function's runtime clock, or the node or proxy in front of the API server), not the access entry",
        { retryable: true, cause: error },
      );
    }
    return new ClusterAccessError(
      `the API server refused Switchyard's credentials to ${target.verb} ${what} (${answer}), a newly signed EKS token too: ` +
        "the function's role has no EKS access entry on the cluster (or it was just created and has not propagated); check `aws eks list-access-entries`",
      { retryable: true, cause: error },
    );
  }
  const denial = status.code === 403 ? webhookDenial(status.message) : undefined;
  if (denial !== undefined) {
    return new KubernetesRejectedError(
      `the API server refused to ${target.verb} ${what}: its admission webhook "${denial.webhook}" denied the change (${answer}): ${denial.reason}. ` +
        `This is the webhook judging the object, not RBAC (deploy/rbac.yaml is not the fix): correct what the webhook names${advice(denial.webhook)}, then let the next evaluation try again`,
      { cause: error },
    );
  }
  if (status.code === 403) {
    return new KubernetesForbiddenError(
      `cannot ${target.verb} ${what}: the Role bound to Switchyard's access-entry group needs ${rbacRule(target)} (see deploy/rbac.yaml); the API server said: ${status.message}`,
      { cause: error },
    );
  }
  if (status.code === 404) {
    const named = target.configField === undefined ? "" : `; ${target.configField} in the config names it`;
    return new KubernetesNotFoundError(
      `${what} not found${named}: fix the name or namespace in the config, or create the object`,
      { cause: error },
    );
  }
  if (status.code === 409) {
    return new KubernetesConflictError(`cannot ${target.verb} ${what} (${answer}): ${status.message}`, {
      cause: error,
    });
  }
  if (status.code === 429 || status.code >= 500) {
    return new KubernetesUnavailableError(
      `the API server could not ${target.verb} ${what} (${answer}): ${status.message}; retry later`,
      { cause: error },
    );
  }
  return new KubernetesRejectedError(
    `the API server refused to ${target.verb} ${what} (${answer}): ${status.message}`,
    { cause: error },
  );
}
