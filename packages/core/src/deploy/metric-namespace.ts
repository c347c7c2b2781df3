/**
 * The CloudWatch namespace of Switchyard's own metrics: the evaluate function's EMF
 * metrics and the recorded capacity errors. The IAM condition on PutMetricData, the
 * alarms and the dashboard name it from here.
 */
export const SWITCHYARD_METRIC_NAMESPACE = "Switchyard";

/**
 * The names of Switchyard's own metrics in that namespace. The writers (the evaluate
 * function's EMF metrics, functions/shared/evaluation-metrics.ts; the capacity recorder,
 * packages/adapters/src/aws/cloudwatch-capacity-metric.ts) and the readers (the metrics
 * reader, the dashboard, the alarms) all take them from here: a rename changes each at once.
 */
export const SWITCHYARD_METRICS = {
  /** 1 while a service is in capacity mode, 0 in cost mode; per Service. */
  capacityMode: "CapacityMode",
  /** The demand the decision planned for; per Service. */
  demandRps: "DemandRps",
  /** Units whose capacity is gone; per Service. */
  unitsWithoutCapacity: "UnitsWithoutCapacity",
  /** The ALB weight of each unit; per Service and Unit. */
  weight: "Weight",
  /** Mode switches started; per Service and Move. */
  switches: "Switches",
  /** Launches refused for a quota, subnet or offering reason (alarmed, never failed over). */
  launchBlocked: "LaunchBlocked",
  /** 1 on each evaluation that finds no CloudTrail trail delivering the capacity rules' events (alarmed). */
  trailMissing: "CapacityTrailMissing",
  /**
   * The demand forecast for the moment a pod started now would be ready (the service's
   * longest startupSeconds ahead), written with that moment as its timestamp so it lines
   * up with DemandRps; per Service.
   */
  forecastRps: "ForecastRps",
  /** The pods each unit's forecast floor asks for (0: no floor); per Service and Unit. */
  replicaFloor: "ReplicaFloor",
  /** Capacity signals kept from one evaluation to the next; per Cluster and InstanceType (and ErrorCode). */
  capacityErrors: "CapacityErrors",
} as const;

/**
 * The dimensions of those metrics. Every metric carries `Cluster` (the config's
 * `cluster.name`): stacks of two clusters in one account and Region share the namespace,
 * and each reads, plots and alarms on its own cluster's series only (IAM cannot keep a
 * role to a dimension: PutMetricData's one condition key is `cloudwatch:namespace`).
 */
export const SWITCHYARD_METRIC_DIMENSIONS = {
  cluster: "Cluster",
  service: "Service",
  unit: "Unit",
  move: "Move",
  instanceType: "InstanceType",
  errorCode: "ErrorCode",
  /** spot, on-demand or unknown: the capacity type of a recorded capacity signal. */
  capacityType: "CapacityType",
  /** A recorded capacity signal's zone, or unknown. */
  availabilityZone: "AvailabilityZone",
} as const;

/**
 * The evaluate function's Powertools `serviceName`: Powertools adds it to every EMF
 * metric as the dimension `service`, which the alarms on LaunchBlocked and
 * CapacityTrailMissing select.
 */
export const EVALUATE_METRICS_SERVICE = "switchyard";
