/**
 * Pages of the AWS console Switchyard links to: an execution's history (alerts, the
 * workflow's Notify messages), the state machine's list of executions and the dashboard
 * (the stack's outputs). Built here only, so the links agree wherever they are shown.
 */
function consoleHome(region: string, service: string): string {
  return `https://${region}.console.aws.amazon.com/${service}/home?region=${region}`;
}

/**
 * One execution's page in the Step Functions console. The workflow passes `{}` as the
 * ARN, for States.Format to fill in from `$$.Execution.Id` at run time.
 */
export function stepFunctionsExecutionUrl(region: string, executionArn: string): string {
  return `${consoleHome(region, "states")}#/v2/executions/details/${executionArn}`;
}

/** The state machine's page in the Step Functions console: its executions, the failover history. */
export function stepFunctionsStateMachineUrl(region: string, stateMachineArn: string): string {
  return `${consoleHome(region, "states")}#/statemachines/view/${stateMachineArn}`;
}

/** A CloudWatch dashboard's page. */
export function cloudWatchDashboardUrl(region: string, dashboardName: string): string {
  return `${consoleHome(region, "cloudwatch")}#dashboards/dashboard/${dashboardName}`;
}
