import {
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "@switchyard/core";

/**
 * The custom metric that carries capacity signals from one evaluation to the next, and
 * onto dashboards. The recorder writes it and the metrics reader reads it, so both take
 * its names from here.
 *
 * Each signal is written twice, on two dimension sets, each with the cluster's name
 * (`Cluster`): another cluster's stack in the same account and Region writes the same
 * namespace, and its errors are not this cluster's.
 * - `{Cluster, InstanceType}`: what the reader reads back. CloudWatch does not aggregate across
 *   dimension sets and a GetMetricData query must name every dimension value, so this is
 *   the only set that can be read with one query per instance type whatever the error code
 *   (the codes are an open set: EC2's Insufficient* family, Spot interruptions, Karpenter's
 *   reasons).
 * - `{Cluster, InstanceType, ErrorCode}`: the breakdown by code, for operators and dashboards; the
 *   reader never reads it. It costs custom-metric hours only while errors happen.
 */
export const CAPACITY_METRIC = {
  namespace: SWITCHYARD_METRIC_NAMESPACE,
  metricName: SWITCHYARD_METRICS.capacityErrors,
  clusterDimension: SWITCHYARD_METRIC_DIMENSIONS.cluster,
  instanceTypeDimension: SWITCHYARD_METRIC_DIMENSIONS.instanceType,
  errorCodeDimension: SWITCHYARD_METRIC_DIMENSIONS.errorCode,
  /**
   * The code of a signal read back from `{Cluster, InstanceType}`, where the original codes are not
   * kept: the family's main code, so that anything filtering on isCapacityErrorCode still
   * counts it. The signal's source (`recorded-metric`) and detail say it was read back.
   */
  readBackCode: "InsufficientInstanceCapacity",
} as const;
