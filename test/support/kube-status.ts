/**
 * `metav1.Status` bodies exactly as the API server writes them
 * (k8s.io/apimachinery/pkg/api/errors/errors.go), so the adapter under test parses
 * what it would parse in a cluster.
 */
import { qualifiedResource } from "./kube-resources.ts";

export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure";
  readonly message: string;
  readonly reason: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly causes?: readonly StatusCause[];
    readonly retryAfterSeconds?: number;
  };
  readonly code: number;
}

interface Target {
  readonly group: string;
  readonly plural: string;
  readonly name: string;
}

export function status(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody["details"],
): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/** Go's json.Marshal drops empty strings from StatusDetails (omitempty). */
function detailsOf(target: Target): NonNullable<StatusBody["details"]> {
  return {
    ...(target.name === "" ? {} : { name: target.name }),
    ...(target.group === "" ? {} : { group: target.group }),
    kind: target.plural,
  };
}

/** A path that names no resource the server serves. */
export function unknownPath(): StatusBody {
  return status(404, "NotFound", "the server could not find the requested resource", {});
}

/** errors.NewNotFound */
export function notFound(target: Target): StatusBody {
  return status(
    404,
    "NotFound",
    `${qualifiedResource(target)} "${target.name}" not found`,
    detailsOf(target),
  );
}

/** errors.NewConflict with the registry's optimistic-lock message (storage.ErrConflict). */
export function conflict(target: Target): StatusBody {
  return status(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(target)} "${target.name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(target),
  );
}

/** errors.NewAlreadyExists: a create of a name that is taken. */
export function alreadyExists(target: Target): StatusBody {
  return status(
    409,
    "AlreadyExists",
    `${qualifiedResource(target)} "${target.name}" already exists`,
    detailsOf(target),
  );
}

/**
 * errors.NewForbidden wrapping the RBAC authorizer's reason. A LIST has no name, so
 * the message starts with the bare resource.
 */
export function forbidden(
  target: Target & { readonly verb: string; readonly namespace: string; readonly user: string },
): StatusBody {
  const subject =
    target.name === "" ? qualifiedResource(target) : `${qualifiedResource(target)} "${target.name}"`;
  return status(
    403,
    "Forbidden",
    `${subject} is forbidden: User "${target.user}" cannot ${target.verb} resource "${target.plural}" in API group "${target.group}" in the namespace "${target.namespace}"`,
    detailsOf(target),
  );
}

/**
 * A validating webhook's denial as the API server returns it: the webhook answers
 * `Denied(err.Error())` with code 403 and reason Forbidden (controller-runtime
 * pkg/webhook/admission/response.go `ValidationResponse`, v0.23.3, which KEDA 2.20 pins),
 * and the API server prefixes the message with `admission webhook "<name>" denied the
 * request: ` (kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go
 * `ToStatusErr`; a later revision of the same function, which takes the request's
 * attributes, also puts `<resource> "<name>" is forbidden: ` in front: the adapter reads both).
 */
export function webhookDenied(webhook: string, message: string): StatusBody {
  return status(403, "Forbidden", `admission webhook "${webhook}" denied the request: ${message}`);
}

/** The authenticator's answer to a missing or refused bearer token. */
export function unauthorized(): StatusBody {
  return status(401, "Unauthorized", "Unauthorized");
}

export function badRequest(message: string): StatusBody {
  return status(400, "BadRequest", message);
}

/**
 * A JSON patch that does not apply (a failed `test`, a missing path): the handler
 * answers errors.NewGenericServerResponse(422, ...), whose message is generic and
 * whose details are empty (apiserver/pkg/endpoints/handlers/patch.go).
 */
export function jsonPatchNotApplied(): StatusBody {
  return status(422, "Invalid", "the server rejected our request due to an error in our request", {});
}

/** errors.NewInvalid: `<Kind>.<group> "<name>" is invalid: <field>: Invalid value: ...`. */
export function invalid(
  target: { readonly group: string; readonly kind: string; readonly name: string },
  causes: readonly StatusCause[],
): StatusBody {
  const qualifiedKind = target.group === "" ? target.kind : `${target.kind}.${target.group}`;
  const list = causes.map((c) => `${c.field ?? ""}: ${c.message}`);
  const joined = list.length === 1 ? (list[0] ?? "") : `[${list.join(", ")}]`;
  return status(422, "Invalid", `${qualifiedKind} "${target.name}" is invalid: ${joined}`, {
    name: target.name,
    ...(target.group === "" ? {} : { group: target.group }),
    kind: target.kind,
    causes,
  });
}

/** negotiation.NewUnsupportedMediaTypeError */
export function unsupportedMediaType(accepted: readonly string[]): StatusBody {
  return status(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function methodNotAllowed(
  verb: string,
  target: { readonly group: string; readonly plural: string },
): StatusBody {
  return status(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qualifiedResource(target)}"`,
    detailsOf({ ...target, name: "" }),
  );
}

/** The shape a test-injected fault answers with, following NewGenericServerResponse's reasons. */
export function injected(code: number, message: string, target: Target): StatusBody {
  switch (code) {
    case 403:
      return status(403, "Forbidden", message);
    case 404:
      return notFound(target);
    case 409:
      return conflict(target);
    case 415:
      return unsupportedMediaType([message]);
    case 422:
      return jsonPatchNotApplied();
    case 429:
      return status(429, "TooManyRequests", `Too many requests: ${message}`, { retryAfterSeconds: 1 });
    case 500:
      return status(500, "InternalError", `Internal error occurred: ${message}`, {
        causes: [{ message }],
      });
    case 503:
      return status(503, "ServiceUnavailable", message);
    case 504:
      return status(504, "Timeout", `Timeout: ${message}`);
    default:
      return status(code, "Unknown", message);
  }
}
