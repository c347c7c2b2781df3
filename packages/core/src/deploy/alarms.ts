/**
 * The CloudWatch alarms that watch the evaluate function, as plain data (infra/alarms.ts
 * makes an `aws.cloudwatch.MetricAlarm` of each, with the alerts topic as its alarm and
 * OK action). Without them a 403, a missing ALB or throttling every minute would leave
 * failover detection silently dead.
 *
 * A CloudWatch alarm invokes its actions only when its state changes (and the new state
 * has held for its datapoints), not while it stays in a state
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
 * evaluate failing every minute for an hour is one ALARM message and one OK message when it recovers.
 */
export interface EvaluateAlarm {
  /** Component name in the stack, and the alarm name's suffix. */
  readonly id: string;
  readonly alarmDescription: string;
  readonly namespace: "AWS/Lambda";
  readonly metricName: "Errors" | "Invocations";
  readonly statistic: "Sum";
  /** Seconds: Lambda publishes these metrics per minute. */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  /** https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data */
  readonly treatMissingData: "breaching" | "notBreaching";
}

/** Failed evaluations in this many of the last `EVALUATE_ERROR_WINDOW` minutes raise the alarm. */
export const EVALUATE_ERROR_MINUTES = 3;
export const EVALUATE_ERROR_WINDOW = 10;
/** Minutes without a single invocation that raise the not-running alarm. */
export const EVALUATE_SILENT_MINUTES = 5;

/**
 * Two alarms: evaluate's errors (3 of the last 10 minutes: one throttled minute is not an
 * incident, a lasting 403 is; the wide window keeps intermittent failures, one minute in
 * two, in ALARM instead of flapping every minute, since the alarm returns to OK only when
 * fewer than 3 of the last 10 minutes failed), and evaluate not running at all (no invocation in 5
 * minutes, where the schedule, EVALUATE_SCHEDULE, invokes it every minute; no datapoint
 * counts as breaching, since a function that never runs publishes none).
 */
export function evaluateAlarms(): EvaluateAlarm[] {
  return [
    {
      id: "EvaluateErrors",
      alarmDescription:
        `Switchyard's evaluate function (the FunctionName below) failed in ${EVALUATE_ERROR_MINUTES} of the last ${EVALUATE_ERROR_WINDOW} minutes: ` +
        "failovers are not being detected. Its log group, /aws/lambda/<FunctionName>, names the error: KubernetesForbiddenError names the RBAC rule to grant (deploy/rbac.yaml), " +
        "LoadBalancerNotFoundError the Ingress whose ALB is missing, MetricsUnavailableError CloudWatch throttling. " +
        "An OK message follows when evaluations succeed again.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      period: 60,
      evaluationPeriods: EVALUATE_ERROR_WINDOW,
      datapointsToAlarm: EVALUATE_ERROR_MINUTES,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      // No datapoint is no invocation, not an error; the not-running alarm covers that.
      treatMissingData: "notBreaching",
    },
    {
      id: "EvaluateNotRunning",
      alarmDescription:
        `Switchyard's evaluate function (the FunctionName below) has not run for ${EVALUATE_SILENT_MINUTES} minutes although its schedule invokes it every minute: ` +
        "failovers are not being detected. Check that the EventBridge rule EvaluateSchedule is enabled and targets the function, " +
        "and the function's throttles and reserved concurrency. An OK message follows when it runs again.",
      namespace: "AWS/Lambda",
      metricName: "Invocations",
      statistic: "Sum",
      period: 60,
      evaluationPeriods: EVALUATE_SILENT_MINUTES,
      datapointsToAlarm: EVALUATE_SILENT_MINUTES,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    },
  ];
}
