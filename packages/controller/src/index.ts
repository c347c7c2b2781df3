export { causeMessage, executionConsoleUrl, rollbackAlert, switchAlert } from "./alerts.ts";
export { type ApplyRoutingDeps, applyRouting } from "./apply-routing.ts";
export { type ApplyScalingDeps, applyScaling } from "./apply-scaling.ts";
export { type CheckReceiversDeps, checkReceivers } from "./check-receivers.ts";
export {
  EvaluationError,
  type EvaluationFailure,
  evaluationFailures,
  ForeignRoutingError,
  ReceiversNotReadyError,
  RoutingNotAppliedError,
  RoutingRejectedError,
  ScalingNotResumedError,
  SwitchAbortedError,
  SwitchInputError,
  SwitchSupersededError,
  TransientError,
} from "./errors.ts";
export {
  type EvaluationCause,
  type EvaluationDeps,
  type EvaluationReport,
  evaluate,
  HISTORY_MS,
  METRICS_LAG_MS,
  type ServiceEvaluation,
  switchInputOf,
} from "./evaluate.ts";
export { type ControllerLogger, silentLogger } from "./logger.ts";
export { type OperatorSwitchDeps, type OperatorSwitchResult, operatorSwitch } from "./operator-switch.ts";
export { type PlanSwitchDeps, planSwitch } from "./plan-switch.ts";
export { type ReleaseHoldsDeps, releaseHolds } from "./release-holds.ts";
export { type RollbackDeps, rollback } from "./rollback.ts";
export { runStep, workflowErrorOf } from "./run-step.ts";
export {
  type Alert,
  type CaughtError,
  type HoldsRelease,
  type NotRestored,
  parseSwitchInput,
  parseSwitchState,
  type ReceiversCheck,
  type RollbackOutcome,
  type RollbackResult,
  type RoutingResult,
  type ScalingResult,
  type SwitchInput,
  type SwitchPlan,
  type SwitchState,
  type VerificationResult,
} from "./switch-state.ts";
export { type VerifyRoutingDeps, verifyRouting } from "./verify-routing.ts";
