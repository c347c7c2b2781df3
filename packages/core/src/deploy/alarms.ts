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
interface EvaluateAlarm {
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
const EVALUATE_ERROR_MINUTES = 3;
const EVALUATE_ERROR_WINDOW = 10;
/** Minutes without a single invocation that raise the not-running alarm. */
const EVALUATE_SILENT_MINUTES = 5;

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

/** An alarm on the mode-switch state machine's executions (namespace AWS/States, dimension StateMachineArn). */
interface ModeSwitchAlarm {
  /** Component name in the stack, and the alarm name's suffix. */
  readonly id: string;
  readonly alarmDescription: string;
  readonly namespace: "AWS/States";
  readonly metricName: "ExecutionsFailed" | "ExecutionsAborted" | "ExecutionsTimedOut";
  readonly statistic: "Sum";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: "GreaterThanOrEqualToThreshold";
  readonly treatMissingData: "notBreaching";
}

const REPAIRED_BY_EVALUATE =
  "It ran no Rollback and sent no alert, so KEDA targets and replica holds (autoscaling.keda.sh/paused-replicas marked switchyard.io/held-replicas) it set may be left behind: " +
  "the next evaluation finds the holds that belong to no running execution and the switch that ended so, and starts a repair of the current mode (alert 'Switchyard <service>: repair ...') that lifts them and restores the mode's KEDA targets.";

/**
 * Three alarms on the mode-switch executions, one per way an execution can end badly
 * (Step Functions publishes ExecutionsFailed, ExecutionsAborted and ExecutionsTimedOut per
 * state machine, https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html):
 * a Sum of one or more in a minute is an ALARM message, the next quiet minute an OK. A
 * failed execution has mostly sent its own alert; one whose Notify never reached SNS
 * (AnnounceFailed) has not, and an aborted or timed-out one never does.
 */
export function modeSwitchAlarms(): ModeSwitchAlarm[] {
  const alarm = (
    id: string,
    metricName: ModeSwitchAlarm["metricName"],
    alarmDescription: string,
  ): ModeSwitchAlarm => ({
    id,
    alarmDescription,
    namespace: "AWS/States",
    metricName,
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    // Step Functions publishes these only when an execution ends so: no datapoint is none.
    treatMissingData: "notBreaching",
  });
  return [
    alarm(
      "ModeSwitchFailed",
      "ExecutionsFailed",
      "A Switchyard mode-switch execution of the state machine below FAILED. Most failures sent their own alert first (rolled back, failed to plan, holds not lifted, KEDA not resumed, rollback failed), and a superseded move ends FAILED (error SwitchSuperseded) after its own short note. " +
        "One that failed in AnnounceFailed sent none: its Notify never reached SNS after its retries, the switch itself stands and its holds were lifted. " +
        "Read the failed executions: aws stepfunctions list-executions --state-machine-arn <StateMachineArn> --status-filter FAILED, or switchyard status. An OK message follows.",
    ),
    alarm(
      "ModeSwitchAborted",
      "ExecutionsAborted",
      `A Switchyard mode-switch execution of the state machine below was stopped (StopExecution, the console's Stop). ${REPAIRED_BY_EVALUATE} An OK message follows.`,
    ),
    alarm(
      "ModeSwitchTimedOut",
      "ExecutionsTimedOut",
      `A Switchyard mode-switch execution of the state machine below timed out. ${REPAIRED_BY_EVALUATE} An OK message follows.`,
    ),
  ];
}
