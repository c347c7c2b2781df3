import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  EksClusterAccess,
  ElbLoadBalancerLocator,
  ElbRoutingVerifier,
  ElbTargetHealthReader,
} from "@switchyard/adapters";
import { runStep, type VerificationResult, verifyRouting } from "@switchyard/controller";
import type { RoutingVerifier, TargetHealthReader } from "@switchyard/core/ports";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";
import { systemClock } from "./shared/system-clock.ts";

export const awsActions = awsActionsOf([
  EksClusterAccess,
  ElbLoadBalancerLocator,
  ElbRoutingVerifier,
  ElbTargetHealthReader,
]);

const elb = new ElasticLoadBalancingV2Client({});
let adapters: { verifier: RoutingVerifier; targetHealth: TargetHealthReader } | undefined;

/** VerifyAlb: the workflow state → the ALB rule's weights match and its targets serve, and the alert to send. */
export async function handler(state: unknown): Promise<VerificationResult> {
  return runStep("verify-routing", logger, async () => {
    const deps = await stepDeps();
    if (adapters === undefined) {
      const locator = new ElbLoadBalancerLocator({
        client: elb,
        clusterName: deps.config.cluster.name,
        clock: systemClock,
        logger,
      });
      adapters = {
        verifier: new ElbRoutingVerifier({ client: elb, locator, logger }),
        targetHealth: new ElbTargetHealthReader({ client: elb, locator, logger }),
      };
    }
    return verifyRouting(state, { ...deps, ...adapters });
  });
}
