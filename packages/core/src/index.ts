export { LBC_EVENT_REASONS, rejectsWrittenRouting, type WrittenRouting } from "./cluster/lbc-events.ts";
export { targetGroupProblems } from "./cluster/target-health.ts";
export {
  type AutoscalingState,
  type ClusterEvent,
  type IngressBackendRef,
  type IngressState,
  notResumed,
  type ScaledObjectState,
  type ServiceClusterState,
  type UnitWorkload,
} from "./cluster/types.ts";
export { parseDecimal } from "./config/decimal.ts";
export {
  DEPLOYED_CONFIG_FILE,
  deployedConfigDocument,
  readDeployedConfig,
} from "./config/deployed-config.ts";
export { isUnitName, LONGEST_RESPONSE_MS, MAX_DEMAND_RPS, MAX_POD_RPS } from "./config/field-rules.ts";
export { configJsonSchema, renderJsonSchema } from "./config/json-schema.ts";
export {
  loadConfig,
  parseConfig,
  parseConfigWarnings,
  type ValidationResult,
  validateYaml,
} from "./config/load.ts";
export type { RawIssue } from "./config/semantic-checks.ts";
export type { DeploymentUnit, InferenceService, SwitchyardConfig } from "./config/types.ts";
export { decide } from "./decision/decide.ts";
export { longestSwitchMs, transitionInFuture } from "./decision/leftovers.ts";
export { signalWindowMinutes } from "./decision/observations.ts";
export {
  isRefusal,
  type OperatorRefusal,
  type OperatorRequest,
  operatorDecision,
} from "./decision/operator.ts";
export { parsePin, pinHolds } from "./decision/pin.ts";
export { compareServedNow } from "./decision/routing-load.ts";
export { serviceStateFrom } from "./decision/service-state.ts";
export {
  answersNewLoss,
  lossStartedAt,
  switchToWaitFor,
  urgentMovesSuperseded,
} from "./decision/supersede.ts";
export {
  type Decision,
  type Evidence,
  isBreach,
  isMove,
  type LossAnswered,
  MOVES,
  type Move,
  type MoveDecision,
  type SwitchRecord,
  type SwitchyardHold,
} from "./decision/types.ts";
export {
  ConfigError,
  formatConfigIssues,
  formatConfigWarnings,
  ManifestError,
  SwitchyardError,
  type SwitchyardErrorOptions,
  WorkflowRuntimeError,
} from "./errors.ts";
export {
  type DemandHistory,
  demandHistoryOf,
  historyPeriodSeconds,
  historySeriesCount,
  historyWindow,
} from "./forecast/history.ts";
export { floorWrites, releaseFloorAction, type UnitFloorWrite } from "./forecast/release-floor.ts";
export { type FloorAction, type ReplicaFloors, replicaFloors } from "./forecast/replica-floor.ts";
export { type ForecastScore, forecastScore } from "./forecast/score.ts";
export { forecastAt } from "./forecast/seasonal.ts";
export { jsonText } from "./output/json-output.ts";
export { shellCommand, shellQuote } from "./output/shell-quote.ts";
export { type AllocationUnit, costOptimalAllocation } from "./planning/allocation.ts";
export {
  type BreakingPoint,
  type BreakingPointLimit,
  breakingPoint,
  type LoadTestStep,
  type ThroughputPlateau,
} from "./planning/breaking-point.ts";
export { capacityTypesOf } from "./planning/capacity-cells.ts";
export { defaultDemandRps, planService, sloServingRps } from "./planning/plan-service.ts";
export { type RuleTarget, routingDifferences } from "./planning/routing-differences.ts";
export type {
  HedgeSummary,
  Mode,
  RoutingPlan,
  ServicePlan,
  TargetGroupWeight,
  UnitCondition,
  UnitPlan,
} from "./planning/types.ts";
export {
  adjustedThroughput,
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  podHourlyPrice,
} from "./planning/unit-economics.ts";
export {
  classifyEvent,
  eventRegion,
  eventTime,
  isInstanceId,
  launchErrorsFromCloudTrail,
  type SpotInterruption,
  spotInterruptionInstance,
  spotInterruptionSignal,
} from "./signals/capacity-events.ts";
export { EVALUATE_EVENT_RULES, EVALUATE_SCHEDULE } from "./signals/event-patterns.ts";
export { instanceClusterOf } from "./signals/instance-cluster.ts";
export { KARPENTER_CAPACITY_REASON, karpenterCapacitySignals } from "./signals/karpenter.ts";
export {
  type TrailCoverage,
  type TrailSelectors,
  type TrailView,
  trailCoverage,
  trailMissingMessage,
} from "./signals/trail-coverage.ts";
export type {
  CapacitySignal,
  EpochMs,
  LaunchBlock,
  NodeCell,
  ServiceMetrics,
  UnitMinute,
} from "./signals/types.ts";
export {
  DURATION_EXAMPLES,
  DURATION_PATTERN,
  formatDuration,
  formatRfc3339,
  isWritableInstant,
  parseDuration,
  parseRfc3339,
  RFC3339_EXAMPLE,
  RFC3339_PATTERN,
} from "./time.ts";
export { DAY, EPSILON, HOUR, MINUTE, SECOND } from "./units.ts";
