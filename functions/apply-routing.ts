import { EksClusterAccess } from "@switchyard/adapters";
import { applyRouting, type RoutingResult, runStep } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** ShiftTraffic: the workflow state → the Ingress patch made. */
export async function handler(state: unknown): Promise<RoutingResult> {
  return runStep("apply-routing", logger, async () => applyRouting(state, await stepDeps()));
}
