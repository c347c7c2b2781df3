export { awsErrorName, isTransientAwsError } from "./aws/aws-fault.ts";
export {
  CloudTrailTrailReader,
  type CloudTrailTrailReaderOptions,
  MISSING_TRAIL_RECHECK_MS,
  TRAIL_RECHECK_MS,
} from "./aws/cloudtrail-trail-reader.ts";
export { CAPACITY_METRIC } from "./aws/cloudwatch-capacity-metric.ts";
export {
  CloudWatchCapacityRecorder,
  type CloudWatchCapacityRecorderOptions,
} from "./aws/cloudwatch-capacity-recorder.ts";
export { batchesOf, MAX_DATUMS_PER_CALL, MAX_QUERIES_PER_CALL } from "./aws/cloudwatch-limits.ts";
export {
  CloudWatchMetricsReader,
  type CloudWatchMetricsReaderOptions,
} from "./aws/cloudwatch-metrics-reader.ts";
export {
  cloudWatchStatistic,
  describeQuery,
  PERIOD_SECONDS,
  planMetricQueries,
  type QueryPlan,
  type SeriesRole,
  type UnitField,
} from "./aws/cloudwatch-query-plan.ts";
export { buildSnapshot, type SeriesByQuery, windowMinutes } from "./aws/cloudwatch-snapshot.ts";
export {
  Ec2InstanceTypeResolver,
  type Ec2InstanceTypeResolverOptions,
  type Ec2Sdk,
} from "./aws/ec2-instance-type-resolver.ts";
export {
  type ClusterConnection,
  EksClusterAccess,
  type EksClusterAccessOptions,
} from "./aws/eks-cluster-access.ts";
export {
  type CredentialsSource,
  EKS_TOKEN_PREFIX,
  type EksTokenRequest,
  eksBearerToken,
} from "./aws/eks-token.ts";
export { loadBalancerDimension, targetGroupDimension } from "./aws/elb-dimensions.ts";
export {
  type ForwardRule,
  type ForwardTarget,
  forwardTargetsOf,
  readForwardRules,
} from "./aws/elb-forward-rules.ts";
export {
  ElbLoadBalancerLocator,
  type ElbLoadBalancerLocatorOptions,
  type LocateOptions,
} from "./aws/elb-load-balancer-locator.ts";
export { compareRouting, type RoutingComparison } from "./aws/elb-routing-comparison.ts";
export {
  ElbRoutingVerifier,
  type ElbRoutingVerifierOptions,
  type RefreshableLocator,
} from "./aws/elb-routing-verifier.ts";
export { DESCRIBE_TAGS_MAX_ARNS, LBC_TAGS } from "./aws/elb-tags.ts";
export { ElbTargetHealthReader, type ElbTargetHealthReaderOptions } from "./aws/elb-target-health.ts";
export { summarizeSdkError } from "./aws/sdk-error-summary.ts";
export {
  SfnSwitchStarter,
  type SfnSwitchStarterOptions,
  type SwitchExecution,
  type SwitchHistoryRead,
} from "./aws/sfn-switch-starter.ts";
export * from "./errors.ts";
export { KubernetesClusterGateway, type KubernetesClusterGatewayOptions } from "./kube/cluster-gateway.ts";
export {
  clusterEventOf,
  eventsSince,
  ingressStateOf,
  type ListedEvent,
  type ScaledObjectJson,
  scaledObjectStateOf,
  scalingTargetOf,
  unitWorkloads,
} from "./kube/cluster-state.ts";
export {
  type ClusterEndpoint,
  eksKubeConfig,
  type KubeConfigSource,
  kubeConfigFor,
} from "./kube/kube-config.ts";
export { kubernetesError, statusCodeOf } from "./kube/kube-errors.ts";
export {
  describeTarget,
  KUBE_RESOURCES,
  type KubeResource,
  type KubeTarget,
  type KubeVerb,
  qualifiedResource,
  rbacRule,
} from "./kube/kube-target.ts";
