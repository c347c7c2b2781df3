import { partitionOf } from "./partition.ts";

/**
 * Pages of the AWS console Switchyard links to: an execution's history (alerts, the
 * workflow's Notify messages), the state machine's list of executions and the dashboard
 * (the stack's outputs). Built here only, so the links agree wherever they are shown.
 */
function consoleHome(region: string, service: string): string {
  return `https://${consoleHost(region)}/${service}/home?region=${region}`;
}

/**
 * The console's host in the region's partition: each partition has its own console
 * (AWS General Reference, "AWS Management Console endpoints": `<region>.console.aws.amazon.com`;
 * China, console.amazonaws.cn; GovCloud (US) User Guide, console.amazonaws-us-gov.com).
 */
function consoleHost(region: string): string {
  switch (partitionOf(region)) {
    case "aws-cn":
      return "console.amazonaws.cn";
    case "aws-us-gov":
      return "console.amazonaws-us-gov.com";
    case "aws":
      return `${region}.console.aws.amazon.com`;
  }
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
