import { EksClusterAccess } from "@switchyard/adapters";
import { checkReceivers, type ReceiversCheck } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { runStep } from "./shared/step-errors.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** One check of WaitForReceivers: the workflow state → are the receiving units ready. */
export async function handler(state: unknown): Promise<ReceiversCheck> {
  return runStep("check-receivers", async () => checkReceivers(state, await stepDeps()));
}
