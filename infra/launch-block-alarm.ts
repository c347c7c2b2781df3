import { SWITCHYARD_METRIC_NAMESPACE } from "@switchyard/core";
import { LAUNCH_BLOCKED_METRIC } from "../functions/shared/evaluation-metrics.ts";

/**
 * Alerts once when EC2 refuses launches for a quota, a full subnet or an unsupported
 * offering (the evaluate function's LaunchBlocked metric), and once when it stops: these
 * never fail a service over, since every unit launches under the same quota and
 * subnets, so the alarm is how an operator hears of them (docs/operations.md).
 */
export function createLaunchBlockAlarm(alerts: sst.aws.SnsTopic): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm("LaunchBlockedAlarm", {
    alarmDescription:
      'Switchyard: EC2 refused launches for a quota, subnet or offering reason (no failover). The evaluate function\'s log line "launch blocked" names the code, instance type, zone and the fix; see docs/operations.md, Fault table.',
    namespace: SWITCHYARD_METRIC_NAMESPACE,
    metricName: LAUNCH_BLOCKED_METRIC,
    // Powertools' default dimension, the only one the metric carries.
    dimensions: { service: "switchyard" },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    // No datapoint is no refusal: the metric is written only when a launch was refused.
    treatMissingData: "notBreaching",
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
}
