import { EksClusterAccess } from "@switchyard/adapters";
import { type RollbackResult, rollback, runStep } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** Rollback: the workflow state with the caught `error` → what was restored, and the failure alert. */
export async function handler(state: unknown): Promise<RollbackResult> {
  return runStep("rollback", logger, async () => rollback(state, await stepDeps()));
}
