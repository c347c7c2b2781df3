/**
 * How CloudWatch evaluates a metric alarm, per period, and when it invokes its actions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
 * "Evaluating an alarm" and "Configuring how CloudWatch alarms treat missing data"):
 * - each evaluation looks at the last `evaluationPeriods` periods (N); the alarm is in
 *   ALARM when at least `datapointsToAlarm` (M) of them breach, else OK;
 * - a missing datapoint counts as breaching or not as `treatMissingData` says (`ignore`
 *   and `missing` keep the state when every datapoint is missing);
 * - a new alarm starts in INSUFFICIENT_DATA, and actions run only when the state changes,
 *   never because an alarm stays in a state.
 */
export interface AlarmDefinition {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator:
    | "GreaterThanOrEqualToThreshold"
    | "GreaterThanThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold";
  readonly treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface StateChange {
  /** Index of the period whose evaluation changed the state. */
  readonly period: number;
  readonly to: AlarmState;
}

function breaches(alarm: AlarmDefinition, value: number): boolean {
  switch (alarm.comparisonOperator) {
    case "GreaterThanOrEqualToThreshold":
      return value >= alarm.threshold;
    case "GreaterThanThreshold":
      return value > alarm.threshold;
    case "LessThanThreshold":
      return value < alarm.threshold;
    case "LessThanOrEqualToThreshold":
      return value <= alarm.threshold;
  }
}

/** Evaluates the alarm after each period of `series` (undefined: no datapoint) and returns every state change. */
export function alarmStateChanges(
  alarm: AlarmDefinition,
  series: readonly (number | undefined)[],
): StateChange[] {
  let state: AlarmState = "INSUFFICIENT_DATA";
  const changes: StateChange[] = [];
  for (let period = 0; period < series.length; period += 1) {
    const window = series.slice(Math.max(0, period - alarm.evaluationPeriods + 1), period + 1);
    let next: AlarmState = state;
    if (
      window.every((v) => v === undefined) &&
      (alarm.treatMissingData === "ignore" || alarm.treatMissingData === "missing")
    ) {
      next = alarm.treatMissingData === "missing" ? "INSUFFICIENT_DATA" : state;
    } else {
      const breaching = window.filter((v) =>
        v === undefined ? alarm.treatMissingData === "breaching" : breaches(alarm, v),
      ).length;
      next = breaching >= alarm.datapointsToAlarm ? "ALARM" : "OK";
    }
    if (next !== state) {
      changes.push({ period, to: next });
      state = next;
    }
  }
  return changes;
}
