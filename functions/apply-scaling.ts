import { EksClusterAccess } from "@switchyard/adapters";
import { applyScaling, type ScalingResult } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { runStep } from "./shared/step-errors.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** ScaleReceivers: the workflow state → the KEDA target changes made. */
export async function handler(state: unknown): Promise<ScalingResult> {
  return runStep("apply-scaling", async () => applyScaling(state, await stepDeps()));
}
