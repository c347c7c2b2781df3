import { evaluateAlarms, modeSwitchAlarms } from "@switchyard/core/deploy";

/**
 * Alarms on the evaluate function (core's evaluateAlarms): its errors, and it not running.
 * Each notifies the alerts topic when it goes to ALARM and again when it is OK: once per
 * incident, not once a minute.
 */
export function createEvaluateAlarms(
  evaluate: sst.aws.Function,
  alerts: sst.aws.SnsTopic,
): aws.cloudwatch.MetricAlarm[] {
  return evaluateAlarms().map(
    ({ id, ...alarm }) =>
      new aws.cloudwatch.MetricAlarm(id, {
        ...alarm,
        name: `${$app.name}-${$app.stage}-${id}`,
        dimensions: { FunctionName: evaluate.name },
        alarmActions: [alerts.arn],
        okActions: [alerts.arn],
      }),
  );
}

/**
 * Alarms on the mode-switch executions (core's modeSwitchAlarms): failed, aborted and timed
 * out. An aborted or timed-out execution never alerts by itself, and a failed Notify cannot.
 */
export function createModeSwitchAlarms(
  stateMachine: aws.sfn.StateMachine,
  alerts: sst.aws.SnsTopic,
): aws.cloudwatch.MetricAlarm[] {
  return modeSwitchAlarms().map(
    ({ id, ...alarm }) =>
      new aws.cloudwatch.MetricAlarm(id, {
        ...alarm,
        name: `${$app.name}-${$app.stage}-${id}`,
        dimensions: { StateMachineArn: stateMachine.arn },
        alarmActions: [alerts.arn],
        okActions: [alerts.arn],
      }),
  );
}
