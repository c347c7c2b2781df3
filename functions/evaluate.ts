import { Metrics } from "@aws-lambda-powertools/metrics";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SFNClient } from "@aws-sdk/client-sfn";
import {
  CloudTrailTrailReader,
  CloudWatchCapacityRecorder,
  CloudWatchDemandHistoryReader,
  CloudWatchMetricsReader,
  Ec2InstanceTypeResolver,
  type Ec2Sdk,
  EksClusterAccess,
  ElbLoadBalancerLocator,
  SfnSwitchStarter,
} from "@switchyard/adapters";
import { type EvaluationDeps, type EvaluationReport, evaluate, runStep } from "@switchyard/controller";
import { type SwitchyardConfig, trailMissingMessage } from "@switchyard/core";
import { EVALUATE_METRICS_SERVICE, SWITCHYARD_METRIC_NAMESPACE } from "@switchyard/core/deploy";
import { awsActionsOf } from "./shared/aws-actions.ts";
import { clusterGateway } from "./shared/cluster-runtime.ts";
import { deployedConfig } from "./shared/deployed-config.ts";
import { evaluationCauseOf } from "./shared/evaluation-cause.ts";
import { publishEvaluationMetrics } from "./shared/evaluation-metrics.ts";
import { logger } from "./shared/logger.ts";
import { systemClock } from "./shared/system-clock.ts";

/** The AWS actions this function calls, declared next to the adapters that call them. */
export const awsActions = awsActionsOf([
  CloudWatchMetricsReader,
  CloudWatchDemandHistoryReader,
  CloudWatchCapacityRecorder,
  Ec2InstanceTypeResolver,
  ElbLoadBalancerLocator,
  SfnSwitchStarter,
  EksClusterAccess,
  CloudTrailTrailReader,
]);

// Clients and adapters live as long as the container: the locator's and the EKS
// token's caches make the per-minute evaluation cheap.
const cloudwatch = new CloudWatchClient({});
// Only a Spot interruption warning, and units on Spot with zones (where their nodes stand),
// need EC2: its SDK loads on those paths, once per container.
let ec2: Promise<Ec2Sdk> | undefined;
const ec2Sdk = () => {
  ec2 ??= import("./shared/ec2-sdk.ts").then(({ EC2Client, DescribeInstancesCommand }) => ({
    client: new EC2Client({}),
    DescribeInstancesCommand,
  }));
  return ec2;
};
const elb = new ElasticLoadBalancingV2Client({});
const sfn = new SFNClient({});
const cloudtrail = new CloudTrailClient({});
const metrics = new Metrics({
  namespace: SWITCHYARD_METRIC_NAMESPACE,
  serviceName: EVALUATE_METRICS_SERVICE,
});
let deps: EvaluationDeps | undefined;

function depsFor(config: SwitchyardConfig): EvaluationDeps {
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (stateMachineArn === undefined || stateMachineArn === "") {
    throw new Error(
      "STATE_MACHINE_ARN is not set: the evaluate function is deployed by infra/controller.ts with it",
    );
  }
  if (deps !== undefined) {
    return deps;
  }
  const ec2Resolver = new Ec2InstanceTypeResolver({ sdk: ec2Sdk, logger });
  deps = {
    clock: systemClock,
    metrics: new CloudWatchMetricsReader({ client: cloudwatch, cluster: config.cluster.name, logger }),
    history: new CloudWatchDemandHistoryReader({ client: cloudwatch, logger }),
    recorder: new CloudWatchCapacityRecorder({ client: cloudwatch, cluster: config.cluster.name, logger }),
    instanceTypes: ec2Resolver,
    placement: ec2Resolver,
    locator: new ElbLoadBalancerLocator({
      client: elb,
      clusterName: config.cluster.name,
      clock: systemClock,
      logger,
    }),
    switches: new SfnSwitchStarter({ client: sfn, stateMachineArn, logger }),
    trail: new CloudTrailTrailReader({ client: cloudtrail, clock: systemClock, logger }),
    cluster: clusterGateway(config),
    logger,
  };
  return deps;
}

export interface EvaluateResult {
  readonly trigger: string;
  /** Launches refused for a quota, subnet or offering reason: `<code> <type> <zone>: <fix>`. */
  readonly launchBlocks: readonly string[];
  /** Why the event's signals did not count (another Region, another cluster's instance). */
  readonly ignored: readonly string[];
  /** Set when no CloudTrail trail delivers the capacity rules' events: what is wrong and the fix. */
  readonly trailProblem: string | null;
  readonly services: readonly {
    readonly service: string;
    readonly decision: string;
    readonly execution: string | null;
    /** STARTED by this evaluation, or the status of the execution that already had the name or was running. */
    readonly status: string | null;
  }[];
}

function executionStatus(evaluation: EvaluationReport["services"][number]): string | null {
  if (evaluation.execution !== null) {
    return evaluation.execution.started ? "STARTED" : (evaluation.execution.status ?? "RUNNING");
  }
  return evaluation.skippedForRunning === null ? null : "RUNNING";
}

/** EventBridge schedule (1 min), CloudTrail capacity errors and Spot warnings all land here. */
export async function handler(event: unknown): Promise<EvaluateResult> {
  return runStep("evaluate", logger, async () => {
    const config = await deployedConfig();
    const report = await evaluate(config, evaluationCauseOf(event), depsFor(config));
    publishEvaluationMetrics(metrics, report, config.cluster.name);
    return {
      trigger: report.trigger,
      launchBlocks: report.launchBlocks.map(
        (b) =>
          `${b.code} ${b.instanceType ?? "(no instance type)"} ${b.availabilityZone ?? b.subnetId ?? "(no zone)"}: ${b.fix}`,
      ),
      ignored: report.ignored,
      trailProblem: report.trail?.kind === "missing" ? trailMissingMessage(report.trail) : null,
      services: report.services.map((s) => ({
        service: s.service,
        decision: s.decision.kind,
        execution: s.execution?.name ?? s.skippedForRunning,
        status: executionStatus(s),
      })),
    };
  });
}
