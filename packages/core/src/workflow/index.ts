export { abortable } from "./abortable.ts";
export { executionName, parseExecutionName } from "./execution-name.ts";
export { modeSwitchTable } from "./mode-switch-table.ts";
export { modeSwitchWorkflow } from "./mode-switch-workflow.ts";
export { type MovePlan, type MoveTarget, planMove, type ScalingStep } from "./plan-move.ts";
export {
  type InvokeEntry,
  MODE_SWITCH_STATES,
  MODE_SWITCH_STEPS,
  type ModeSwitchState,
  type ModeSwitchStep,
  type PublishEntry,
  type StepResultKey,
  type StepResultTypes,
  type StepTable,
} from "./step-table.ts";
export {
  afterError,
  announcement,
  chosen,
  failure,
  invokePayload,
  type StepError,
  type WalkContext,
  waitSeconds,
  withResult,
} from "./table-walk.ts";
export { modeSwitchTiming } from "./workflow-timing.ts";
