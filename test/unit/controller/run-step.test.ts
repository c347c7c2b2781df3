import { KubernetesUnavailableError } from "@switchyard/adapters";
import { runStep } from "@switchyard/controller";
import { describe, expect, it } from "vitest";
import {
  KubernetesConflictError,
  KubernetesRejectedError,
  MetricsUnavailableError,
} from "../../../packages/adapters/src/errors.ts";
import { SwitchInputError, TransientError } from "../../../packages/controller/src/errors.ts";
import type { ControllerLogger } from "../../../packages/controller/src/logger.ts";
import { workflowErrorOf } from "../../../packages/controller/src/run-step.ts";
import { RETRIED_ERRORS } from "../../../packages/core/src/workflow/step-table.ts";
import { ConflictError, PatchRejectedError } from "../../../packages/sim/src/errors.ts";

/** A logger that keeps what it was told. */
function recordingLogger(): ControllerLogger & { readonly errors: unknown[][] } {
  const errors: unknown[][] = [];
  return { debug: () => {}, info: () => {}, warn: () => {}, error: (...args) => errors.push(args), errors };
}

describe("Function: workflowErrorOf", () => {
  it.each([
    [
      "an adapter's 409 that kept coming back",
      new KubernetesConflictError("Ingress changed on each of 4 attempts"),
    ],
    ["an API server that did not answer", new KubernetesUnavailableError("no answer from the API server")],
    ["CloudWatch throttling", new MetricsUnavailableError("GetMetricData failed")],
    ["the simulated API's 409", new ConflictError("Ingress default/sd21: the object has been modified")],
  ])("hands %s to the workflow as TransientError, with the error as its cause", (_, error) => {
    // Act
    const handed = workflowErrorOf(error);

    // Assess
    expect(handed).toBeInstanceOf(TransientError);
    expect((handed as TransientError).name).toBe(RETRIED_ERRORS.transient);
    expect((handed as TransientError).message).toBe(`${error.name}: ${error.message}`);
    expect((handed as TransientError).cause).toBe(error);
  });

  it.each([
    ["a refused patch", new KubernetesRejectedError("the API server refused to patch")],
    ["the simulated API's 422", new PatchRejectedError("ScaledObject x: the JSON patch was refused")],
    ["a bad step input", new SwitchInputError("the mode-switch input is not one evaluate writes")],
    ["an error that is already TransientError", new TransientError("KubernetesConflictError: m")],
    ["an error not of ours", new TypeError("x is undefined")],
  ])("hands %s on as it is, for the Catch to match by its own name", (_, error) => {
    expect(workflowErrorOf(error)).toBe(error);
  });
});

describe("Function: runStep", () => {
  it("returns the step's result", async () => {
    expect(await runStep("plan-switch", recordingLogger(), async () => ({ plan: 1 }))).toEqual({ plan: 1 });
  });

  it("logs a failure with its step and rethrows it under the name the workflow matches", async () => {
    // Prepare
    const logger = recordingLogger();
    const conflict = new KubernetesConflictError("Ingress changed on each of 4 attempts");

    // Act
    const thrown = await runStep("apply-routing", logger, async () => {
      throw conflict;
    }).catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(TransientError);
    expect((thrown as Error).cause).toBe(conflict);
    expect(logger.errors).toEqual([["step failed", { step: "apply-routing", error: conflict }]]);
  });
});
