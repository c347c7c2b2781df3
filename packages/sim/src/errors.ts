import { SwitchyardError } from "@switchyard/core";

/** Something the simulated cluster refuses, as the API server would. */
export class SimulatedApiError extends SwitchyardError {
  override name = "SimulatedApiError";
  /** The HTTP status the real API server answers with. */
  readonly status: number;

  constructor(message: string, status: number, code: string) {
    super(message, { code });
    this.status = status;
  }
}

/** 409: the object changed since it was read (resourceVersion moved). */
export class ConflictError extends SimulatedApiError {
  override name = "ConflictError";
  constructor(object: string, expected: string, actual: string) {
    super(
      `${object}: the object has been modified (resourceVersion ${expected} was read, ${actual} is current); read it again and retry`,
      409,
      "CONFLICT",
    );
  }
}

/** 422: a JSON patch's `test` op did not hold, or its path does not exist. */
export class PatchRejectedError extends SimulatedApiError {
  override name = "PatchRejectedError";
  constructor(object: string, reason: string) {
    super(`${object}: the JSON patch was refused: ${reason}`, 422, "PATCH_REJECTED");
  }
}

/** A policy name the simulator does not know. */
export class UnknownPolicyError extends SwitchyardError {
  override name = "UnknownPolicyError";
  constructor(name: string, known: readonly string[]) {
    super(`unknown policy "${name}"; the policies are ${known.join(", ")}`, { code: "UNKNOWN_POLICY" });
  }
}
