export { LBC_EVENT_REASONS, rejectsWrittenRouting, type WrittenRouting } from "./cluster/lbc-events.ts";
export { describeTargets, targetGroupProblems } from "./cluster/target-health.ts";
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
export { configWarnings } from "./config/config-warnings.ts";
export { parseDecimal } from "./config/decimal.ts";
export {
  DEPLOYED_CONFIG_FILE,
  DEPLOYED_CONFIG_FORMAT,
  deployedConfigDocument,
  readDeployedConfig,
} from "./config/deployed-config.ts";
export { formatIssuePath, valueAt } from "./config/issue-path.ts";
export { CONFIG_SCHEMA_ID, configJsonSchema, renderJsonSchema } from "./config/json-schema.ts";
export {
  loadConfig,
  MAX_YAML_ALIAS_COUNT,
  parseConfig,
  parseConfigWarnings,
  type ValidationResult,
  validateYaml,
} from "./config/load.ts";
export {
  CAPACITY_TYPES,
  DeploymentUnitSchema,
  HEDGE_DEFAULTS,
  InferenceServiceSchema,
  isUnitName,
  LONGEST_RESPONSE_MS,
  MAX_DEMAND_RPS,
  MAX_POD_RPS,
  PolicySchema,
  type SwitchyardConfigInput,
  SwitchyardConfigSchema,
} from "./config/schema.ts";
export { MAX_UNITS_PER_SERVICE, type RawIssue, semanticIssues } from "./config/semantic-checks.ts";
export type {
  CapacityType,
  DeploymentUnit,
  ForecastSettings,
  Hedge,
  InferenceService,
  Policy,
  ServiceRef,
  Slo,
  Stickiness,
  SwitchyardConfig,
} from "./config/types.ts";
export { lastFallbackUndone, switchesInLastHour } from "./decision/anti-flap.ts";
export { decide } from "./decision/decide.ts";
export { longestSwitchMs, transitionInFuture } from "./decision/leftovers.ts";
export {
  DEMAND_MINUTES,
  type Observations,
  observe,
  signalWindowMinutes,
  type UnitObservation,
} from "./decision/observations.ts";
export {
  isRefusal,
  type OperatorRefusal,
  type OperatorRequest,
  operatorDecision,
} from "./decision/operator.ts";
export { parsePin, pinHolds } from "./decision/pin.ts";
export {
  compareServedNow,
  type ServedNowComparison,
  servedByReadyPods,
  servingTolerance,
} from "./decision/routing-load.ts";
export { type ServiceStateInput, serviceStateFrom } from "./decision/service-state.ts";
export {
  answersNewLoss,
  lossStartedAt,
  switchToWaitFor,
  urgentMovesSuperseded,
} from "./decision/supersede.ts";
export type { LossAnswered } from "./decision/types.ts";
export {
  type Decision,
  type DecisionSignals,
  type Evidence,
  isBreach,
  isMove,
  MOVES,
  type Move,
  type MoveDecision,
  type Pin,
  type RuleName,
  type ServiceState,
  type SwitchRecord,
  type SwitchyardHold,
  type UnitRuntime,
} from "./decision/types.ts";
export {
  EVALUATE_ERROR_MINUTES,
  EVALUATE_ERROR_WINDOW,
  EVALUATE_SILENT_MINUTES,
  type EvaluateAlarm,
  evaluateAlarms,
  type ModeSwitchAlarm,
  modeSwitchAlarms,
} from "./deploy/alarms.ts";
export {
  cloudWatchDashboardUrl,
  stepFunctionsExecutionUrl,
  stepFunctionsStateMachineUrl,
} from "./deploy/console-urls.ts";
export { dashboardBody } from "./deploy/dashboard.ts";
export {
  type ActionScope,
  executionsArnOf,
  IAM_ACTION_SCOPES,
  type IamCondition,
  type PolicyStatement,
  policyStatements,
  type ResourceScope,
  type ScopeArns,
  STATE_MACHINE_ACTIONS,
} from "./deploy/iam-scopes.ts";
export {
  EVALUATE_METRICS_SERVICE,
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "./deploy/metric-namespace.ts";
export { partitionOf } from "./deploy/partition.ts";
export { modeSwitchName, SST_APP_NAME, stageProblem } from "./deploy/stack-name.ts";
export {
  ConfigError,
  type ConfigIssue,
  formatConfigIssues,
  formatConfigWarnings,
  ManifestError,
  PlanningError,
  SwitchyardError,
  type SwitchyardErrorOptions,
  WorkflowRuntimeError,
} from "./errors.ts";
export {
  type DemandHistory,
  demandHistoryOf,
  GET_METRIC_DATA_PAGE_DATAPOINTS,
  historyPeriodSeconds,
  historySeriesCount,
  historyWindow,
} from "./forecast/history.ts";
export {
  floorWrites,
  releaseFloorAction,
  type UnitFloorWrite,
  unitFloorAction,
} from "./forecast/release-floor.ts";
export {
  type FloorAction,
  type ReleaseFloor,
  type ReplicaFloors,
  replicaFloors,
  type UnitFloor,
} from "./forecast/replica-floor.ts";
export { type ForecastScore, forecastScore } from "./forecast/score.ts";
export { type DemandForecast, forecastAt, forecastDemand } from "./forecast/seasonal.ts";
export {
  actionAnnotationKey,
  holdRemovalCommand,
  KEDA_PAUSED_REPLICAS,
  SWITCHYARD_ANNOTATIONS,
} from "./manifests/annotations.ts";
export {
  controllerRbac,
  KARPENTER_EVENT_NAMESPACE,
  kubernetesGroupsOf,
  type PolicyRule,
  type RbacManifest,
  type RoleBindingManifest,
  type RoleManifest,
} from "./manifests/controller-rbac.ts";
export {
  describeTargetGroup,
  type ForwardAction,
  foreignActionOf,
  foreignTargetGroups,
  parseForwardAction,
  type RenderOptions,
  renderForwardAction,
  type TargetGroupTuple,
  weightsOf,
} from "./manifests/forward-action.ts";
export {
  firstWindowEnd,
  HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS,
  HPA_SYNC_PERIOD_SECONDS,
  scaleDownWindowSeconds,
} from "./manifests/hpa-behavior.ts";
export {
  type IngressAsRead,
  type IngressMergePatch,
  type IngressRoutingChange,
  type IngressRuleSpec,
  ingressAnnotationsPatch,
  ingressJsonPatch,
  ingressRoutingPatch,
} from "./manifests/ingress-patch.ts";
export { escapePointerSegment, type JsonPatchOperation, jsonPointer } from "./manifests/json-patch.ts";
export { KEDA_PAUSE_ANNOTATIONS, kedaPauses } from "./manifests/keda-pause.ts";
export { normalizedPort, portToWrite } from "./manifests/port-form.ts";
export { renderControllerRbac } from "./manifests/rbac-yaml.ts";
export {
  parseFloorMark,
  type ReplicaFloorOutcome,
  replicaFloorPatch,
} from "./manifests/replica-floor-patch.ts";
export {
  foreignPauses,
  holdOwnedBy,
  parseHoldMark,
  type ReplicaHoldOutcome,
  type ReplicaHoldPatch,
  replicaHoldPatch,
} from "./manifests/replica-hold.ts";
export {
  handAppliedTargetPatch,
  kedaHpaName,
  type ScaledObjectLike,
  type ScaledObjectTrigger,
  type ScalingTrigger,
  scaledObjectTargetPatch,
  scalingTargetOf,
  scalingTrigger,
} from "./manifests/scaledobject-patch.ts";
export { portsNamedByIngress, USE_ANNOTATION } from "./manifests/service-ports.ts";
export {
  conditionsAnnotationKey,
  STANDBY_SOURCE_IP,
  type StandbyAction,
  type StandbyChanges,
  standbyActionName,
  standbyActionNames,
  standbyActions,
  standbyChanges,
} from "./manifests/standby.ts";
export {
  clipBytes,
  EVENT_NOTE_LIMIT_BYTES,
  type EventRegarding,
  type EventsV1Event,
  eventNote,
  microTime,
  SWITCH_EVENT_REASONS,
  SWITCHYARD_REPORTING_CONTROLLER,
  type SwitchEvent,
  type SwitchEventReason,
  switchEventName,
  switchEventObject,
} from "./manifests/switch-event.ts";
export { JSON_SIGNIFICANT_DIGITS, jsonText } from "./output/json-output.ts";
export { shellCommand, shellQuote } from "./output/shell-quote.ts";
export {
  type Allocation,
  type AllocationUnit,
  costOptimalAllocation,
  evaluateAllocation,
  greedyAllocation,
} from "./planning/allocation.ts";
export {
  type BreakingPoint,
  type BreakingPointCriteria,
  type BreakingPointLimit,
  breakingPoint,
  type LoadTestStep,
  type StepBreak,
  type ThroughputPlateau,
} from "./planning/breaking-point.ts";
export {
  capacityTypesOf,
  cellZones,
  fallsBackToOnDemand,
  hedged,
  isReclaimable,
} from "./planning/capacity-cells.ts";
export { defaultDemandRps, type PlanRequest, planService, sloServingRps } from "./planning/plan-service.ts";
export { type RuleTarget, routingDifferences } from "./planning/routing-differences.ts";
export {
  type HedgeSummary,
  MODES,
  type Mode,
  type RoutingPlan,
  type ServicePlan,
  type TargetGroupWeight,
  type UnavailableReason,
  type UnitCondition,
  type UnitPlan,
  type Weighting,
} from "./planning/types.ts";
export {
  adjustedThroughput,
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  costPerMillionRequests,
  formatKedaTarget,
  kedaTargetValue,
  podHourlyPrice,
  type TargetAllowance,
  targetAllowance,
} from "./planning/unit-economics.ts";
export { MAX_ALB_WEIGHT, proportionalWeights } from "./planning/weights.ts";
export type {
  CapacitySignalRecorder,
  Clock,
  ClusterGateway,
  DemandHistoryReader,
  DemandHistoryRequest,
  IngressPatchBuilder,
  InstanceTypeResolver,
  LoadBalancerLocator,
  LoadBalancerTargets,
  MetricsReader,
  MetricsRequest,
  MetricsSnapshot,
  NodePlacementReader,
  ReplicaFloorChange,
  ReplicaHold,
  ResolvedInstance,
  RoutingChange,
  RoutingCheck,
  RoutingDifference,
  RoutingVerifier,
  ScalingChange,
  ScalingTargetBuilder,
  ServiceTargets,
  SwitchRequest,
  SwitchStart,
  SwitchStarter,
  TargetGroupHealth,
  TargetHealthReader,
  TargetState,
  TrailCoverageReader,
} from "./ports.ts";
export {
  CAPACITY_API_CALLS,
  type CapacityApiCall,
  type CloudTrailLaunchErrors,
  capacitySignalsFromCloudTrail,
  classifyEvent,
  type EvaluationTrigger,
  eventRegion,
  eventTime,
  isInstanceId,
  launchErrorsFromCloudTrail,
  type SpotInterruption,
  spotInterruptionInstance,
  spotInterruptionSignal,
} from "./signals/capacity-events.ts";
export {
  CREATE_FLEET_CAPACITY_PATTERN,
  EVALUATE_EVENT_RULES,
  EVALUATE_SCHEDULE,
  type EventPattern,
  type PatternValue,
  RUN_INSTANCES_CAPACITY_PATTERN,
  SPOT_INTERRUPTION_PATTERN,
} from "./signals/event-patterns.ts";
export { type InstanceCluster, instanceClusterOf } from "./signals/instance-cluster.ts";
export { KARPENTER_CAPACITY_REASON, karpenterCapacitySignals } from "./signals/karpenter.ts";
export {
  selectorsLogEc2Writes,
  type TrailCoverage,
  type TrailSelectors,
  type TrailView,
  trailCoverage,
  trailFix,
  trailMissingMessage,
} from "./signals/trail-coverage.ts";
export {
  CAPACITY_ERROR_CODES,
  type CapacitySignal,
  type CapacitySignalSource,
  type EpochMs,
  isCapacityErrorCode,
  isInterruptionWarning,
  LAUNCH_BLOCK_CODES,
  type LaunchBlock,
  type LaunchBlockKind,
  launchBlockOf,
  type NodeCell,
  type ServiceMetrics,
  type SignalCapacityType,
  SPOT_INTERRUPTION_CODE,
  type UnitMinute,
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
export { DAY, EPSILON, HOUR, MINUTE, round1, SECOND } from "./units.ts";
export { abortable } from "./workflow/abortable.ts";
export type { AslDocument, AslState, Catcher, Retrier, TaskState } from "./workflow/asl.ts";
export { executionName, parseExecutionName } from "./workflow/execution-name.ts";
export { type ModeSwitchTableInput, modeSwitchTable } from "./workflow/mode-switch-table.ts";
export {
  type ModeSwitchWorkflowInput,
  modeSwitchWorkflow,
} from "./workflow/mode-switch-workflow.ts";
export { type MovePlan, type MoveTarget, planMove, type ScalingStep } from "./workflow/plan-move.ts";
export {
  type AttributeValue,
  type ChoiceEntry,
  type Condition,
  type FailEntry,
  type FormatArgument,
  type InvokeEntry,
  MODE_SWITCH_STATES,
  MODE_SWITCH_STEPS,
  type ModeSwitchState,
  type ModeSwitchStep,
  type PublishEntry,
  RETRIED_ERRORS,
  STEP_RESULTS,
  type StatePath,
  type StepResultField,
  type StepResultKey,
  type StepResultTypes,
  type StepTable,
  type StepTableEntry,
  type SucceedEntry,
  type WaitEntry,
} from "./workflow/step-table.ts";
export {
  afterError,
  announcement,
  chosen,
  type ErrorOutcome,
  failure,
  invokePayload,
  type StepError,
  type WalkContext,
  waitSeconds,
  withResult,
} from "./workflow/table-walk.ts";
export { retryDelaySeconds, retryWaits, verifyRetrier } from "./workflow/verify-retry.ts";
export {
  type ModeSwitchTiming,
  modeSwitchTiming,
  RECEIVER_POLL_SECONDS,
} from "./workflow/workflow-timing.ts";
