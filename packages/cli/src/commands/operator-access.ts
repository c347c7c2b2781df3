import { Logger } from "@aws-lambda-powertools/logger";
import { EKSClient } from "@aws-sdk/client-eks";
import { SFNClient } from "@aws-sdk/client-sfn";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import {
  AwsCallError,
  ClusterAccessError,
  EksClusterAccess,
  eksKubeConfig,
  KubernetesClusterGateway,
  KubernetesForbiddenError,
  KubernetesUnavailableError,
  SfnSwitchStarter,
} from "@switchyard/adapters";
import type { ClusterGateway, SwitchyardConfig } from "@switchyard/core";
import { UnreachableError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import type { DeployedStack } from "./deployed-stack.ts";

/** The adapters log for CloudWatch; on a terminal their JSON lines would bury the command's output. */
const silent = new Logger({ serviceName: "switchyard-cli", logLevel: "SILENT" });

type Credentials = ReturnType<typeof defaultProvider>;

/**
 * The operator's AWS credentials, from the SDK's default chain (environment, AWS_PROFILE
 * and SSO, the shared files, a container or instance role), resolved once up front so
 * that missing credentials are one clear error, not a DescribeCluster failure.
 */
export async function operatorCredentials(): Promise<Credentials> {
  const credentials = defaultProvider();
  try {
    await credentials();
  } catch (error) {
    throw new UnreachableError(
      `no AWS credentials (${error instanceof Error ? error.message : String(error)}): set AWS_PROFILE (after \`aws sso login\` or \`aws configure\`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and check with \`aws sts get-caller-identity\``,
      { cause: error },
    );
  }
  return credentials;
}

/** The cluster as the deployed functions reach it: DescribeCluster, a presigned-STS token, client-node. */
export function operatorCluster(
  config: SwitchyardConfig,
  credentials: Credentials,
  io: CliIo,
): ClusterGateway {
  const { name, region } = config.cluster;
  const access = new EksClusterAccess({
    client: new EKSClient({ region, credentials }),
    clusterName: name,
    region,
    credentials,
    clock: { now: () => io.now().getTime() },
    logger: silent,
  });
  return new KubernetesClusterGateway({ kubeConfig: eksKubeConfig(access), logger: silent });
}

/** The mode-switch state machine's history, read as evaluate reads it. */
export function operatorSwitches(stack: DeployedStack, credentials: Credentials): SfnSwitchStarter {
  // The ARN's region, not the config's: the stack may have been deployed elsewhere.
  return new SfnSwitchStarter({
    client: new SFNClient({ region: stack.region, credentials }),
    stateMachineArn: stack.stateMachineArn,
    logger: silent,
  });
}

/**
 * Runs one read or write of the cluster, turning "cannot get there" into an
 * UnreachableError (exit 4) that says what to check from an operator's machine; the
 * adapter's own message, written for the deployed functions, follows.
 */
export async function onCluster<T>(config: SwitchyardConfig, operation: () => Promise<T>): Promise<T> {
  const { name, region } = config.cluster;
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ClusterAccessError) {
      throw new UnreachableError(
        `cannot reach EKS cluster ${name} in ${region}: ${error.message} (From this machine: your identity, \`aws sts get-caller-identity\`, needs eks:DescribeCluster and an access entry on the cluster, \`aws eks list-access-entries --cluster-name ${name} --region ${region}\`.)`,
        { cause: error },
      );
    }
    if (error instanceof KubernetesUnavailableError) {
      throw new UnreachableError(
        `cannot reach EKS cluster ${name} in ${region}: ${error.message} (From this machine: the endpoint must allow public access or this machine must be in the cluster's network, \`aws eks describe-cluster --name ${name} --region ${region} --query cluster.resourcesVpcConfig\`.)`,
        { cause: error },
      );
    }
    if (error instanceof KubernetesForbiddenError) {
      throw new UnreachableError(
        `EKS cluster ${name} refused the request: ${error.message} (From this machine: the Kubernetes groups of your own access entry need that rule.)`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Runs one Step Functions read, as `onCluster` does for the cluster. */
export async function onStateMachine<T>(stateMachineArn: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AwsCallError) {
      throw new UnreachableError(
        `cannot read the mode-switch executions of ${stateMachineArn}: ${error.message} (From this machine: your identity needs states:ListExecutions, states:DescribeExecution and states:GetExecutionHistory on it; a wrong stage or a removed stack shows as StateMachineDoesNotExist.)`,
        { cause: error },
      );
    }
    throw error;
  }
}
