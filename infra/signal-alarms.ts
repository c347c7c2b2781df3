import type { SwitchyardConfig } from "@switchyard/core";
import {
  EVALUATE_METRICS_SERVICE,
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "@switchyard/core/deploy";

/** An alarm on one of the evaluate function's EMF metrics: ALARM once when it appears, OK once when it stops. */
function evaluateMetricAlarm(
  name: string,
  config: SwitchyardConfig,
  alerts: sst.aws.SnsTopic,
  metricName: string,
  alarmDescription: string,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription,
    namespace: SWITCHYARD_METRIC_NAMESPACE,
    metricName,
    // Powertools' default dimension and this cluster's name: another cluster's stack in
    // the same account and Region writes the same metrics under its own.
    dimensions: {
      service: EVALUATE_METRICS_SERVICE,
      [SWITCHYARD_METRIC_DIMENSIONS.cluster]: config.cluster.name,
    },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    // The metric is written only while the problem lasts: no datapoint is no problem.
    treatMissingData: "notBreaching",
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
}

/**
 * The signal problems that never move traffic but need an operator (docs/operations.md,
 * Fault table): launches EC2 refused for a quota, a full subnet or an unsupported offering
 * (every unit launches under the same quota and subnets, so failing over would not help),
 * and a Region where no CloudTrail trail delivers the events the capacity rules match.
 */
export function createSignalAlarms(
  config: SwitchyardConfig,
  alerts: sst.aws.SnsTopic,
): aws.cloudwatch.MetricAlarm[] {
  return [
    evaluateMetricAlarm(
      "LaunchBlockedAlarm",
      config,
      alerts,
      SWITCHYARD_METRICS.launchBlocked,
      'Switchyard: EC2 refused launches for a quota, subnet or offering reason (no failover). The evaluate function\'s log line "launch blocked" names the code, instance type, zone and the fix; see docs/operations.md, Fault table.',
    ),
    evaluateMetricAlarm(
      "CapacityTrailMissingAlarm",
      config,
      alerts,
      SWITCHYARD_METRICS.trailMissing,
      'Switchyard: no CloudTrail trail delivers EC2 write management events in the cluster\'s Region, so the CreateFleet/RunInstances capacity rules never fire. The evaluate function\'s log line "capacity rules cannot fire" says why and the fix; see docs/operations.md, "CloudTrail trail".',
    ),
  ];
}
