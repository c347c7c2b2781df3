export { evaluateAlarms, modeSwitchAlarms } from "./alarms.ts";
export {
  cloudWatchDashboardUrl,
  stepFunctionsExecutionUrl,
  stepFunctionsStateMachineUrl,
} from "./console-urls.ts";
export { dashboardBody } from "./dashboard.ts";
export {
  executionsArnOf,
  type PolicyStatement,
  policyStatements,
  type ScopeArns,
  STATE_MACHINE_ACTIONS,
} from "./iam-scopes.ts";
export {
  EVALUATE_METRICS_SERVICE,
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "./metric-namespace.ts";
export { partitionOf } from "./partition.ts";
export { modeSwitchName, SST_APP_NAME, stageProblem } from "./stack-name.ts";
