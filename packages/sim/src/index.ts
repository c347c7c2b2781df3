export { InMemoryClusterGateway } from "./adapters/in-memory-cluster-gateway.ts";
export {
  InMemoryLoadBalancerLocator,
  InMemoryRoutingVerifier,
  InMemoryTargetHealthReader,
} from "./adapters/in-memory-load-balancer.ts";
export { InMemoryCapacityRecorder, InMemoryMetricsReader } from "./adapters/in-memory-metrics.ts";
export { InMemoryNodePlacement } from "./adapters/in-memory-node-placement.ts";
export { SimClock } from "./adapters/sim-clock.ts";
export {
  type Announcement,
  type ExecutionRecord,
  receiversTimedOut,
  type SimLambda,
  type SimTopic,
  StepFunctionsStandIn,
  stepLambdas,
  superseded,
  type TaskAttempt,
  trafficShiftedAt,
  WORKFLOW_TIMING,
  type WorkflowTiming,
} from "./adapters/step-functions-stand-in.ts";
export { targetGroupsOf } from "./adapters/target-group-directory.ts";
export { CapacityCalendar } from "./capacity/capacity-calendar.ts";
export {
  type CloudWatchTrace,
  parseCloudWatchTrace,
  type TraceAlignment,
  type TraceDemand,
  type TraceResult,
  traceDemand,
} from "./demand/cloudwatch-trace.ts";
export {
  type CsvReadOptions,
  type CsvRow,
  type CsvRows,
  raggedRows,
  readCsvRows,
} from "./demand/csv-rows.ts";
export { type DemandCsv, parseDemandCsv } from "./demand/demand-csv.ts";
export { DemandCurve } from "./demand/demand-curve.ts";
export { ConflictError, PatchRejectedError, SimulatedApiError, UnknownPolicyError } from "./errors.ts";
export { AlbMetrics } from "./model/alb-metrics.ts";
export { HorizontalAutoscaler } from "./model/autoscaler.ts";
export { IngressObject, ScaledObjectObject } from "./model/cluster-objects.ts";
export { EnvironmentModel, type InitialState, type SpotWarning } from "./model/environment.ts";
export { type CapacityError, Karpenter } from "./model/karpenter.ts";
export {
  inverseStandardNormalCdf,
  LatencyModel,
  type LatencyPart,
  percentileOf,
  standardNormalCdf,
} from "./model/latency-model.ts";
export { type AppliedRule, LoadBalancerModel, TARGET_GROUP_WARMUP_MS } from "./model/load-balancer.ts";
export { membersOf, type RoutedDemand, routeDemand } from "./model/routing.ts";
export type { StepRecord, UnitStep } from "./model/step-record.ts";
export { type Pod, type PodPhase, UnitPods } from "./model/unit-pods.ts";
export { type ServedStep, serveStep } from "./model/unit-queue.ts";
export {
  type ComparedPolicy,
  type DecisionNote,
  type MoveRecord,
  POLICY_NAMES,
  type PolicyContext,
  type PolicyName,
  type PolicyRun,
} from "./policies/compared-policy.ts";
export {
  annotationsFor,
  annotationsForRouting,
  kedaTargetsOf,
  peakWeightedService,
  plannedStart,
} from "./policies/initial-state.ts";
export { oraclePolicy } from "./policies/oracle-policy.ts";
export { policiesNamed } from "./policies/policy-registry.ts";
export {
  type SeedManifestPair,
  type SeedManifestSet,
  seedManifests,
  seedReferencePolicy,
} from "./policies/seed-reference-policy.ts";
export { staticCapacityPolicy, staticCostPolicy } from "./policies/static-policies.ts";
export {
  type ControllerVariant,
  controlledService,
  switchyardPolicy,
  switchyardPolicyWith,
} from "./policies/switchyard-policy.ts";
export { type RenderedChart, renderChart } from "./report/chart-renderer.ts";
export { CHART_MARKS, type ChartDefinition, type ChartSpec, chartsOf } from "./report/charts.ts";
export {
  FRONTIER_BASELINES,
  type FrontierRow,
  frontierMarkdown,
  frontierRows,
  renderFrontierTable,
} from "./report/hedge-frontier-report.ts";
export {
  MinuteBuilder,
  type MinuteRecord,
  MinuteSeries,
  minutesOf,
  type UnitMinuteRecord,
} from "./report/minute-series.ts";
export { type PolicySummary, summarize } from "./report/policy-summary.ts";
export { podsCanRun, type ReferenceCosts, referenceCosts } from "./report/reference-costs.ts";
export { type ReportContent, reportFiles } from "./report/report-files.ts";
export { reportMarkdown } from "./report/report-markdown.ts";
export {
  breaksBound,
  type PolicyReport,
  type ReportReference,
  reportOf,
  type SimulationReport,
} from "./report/simulation-report.ts";
export {
  ratio,
  referenceLines,
  renderSummaryTable,
  summaryJson,
  summaryRows,
} from "./report/summary-table.ts";
export { timelineCsv, timelineCsvChunks } from "./report/timeline-csv.ts";
export { type FrontierRun, hasSpotUnits, withHedgeFrontier } from "./run/hedge-frontier.ts";
export { SimScheduler } from "./run/sim-scheduler.ts";
export {
  type PolicyResult,
  type ProgressListener,
  runPolicy,
  type SimulationResult,
  simulate,
} from "./run/simulate.ts";
export { SCENARIO_SCHEMA_ID, scenarioJsonSchema } from "./scenario/json-schema.ts";
export { besideScenario, loadScenario, parseScenario, type ReadText } from "./scenario/load.ts";
export { type LatencyParameters, type ScenarioInput, ScenarioSchema } from "./scenario/schema.ts";
export type {
  CapacityWindow,
  DemandNoise,
  DemandShape,
  KedaParameters,
  Scenario,
  SeedManifests,
  TraceFacts,
} from "./scenario/types.ts";
