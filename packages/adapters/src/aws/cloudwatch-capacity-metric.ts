import {
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "@switchyard/core/deploy";

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
 * - `{Cluster, InstanceType, CapacityType, AvailabilityZone}`, for a signal that says either: the
 *   reader reads it back for the instance types of units on Spot or with zones, whose
 *   zones it knows from the config (so every value can be named in a query), and keeps
 *   the rest of `{Cluster, InstanceType}` as signals of unknown capacity type and zone. A value a
 *   signal does not say is written as `unknown`.
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
  capacityTypeDimension: SWITCHYARD_METRIC_DIMENSIONS.capacityType,
  availabilityZoneDimension: SWITCHYARD_METRIC_DIMENSIONS.availabilityZone,
  /** The value of a detail dimension a signal does not say. */
  unknown: "unknown",
  /** The capacity types a detail query names. */
  capacityTypes: ["spot", "on-demand", "unknown"],
} as const;
