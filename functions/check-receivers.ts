import { EksClusterAccess } from "@switchyard/adapters";
import { checkReceivers, type ReceiversCheck, runStep } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** One check of WaitForReceivers: the workflow state → are the receiving units ready. */
export async function handler(state: unknown): Promise<ReceiversCheck> {
  return runStep("check-receivers", logger, async () => checkReceivers(state, await stepDeps()));
}
