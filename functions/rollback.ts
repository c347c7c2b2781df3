import { EksClusterAccess } from "@switchyard/adapters";
import { type RollbackResult, rollback } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { runStep } from "./shared/step-errors.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** Rollback: the workflow state with the caught `error` → what was restored, and the failure alert. */
export async function handler(state: unknown): Promise<RollbackResult> {
  return runStep("rollback", async () => rollback(state, await stepDeps()));
}
