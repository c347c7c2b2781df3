/**
 * The ports between the pure core and the world. Adapters implement them over the AWS
 * SDK and @kubernetes/client-node (packages/adapters) and in memory (packages/sim).
 */
import type {
  AutoscalingState,
  ClusterEvent,
  IngressState,
  ScaledObjectState,
  ServiceClusterState,
} from "./cluster/types.ts";
import type { InferenceService } from "./config/types.ts";
import type { SwitchRecord } from "./decision/types.ts";
import type { DemandHistory } from "./forecast/history.ts";
import type { FloorAction } from "./forecast/replica-floor.ts";
import type { IngressMergePatch } from "./manifests/ingress-patch.ts";
import type { ReplicaFloorOutcome } from "./manifests/replica-floor-patch.ts";
import type { ReplicaHoldOutcome } from "./manifests/replica-hold.ts";
import type { SwitchEvent } from "./manifests/switch-event.ts";
import type { RoutingDifference } from "./planning/routing-differences.ts";
import type { TargetGroupWeight } from "./planning/types.ts";
import type { TrailCoverage } from "./signals/trail-coverage.ts";
import type { CapacitySignal, EpochMs, NodeCell, ServiceMetrics } from "./signals/types.ts";

export interface Clock {
  now(): EpochMs;
}

/** CloudWatch dimensions of one service's load balancer and units' target groups. */
export interface ServiceTargets {
  readonly service: string;
  /** `app/<name>/<id>`: the LoadBalancer dimension. */
  readonly loadBalancer: string;
  /** Per unit name: the TargetGroup dimension `targetgroup/<name>/<id>`, or null when not found. */
  readonly targetGroups: Readonly<Record<string, string | null>>;
  /**
   * The consolidated Service's target group: in capacity mode it carries all the
   * traffic, so demand and latency come from it. Null without one, or when not found.
   */
  readonly consolidatedTargetGroup: string | null;
  /** TargetResponseTime statistic of the SLO: p50, p90, p95, p99 or average. */
  readonly latencyStatistic: string;
}

export interface MetricsRequest {
  readonly services: readonly ServiceTargets[];
  /** Instance types whose recorded capacity errors to read back. */
  readonly instanceTypes: readonly string[];
  /**
   * Instance types of units that run on Spot or list zones, with those zones: their
   * recorded errors are read back with the capacity type and zone they were recorded
   * with (a Spot error of a unit that falls back to on-demand, or an error in one of
   * several zones, does not stop the unit). Absent: none.
   */
  readonly detailedTypes?: readonly { readonly instanceType: string; readonly zones: readonly string[] }[];
  readonly start: EpochMs;
  readonly end: EpochMs;
}

export interface MetricsSnapshot {
  /** Per service name. */
  readonly services: Readonly<Record<string, ServiceMetrics>>;
  /** Capacity errors recorded by earlier evaluations, one signal per instance type and minute with errors. */
  readonly capacityErrors: readonly CapacitySignal[];
}

/** Reads the window's ALB metrics and recorded capacity errors, in as few calls as the API allows. */
export interface MetricsReader {
  read(request: MetricsRequest): Promise<MetricsSnapshot>;
}

export interface DemandHistoryRequest {
  readonly services: readonly ServiceTargets[];
  /** Whole periods: [start, end) in steps of periodSeconds (`historyWindow`). */
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly periodSeconds: number;
}

/**
 * Reads each service's RequestCount history (its units' and consolidated Service's target
 * groups, summed per period) in one GetMetricData call of at most one page: the period
 * is chosen so it fits (`historyPeriodSeconds`).
 */
export interface DemandHistoryReader {
  read(request: DemandHistoryRequest): Promise<Readonly<Record<string, DemandHistory>>>;
}

/** Keeps capacity signals where the next evaluation reads them (a custom metric per instance type). */
export interface CapacitySignalRecorder {
  record(signals: readonly CapacitySignal[]): Promise<void>;
}

/** An EC2 instance as DescribeInstances returns it: its type and tags. */
export interface ResolvedInstance {
  readonly instanceType: string;
  readonly tags: Readonly<Record<string, string>>;
  /** `Placement.AvailabilityZone`; absent when EC2 did not say. */
  readonly availabilityZone?: string;
}

/**
 * Resolves an EC2 instance to its type and tags (Spot interruption warnings name only
 * the instance; the tags say which cluster it is a node of). Null for an unknown instance.
 */
export interface InstanceTypeResolver {
  instanceOf(instanceId: string): Promise<ResolvedInstance | null>;
}

/**
 * Counts a cluster's running nodes of some instance types by zone and capacity type
 * (DescribeInstances): after a zone's Spot capacity goes, its pods come back in the
 * other zones and stay there, so an even spread is no longer where they are.
 */
export interface NodePlacementReader {
  nodeCells(cluster: string, instanceTypes: readonly string[]): Promise<readonly NodeCell[]>;
}

/** Whether a CloudTrail trail delivers EC2's write management events in a Region (the capacity rules need one). */
export interface TrailCoverageReader {
  coverage(region: string): Promise<TrailCoverage>;
}

/** The ALB objects the Load Balancer Controller made for a service's Ingress. */
export interface LoadBalancerTargets {
  readonly loadBalancerArn: string;
  /** `app/<name>/<id>`. */
  readonly loadBalancerDimension: string;
  /** Per Kubernetes Service name: its target group. */
  readonly targetGroups: Readonly<Record<string, { readonly arn: string; readonly dimension: string }>>;
}

export interface LoadBalancerLocator {
  locate(service: InferenceService): Promise<LoadBalancerTargets>;
}

export interface RoutingCheck {
  /** Whether the listener rule's forward action has exactly the planned weights. */
  readonly applied: boolean;
  readonly differences: readonly RoutingDifference[];
  readonly ruleArn: string | null;
}

/** Compares the weights the ALB's listener rule holds with the plan. */
export interface RoutingVerifier {
  verify(service: InferenceService, expected: readonly TargetGroupWeight[]): Promise<RoutingCheck>;
}

/**
 * A target's state as ELBv2 DescribeTargetHealth reports it
 * (TargetHealth.State: initial, healthy, unhealthy, unhealthy.draining, unused, draining, unavailable).
 */
export type TargetState =
  | "initial"
  | "healthy"
  | "unhealthy"
  | "unhealthy.draining"
  | "unused"
  | "draining"
  | "unavailable";

/** One Service's target group on the ALB and its targets, counted by state. */
export interface TargetGroupHealth {
  readonly serviceName: string;
  /** The target group's ARN, or null when the ALB has none for the Service (the controller has not made it). */
  readonly targetGroupArn: string | null;
  /** Registered targets per state; none registered is an empty record. */
  readonly targets: Readonly<Partial<Record<TargetState, number>>>;
}

/** Reads the health of the targets behind a service's target groups (ELBv2 DescribeTargetHealth). */
export interface TargetHealthReader {
  health(service: InferenceService, serviceNames: readonly string[]): Promise<readonly TargetGroupHealth[]>;
}

/** One change of a ScaledObject's per-pod target. */
export interface ScalingChange {
  readonly unit: string;
  readonly scaledObject: string;
  readonly from: string | undefined;
  /** The target after the call: the value built, or the one left in place when the builder declined. */
  readonly to: string | undefined;
  /** False when no patch was sent: the value was already the one built, or the builder declined. */
  readonly changed: boolean;
}

/**
 * Builds the new per-pod target from the ScaledObject as read; null declines (nothing
 * is written). Run again on the fresh object after every conflict, so a decision on
 * what it holds ("only while it still holds the switch's value") is never made on a
 * stale read.
 */
export type ScalingTargetBuilder = (current: ScaledObjectState) => string | null;

/** A make-before-break hold on one unit's ScaledObject (see `replicaHoldPatch`). */
export interface ReplicaHold {
  readonly unit: string;
  readonly scaledObject: string;
  /** The count held at, or null for a release. */
  readonly replicas: number | null;
  readonly outcome: ReplicaHoldOutcome;
  /** A hold not set because someone else paused the ScaledObject: their pauses, as `key=value`. */
  readonly pausedBy?: readonly string[];
}

/** What a forecast-floor write did to one unit's ScaledObject. */
export interface ReplicaFloorChange {
  readonly unit: string;
  readonly scaledObject: string;
  readonly outcome: ReplicaFloorOutcome;
  /** spec.minReplicaCount before and after. */
  readonly from: number;
  readonly to: number;
}

/**
 * Builds the Ingress patch from the Ingress as read; null means nothing to change. Run
 * again on the fresh Ingress after every conflict.
 */
export type IngressPatchBuilder = (current: IngressState) => IngressMergePatch | null;

export interface RoutingChange {
  readonly before: IngressState;
  readonly after: IngressState;
  readonly changed: boolean;
}

/** Reads and patches the objects of a service on the cluster. */
export interface ClusterGateway {
  /** The Ingress, each unit's Deployment and its unschedulable pods. */
  readService(service: InferenceService): Promise<ServiceClusterState>;
  /** Each unit's ScaledObject, by unit name. */
  readScaledObjects(service: InferenceService): Promise<Readonly<Record<string, ScaledObjectState>>>;
  /**
   * Sets one unit's trigger target to what `build` makes of the ScaledObject as read, with
   * a guarded JSON patch; on a conflict reads it again, rebuilds and retries a bounded
   * number of times.
   */
  setScalingTarget(
    service: InferenceService,
    unit: string,
    build: ScalingTargetBuilder,
  ): Promise<ScalingChange>;
  /**
   * Holds a unit at `replicas` with KEDA's paused-replicas annotation for the switch
   * `owner` (its execution name), or releases that switch's hold (`null`); never touches
   * a pause someone else set.
   */
  holdReplicas(
    service: InferenceService,
    unit: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold>;
  /**
   * Applies a forecast floor to one unit's ScaledObject spec.minReplicaCount (raise,
   * restore or keep, `replicaFloorPatch`), guarded by the resourceVersion read; on a
   * conflict reads it again, rebuilds and retries a bounded number of times.
   */
  setReplicaFloor(service: InferenceService, unit: string, action: FloorAction): Promise<ReplicaFloorChange>;
  /** What KEDA reports for one unit's ScaledObject: its pause annotation, its Paused condition, and whether its HPA exists. */
  autoscalingOf(service: InferenceService, unit: string): Promise<AutoscalingState>;
  /** Merge-patches the Ingress; on a conflict reads it again, rebuilds and retries a bounded number of times. */
  patchRouting(service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange>;
  /** Events on the service's Ingress since `since` (FailedBuildModel, FailedDeployModel, SuccessfullyReconciled). */
  ingressEvents(service: InferenceService, since: EpochMs): Promise<readonly ClusterEvent[]>;
  /** Karpenter's InsufficientCapacityError events since `since`, as capacity signals. */
  capacityEvents(since: EpochMs): Promise<readonly CapacitySignal[]>;
  /**
   * Records a Kubernetes Event about a switch on the service's Ingress. A second record of
   * the same switch's same reason is the same occurrence (a retried step) and writes
   * nothing. Throws when the write fails: callers record best effort (a switch never
   * fails for its Event).
   */
  recordEvent(service: InferenceService, event: SwitchEvent): Promise<void>;
}

export interface SwitchRequest {
  /** `<service>-<move>-<yyyyMMddHHmm>`: the idempotency key. */
  readonly name: string;
  readonly input: unknown;
}

export interface SwitchStart {
  /** False when an execution of that name already existed. */
  readonly started: boolean;
  readonly executionArn: string;
  /**
   * When it already existed: that execution's status (it may have closed, FAILED
   * included, since it was started in the same minute). Unset when this call started it.
   */
  readonly status?: SwitchRecord["status"];
}

/** Starts mode-switch executions and reads their history. */
export interface SwitchStarter {
  /** This service's executions started since `since`, newest first, in one history read. */
  history(service: string, since: EpochMs): Promise<readonly SwitchRecord[]>;
  start(request: SwitchRequest): Promise<SwitchStart>;
}
