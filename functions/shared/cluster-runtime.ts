import { EKSClient } from "@aws-sdk/client-eks";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { EksClusterAccess, eksKubeConfig, KubernetesClusterGateway } from "@switchyard/adapters";
import type { SwitchyardConfig } from "@switchyard/core";
import type { ClusterGateway } from "@switchyard/core/ports";
import { logger } from "./logger.ts";
import { systemClock } from "./system-clock.ts";

let eks: EKSClient | undefined;
let gateway: { readonly cluster: string; readonly gateway: ClusterGateway } | undefined;

/**
 * The cluster gateway of this container: the EKS endpoint and CA are read once, the
 * bearer token is renewed before its 15 minutes run out, or at once when the API server
 * refuses it (EksClusterAccess caches both).
 */
export function clusterGateway(config: SwitchyardConfig): ClusterGateway {
  if (gateway === undefined || gateway.cluster !== config.cluster.name) {
    eks ??= new EKSClient({});
    const access = new EksClusterAccess({
      client: eks,
      clusterName: config.cluster.name,
      region: config.cluster.region,
      credentials: defaultProvider(),
      clock: systemClock,
      logger,
    });
    gateway = {
      cluster: config.cluster.name,
      gateway: new KubernetesClusterGateway({
        kubeConfig: eksKubeConfig(access),
        logger,
        // The Events' reportingInstance: which function wrote them (set by the Lambda runtime).
        ...(process.env.AWS_LAMBDA_FUNCTION_NAME === undefined
          ? {}
          : { reportingInstance: process.env.AWS_LAMBDA_FUNCTION_NAME }),
      }),
    };
  }
  return gateway.gateway;
}
