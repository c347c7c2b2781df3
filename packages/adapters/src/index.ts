export { CloudTrailTrailReader } from "./aws/cloudtrail-trail-reader.ts";
export { CloudWatchCapacityRecorder } from "./aws/cloudwatch-capacity-recorder.ts";
export { CloudWatchDemandHistoryReader } from "./aws/cloudwatch-demand-history.ts";
export { CloudWatchForecastRecord, type RecordedForecast } from "./aws/cloudwatch-forecast-record.ts";
export { CloudWatchMetricsReader } from "./aws/cloudwatch-metrics-reader.ts";
export { Ec2InstanceTypeResolver, type Ec2Sdk } from "./aws/ec2-instance-type-resolver.ts";
export { EksClusterAccess } from "./aws/eks-cluster-access.ts";
export { ElbLoadBalancerLocator } from "./aws/elb-load-balancer-locator.ts";
export { ElbRoutingVerifier } from "./aws/elb-routing-verifier.ts";
export { ElbTargetHealthReader } from "./aws/elb-target-health.ts";
export { SfnSwitchStarter, type SwitchExecution } from "./aws/sfn-switch-starter.ts";
export {
  AwsCallError,
  ClusterAccessError,
  KubernetesForbiddenError,
  KubernetesUnavailableError,
} from "./errors.ts";
export { KubernetesClusterGateway } from "./kube/cluster-gateway.ts";
export { eksKubeConfig } from "./kube/kube-config.ts";
