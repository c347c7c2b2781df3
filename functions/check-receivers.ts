import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EksClusterAccess, ElbLoadBalancerLocator, ElbTargetHealthReader } from "@switchyard/adapters";
import { checkReceivers, type ReceiversCheck, runStep } from "@switchyard/controller";
import type { TargetHealthReader } from "@switchyard/core/ports";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";
import { systemClock } from "./shared/system-clock.ts";

export const awsActions = awsActionsOf([EksClusterAccess, ElbTargetHealthReader]);

const elb = new ElasticLoadBalancingV2Client({});
let targetHealth: TargetHealthReader | undefined;

/** One check of WaitForReceivers: the workflow state → are the receiving units and their target groups ready. */
export async function handler(state: unknown): Promise<ReceiversCheck> {
  return runStep("check-receivers", logger, async () => {
    const deps = await stepDeps();
    targetHealth ??= new ElbTargetHealthReader({
      client: elb,
      locator: new ElbLoadBalancerLocator({
        client: elb,
        clusterName: deps.config.cluster.name,
        clock: systemClock,
        logger,
      }),
      logger,
    });
    return checkReceivers(state, { ...deps, targetHealth });
  });
}
