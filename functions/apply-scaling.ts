import { EksClusterAccess } from "@switchyard/adapters";
import { applyScaling, runStep, type ScalingResult } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** ScaleReceivers: the workflow state → the KEDA target changes made. */
export async function handler(state: unknown): Promise<ScalingResult> {
  return runStep("apply-scaling", logger, async () => applyScaling(state, await stepDeps()));
}
