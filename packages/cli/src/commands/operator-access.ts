import { Logger } from "@aws-lambda-powertools/logger";
import { EKSClient } from "@aws-sdk/client-eks";
import { ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
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
import type { SwitchyardConfig } from "@switchyard/core";
import type { ClusterGateway } from "@switchyard/core/ports";
import { UnreachableError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import type { DeployedStack, FindStateMachine } from "./deployed-stack.ts";

/** The adapters log for CloudWatch; on a terminal their JSON lines would bury the command's output. */
const silent = new Logger({ serviceName: "switchyard-cli", logLevel: "SILENT" });

type Credentials = ReturnType<typeof defaultProvider>;

/** What every live command (status, pin, unpin) takes besides its own options. */
export interface LiveOptions {
  /** `--region`: the cluster's and the stack's Region, instead of the config's cluster.region. */
  readonly region?: string;
  /** `--profile`: a named profile of the shared AWS config and credentials files, instead of the default chain's. */
  readonly profile?: string;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/**
 * The config as a live command uses it: `--region` in place of `cluster.region` (the
 * same cluster name in another Region, as the AWS CLI's `--region` means), checked first.
 */
export function inRegion(config: SwitchyardConfig, options: LiveOptions): SwitchyardConfig {
  if (options.region === undefined) {
    return config;
  }
  if (!REGION.test(options.region)) {
    throw new UsageError(
      `--region ${JSON.stringify(options.region)} is not an AWS Region code such as us-west-2 or eu-central-1`,
    );
  }
  return { ...config, cluster: { ...config.cluster, region: options.region } };
}

/**
 * The operator's AWS credentials, from the SDK's default chain (environment, AWS_PROFILE
 * and SSO, the shared files, a container or instance role) or `--profile`'s named profile,
 * resolved once up front so that missing credentials are one clear error, not a
 * DescribeCluster failure.
 */
export async function operatorCredentials(options: LiveOptions = {}): Promise<Credentials> {
  const credentials = defaultProvider(options.profile === undefined ? {} : { profile: options.profile });
  try {
    await credentials();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnreachableError(
      options.profile === undefined
        ? `no AWS credentials (${reason}): pass --profile NAME or set AWS_PROFILE (after \`aws sso login\` or \`aws configure\`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and check with \`aws sts get-caller-identity\``
        : `no AWS credentials for --profile ${options.profile} (${reason}): check the profile in ~/.aws/config and ~/.aws/credentials (\`aws configure list --profile ${options.profile}\`, \`aws sso login --profile ${options.profile}\`)`,
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
 * Finds a state machine by name among the account's in a Region (ListStateMachines, every
 * page): how `status --stage` finds a stage's stack from any folder.
 */
export function stateMachineFinder(credentials: Credentials): FindStateMachine {
  return async (name, region) => {
    const client = new SFNClient({ region, credentials });
    let nextToken: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListStateMachinesCommand({
            maxResults: 1000,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        );
        const found = page.stateMachines?.find((machine) => machine.name === name);
        if (found?.stateMachineArn !== undefined) {
          return found.stateMachineArn;
        }
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return null;
    } catch (error) {
      throw new UnreachableError(
        `cannot list the state machines in ${region} to find ${name}: ${error instanceof Error ? error.message : String(error)} (From this machine: your identity needs states:ListStateMachines, or pass --state-machine-arn ARN.)`,
        { cause: error },
      );
    }
  };
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
