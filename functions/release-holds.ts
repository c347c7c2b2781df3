import { EksClusterAccess } from "@switchyard/adapters";
import { type HoldsRelease, releaseHolds, runStep } from "@switchyard/controller";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";

export const awsActions = awsActionsOf([EksClusterAccess]);

/** ReleaseReceivers: the workflow state, receiverHoldSeconds after traffic moved → the holds lifted. */
export async function handler(state: unknown): Promise<HoldsRelease> {
  return runStep("release-holds", logger, async () => releaseHolds(state, await stepDeps()));
}
