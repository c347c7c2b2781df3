import { SwitchyardError, type SwitchyardErrorOptions } from "@switchyard/core";

/**
 * Something the simulated cluster refuses, as the API server would. `retryable` as the
 * real gateway's error for the same status has it (packages/adapters/src/kube/kube-errors.ts):
 * a 409 may pass on a fresh read, a 422 will not.
 */
export class SimulatedApiError extends SwitchyardError {
  override name = "SimulatedApiError";
  /** The HTTP status the real API server answers with. */
  readonly status: number;

  constructor(message: string, options: SwitchyardErrorOptions & { readonly status: number }) {
    super(message, options);
    this.status = options.status;
  }
}

/** 409: the object changed since it was read (resourceVersion moved). */
export class ConflictError extends SimulatedApiError {
  override name = "ConflictError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, status: 409, code: "CONFLICT", retryable: true });
  }
}

/** 422: a JSON patch's `test` op did not hold, or its path does not exist. */
export class PatchRejectedError extends SimulatedApiError {
  override name = "PatchRejectedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, status: 422, code: "PATCH_REJECTED" });
  }
}

/** A policy name the simulator does not know. */
export class UnknownPolicyError extends SwitchyardError {
  override name = "UnknownPolicyError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "UNKNOWN_POLICY" });
  }
}
