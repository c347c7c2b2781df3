import { EksClusterAccess } from "@switchyard/adapters";
import { planSwitch, runStep, type SwitchPlan } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** Plan: `{ input: <execution input>, executionArn: $$.Execution.Id }` → the switch plan. */
export async function handler(event: {
  input?: unknown;
  executionArn?: string;
}): Promise<{ plan: SwitchPlan }> {
  return runStep("plan-switch", logger, async () => ({
    plan: await planSwitch(event.input, event.executionArn ?? null, await stepDeps()),
  }));
}
