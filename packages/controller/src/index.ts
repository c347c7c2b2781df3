export { causeMessage } from "./alerts.ts";
export { applyRouting } from "./apply-routing.ts";
export { applyScaling } from "./apply-scaling.ts";
export { checkReceivers } from "./check-receivers.ts";
export { type EvaluationCause, type EvaluationDeps, type EvaluationReport, evaluate } from "./evaluate.ts";
export { silentLogger } from "./logger.ts";
export { operatorSwitch } from "./operator-switch.ts";
export { planSwitch } from "./plan-switch.ts";
export { releaseHolds } from "./release-holds.ts";
export { rollback } from "./rollback.ts";
export { runStep } from "./run-step.ts";
export type {
  HoldsRelease,
  ReceiversCheck,
  RollbackResult,
  RoutingResult,
  ScalingResult,
  SwitchInput,
  SwitchPlan,
  VerificationResult,
} from "./switch-state.ts";
export { verifyRouting } from "./verify-routing.ts";
