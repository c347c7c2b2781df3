import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EksClusterAccess, ElbLoadBalancerLocator, ElbRoutingVerifier } from "@switchyard/adapters";
import { runStep, type VerificationResult, verifyRouting } from "@switchyard/controller";
import type { RoutingVerifier } from "@switchyard/core";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { logger } from "./shared/logger.ts";
import { stepDeps } from "./shared/step-runtime.ts";
import { systemClock } from "./shared/system-clock.ts";

export const awsActions = awsActionsOf([EksClusterAccess, ElbLoadBalancerLocator, ElbRoutingVerifier]);

const elb = new ElasticLoadBalancingV2Client({});
let verifier: RoutingVerifier | undefined;

/** VerifyAlb: the workflow state → the ALB rule's weights match, and the alert to send. */
export async function handler(state: unknown): Promise<VerificationResult> {
  return runStep("verify-routing", logger, async () => {
    const deps = await stepDeps();
    verifier ??= new ElbRoutingVerifier({
      client: elb,
      locator: new ElbLoadBalancerLocator({
        client: elb,
        clusterName: deps.config.cluster.name,
        clock: systemClock,
        logger,
      }),
      logger,
    });
    return verifyRouting(state, { ...deps, verifier });
  });
}
