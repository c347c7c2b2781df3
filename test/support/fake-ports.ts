import type {
  AutoscalingState,
  CapacitySignal,
  ClusterEvent,
  DemandHistory,
  EpochMs,
  FloorAction,
  InferenceService,
  IngressState,
  ScaledObjectState,
  ServiceClusterState,
  SwitchRecord,
  TargetGroupWeight,
  UnitWorkload,
} from "@switchyard/core";
import type { SwitchEvent } from "@switchyard/core/manifests";
import {
  foreignPauses,
  KEDA_PAUSED_REPLICAS,
  replicaFloorPatch,
  replicaHoldPatch,
} from "@switchyard/core/manifests";
import type {
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
  ReplicaFloorChange,
  ReplicaHold,
  ResolvedInstance,
  RoutingChange,
  RoutingCheck,
  RoutingVerifier,
  ScalingChange,
  ScalingTargetBuilder,
  SwitchRequest,
  SwitchStart,
  SwitchStarter,
  TargetGroupHealth,
  TargetHealthReader,
} from "@switchyard/core/ports";
import jsonPatch from "fast-json-patch";
import mergePatch from "json-merge-patch";
import { kedaPauses } from "../../packages/core/src/manifests/keda-pause.ts";

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  private at: EpochMs;
  constructor(at: EpochMs) {
    this.at = at;
  }
  now(): EpochMs {
    return this.at;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/**
 * An in-memory cluster for controller tests: an Ingress whose annotations merge
 * patches change, per-unit workloads and ScaledObject targets, events, and a log of
 * every call so tests can count reads and writes.
 */
export class InMemoryCluster implements ClusterGateway {
  ingress: IngressState;
  units: Record<string, UnitWorkload>;
  targets: Record<string, string | undefined>;
  /** Each unit's ScaledObject annotations that holds write (KEDA's paused-replicas and Switchyard's mark). */
  holdAnnotations: Record<string, Record<string, string>> = {};
  events: ClusterEvent[] = [];
  karpenter: CapacitySignal[] = [];
  readonly calls: string[] = [];
  /** Throws from setScalingTarget for this unit (to fail ScaleReceivers part-way). */
  failScalingFor: string | null = null;

  constructor(init: {
    ingress: IngressState;
    units: Record<string, UnitWorkload>;
    targets: Record<string, string | undefined>;
  }) {
    this.ingress = init.ingress;
    this.units = init.units;
    this.targets = init.targets;
  }

  async readService(_service: InferenceService): Promise<ServiceClusterState> {
    this.calls.push("readService");
    return { ingress: structuredClone(this.ingress), units: structuredClone(this.units) };
  }

  /** Each unit's ScaledObject as far as forecast floors read and write it (created from the config on first use). */
  floorObjects: Record<
    string,
    {
      metadata: { resourceVersion: string; annotations?: Record<string, string> };
      spec: { minReplicaCount: number; maxReplicaCount: number };
    }
  > = {};

  #floorObject(service: InferenceService, unit: string) {
    const config = service.units.find((u) => u.name === unit);
    this.floorObjects[unit] ??= {
      metadata: { resourceVersion: "1" },
      spec: {
        minReplicaCount: config?.minReplicaCount ?? 1,
        maxReplicaCount: config?.maxReplicaCount ?? 100,
      },
    };
    return this.floorObjects[unit];
  }

  /** A unit's ScaledObject as read: the floor's fields, and the holds' annotations with the floor's mark. */
  #scaledObject(service: InferenceService, unit: string) {
    const floor = structuredClone(this.#floorObject(service, unit));
    return {
      ...floor,
      metadata: {
        ...floor.metadata,
        annotations: { ...(floor.metadata.annotations ?? {}), ...(this.holdAnnotations[unit] ?? {}) },
      },
    };
  }

  async readScaledObjects(service: InferenceService): Promise<Record<string, ScaledObjectState>> {
    this.calls.push("readScaledObjects");
    return Object.fromEntries(
      service.units.map((u) => [
        u.name,
        {
          name: u.scaledObject.name,
          resourceVersion: "1",
          target: this.targets[u.name],
          object: this.#scaledObject(service, u.name),
        },
      ]),
    );
  }

  async setReplicaFloor(
    service: InferenceService,
    unit: string,
    action: FloorAction,
  ): Promise<ReplicaFloorChange> {
    const object = this.#floorObject(service, unit);
    // Built on the ScaledObject as read, holds' annotations included (a release floor
    // checks the hold is still the switch's); the hold keys stay in holdAnnotations.
    const read = this.#scaledObject(service, unit);
    const patch = replicaFloorPatch(read, action);
    this.calls.push(`setReplicaFloor:${unit}=${patch.to}`);
    if (patch.ops.length > 0) {
      const next = jsonPatch.applyPatch(read, [...patch.ops] as jsonPatch.Operation[]).newDocument;
      const held = new Set(Object.keys(this.holdAnnotations[unit] ?? {}));
      const annotations = Object.fromEntries(
        Object.entries(next.metadata.annotations ?? {}).filter(([key]) => !held.has(key)),
      );
      this.floorObjects[unit] = {
        metadata: {
          resourceVersion: String(Number(object.metadata.resourceVersion) + 1),
          ...(Object.keys(annotations).length === 0 && object.metadata.annotations === undefined
            ? {}
            : { annotations }),
        },
        spec: next.spec,
      };
    }
    const scaledObject = service.units.find((u) => u.name === unit)?.scaledObject.name ?? unit;
    return { unit, scaledObject, outcome: patch.outcome, from: patch.from, to: patch.to };
  }

  async setScalingTarget(
    service: InferenceService,
    unit: string,
    build: ScalingTargetBuilder,
  ): Promise<ScalingChange> {
    const name = service.units.find((u) => u.name === unit)?.scaledObject.name ?? unit;
    const from = this.targets[unit];
    const value = build({ name, resourceVersion: "1", target: from, object: {} });
    this.calls.push(`setScalingTarget:${unit}=${value ?? "(declined)"}`);
    if (this.failScalingFor === unit) {
      throw new Error(`injected failure patching ${unit}`);
    }
    if (value === null) {
      return { unit, scaledObject: name, from, to: from, changed: false };
    }
    this.targets[unit] = value;
    return { unit, scaledObject: name, from, to: value, changed: from !== value };
  }

  async holdReplicas(
    service: InferenceService,
    unit: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold> {
    this.calls.push(`holdReplicas:${unit}=${replicas}`);
    const scaledObject = service.units.find((u) => u.name === unit)?.scaledObject.name ?? unit;
    const { outcome, patch, pausedBy } = replicaHoldPatch(this.holdAnnotations[unit] ?? {}, replicas, owner);
    if (patch !== null) {
      const next: Record<string, string> = { ...(this.holdAnnotations[unit] ?? {}) };
      for (const [key, value] of Object.entries(patch.metadata.annotations)) {
        if (value === null) {
          delete next[key];
        } else {
          next[key] = value;
        }
      }
      this.holdAnnotations[unit] = next;
    }
    return { unit, scaledObject, replicas, outcome, ...(pausedBy === undefined ? {} : { pausedBy }) };
  }

  /** The replica count a unit is held at by a Switchyard switch, if any. */
  heldAt(unit: string): number | null {
    const value = this.holdAnnotations[unit]?.[KEDA_PAUSED_REPLICAS];
    return value === undefined ? null : Number(value);
  }

  /** Units whose KEDA does not resume after a release (KEDA issue #6982): Paused stays True, no HPA. */
  stuckPaused = new Set<string>();

  /** KEDA as it reconciles a hold: paused-replicas set → Paused True, HPA deleted; removed → back. */
  async autoscalingOf(service: InferenceService, unit: string): Promise<AutoscalingState> {
    this.calls.push(`autoscalingOf:${unit}`);
    const scaledObject = service.units.find((u) => u.name === unit)?.scaledObject.name ?? unit;
    const annotations = this.holdAnnotations[unit] ?? {};
    const paused = annotations[KEDA_PAUSED_REPLICAS] ?? null;
    const pausedBy = foreignPauses(annotations);
    const resumed = kedaPauses(annotations).length === 0 && !this.stuckPaused.has(unit);
    return {
      unit,
      scaledObject,
      pausedReplicas: paused,
      pausedBy,
      pausedCondition: resumed ? "False" : "True",
      hpaName: `keda-hpa-${scaledObject}`,
      hpaFound: resumed,
    };
  }

  async patchRouting(_service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange> {
    this.calls.push("patchRouting");
    const before = structuredClone(this.ingress);
    const patch = build(before);
    if (patch === null) {
      return { before, after: before, changed: false };
    }
    const { resourceVersion: _rv, ...metadataPatch } = patch.metadata;
    const merged = mergePatch.apply(
      { annotations: { ...before.annotations } },
      { annotations: metadataPatch.annotations },
    ) as { annotations: Record<string, string> };
    const added = (patch.addRules ?? []).flatMap((rule) =>
      rule.http.paths.map((path) => ({
        service: path.backend.service.name,
        port: path.backend.service.port.name,
      })),
    );
    this.ingress = {
      ...before,
      annotations: merged.annotations,
      backends: [...(before.backends ?? []), ...added],
      resourceVersion: String(Number(before.resourceVersion) + 1),
    };
    return { before, after: structuredClone(this.ingress), changed: true };
  }

  async ingressEvents(_service: InferenceService, since: EpochMs): Promise<ClusterEvent[]> {
    this.calls.push("ingressEvents");
    return this.events.filter((e) => e.at >= since);
  }

  async capacityEvents(since: EpochMs): Promise<CapacitySignal[]> {
    this.calls.push("capacityEvents");
    return this.karpenter.filter((s) => s.at >= since);
  }

  /** The Events recorded, once per switch and reason (a retried step's second record writes nothing). */
  recorded: SwitchEvent[] = [];
  /** Set to make every Event write fail, as a Role without `create events` would. */
  failEvents: Error | null = null;

  async recordEvent(_service: InferenceService, event: SwitchEvent): Promise<void> {
    this.calls.push("recordEvent");
    if (this.failEvents !== null) {
      throw this.failEvents;
    }
    if (
      !this.recorded.some((e) => e.reason === event.reason && e.switchDecidedAt === event.switchDecidedAt)
    ) {
      this.recorded.push(event);
    }
  }
}

/** Records starts; a name started twice is refused, as Step Functions does. */
export class RecordingSwitchStarter implements SwitchStarter {
  records: SwitchRecord[] = [];
  readonly started: SwitchRequest[] = [];
  historyCalls = 0;

  async history(_service: string, since: EpochMs): Promise<SwitchRecord[]> {
    this.historyCalls += 1;
    return this.records.filter((r) => r.startedAt >= since).sort((a, b) => b.startedAt - a.startedAt);
  }

  async start(request: SwitchRequest): Promise<SwitchStart> {
    const executionArn = `arn:aws:states:us-west-2:123456789012:execution:switchyard:${request.name}`;
    if (this.started.some((s) => s.name === request.name)) {
      return { started: false, executionArn };
    }
    this.started.push(request);
    return { started: true, executionArn };
  }
}

export class CannedMetrics implements MetricsReader {
  readonly requests: MetricsRequest[] = [];
  snapshot: MetricsSnapshot;
  failure: Error | null = null;
  constructor(snapshot: MetricsSnapshot) {
    this.snapshot = snapshot;
  }
  async read(request: MetricsRequest): Promise<MetricsSnapshot> {
    this.requests.push(request);
    if (this.failure !== null) {
      throw this.failure;
    }
    return this.snapshot;
  }
}

/** A history read that returns what the test put in, and counts the calls. */
export class CannedHistory implements DemandHistoryReader {
  readonly requests: DemandHistoryRequest[] = [];
  histories: Record<string, DemandHistory>;
  constructor(histories: Record<string, DemandHistory> = {}) {
    this.histories = histories;
  }
  async read(request: DemandHistoryRequest): Promise<Record<string, DemandHistory>> {
    this.requests.push(request);
    return this.histories;
  }
}

export class RecordingRecorder implements CapacitySignalRecorder {
  readonly recorded: CapacitySignal[] = [];
  async record(signals: readonly CapacitySignal[]): Promise<void> {
    this.recorded.push(...signals);
  }
}

/** The cluster tags Karpenter puts on the instances it launches (aws/karpenter-provider-aws, v1). */
export function karpenterNodeTags(clusterName: string, nodePool = "default"): Record<string, string> {
  return {
    "karpenter.sh/nodepool": nodePool,
    "eks:eks-cluster-name": clusterName,
    [`kubernetes.io/cluster/${clusterName}`]: "owned",
  };
}

/** DescribeInstances as a lookup: each known instance's type and tags (by default, a Karpenter node of `clusterName`). */
export class FixedInstanceTypes implements InstanceTypeResolver {
  readonly instances: Record<string, ResolvedInstance>;
  constructor(types: Record<string, string | ResolvedInstance>, clusterName = "hw-agnostic-infer") {
    this.instances = Object.fromEntries(
      Object.entries(types).map(([id, type]) => [
        id,
        typeof type === "string" ? { instanceType: type, tags: karpenterNodeTags(clusterName) } : type,
      ]),
    );
  }
  async instanceOf(instanceId: string): Promise<ResolvedInstance | null> {
    return this.instances[instanceId] ?? null;
  }
}

export class FixedLocator implements LoadBalancerLocator {
  async locate(service: InferenceService): Promise<LoadBalancerTargets> {
    return {
      loadBalancerArn: `arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/${service.name}/abc`,
      loadBalancerDimension: `app/${service.name}/abc`,
      targetGroups: Object.fromEntries(
        [
          ...service.units.map((u) => u.service.name),
          ...(service.consolidatedService ? [service.consolidatedService.name] : []),
        ].map((name) => [name, { arn: `arn:tg/${name}`, dimension: `targetgroup/${name}/0123` }]),
      ),
    };
  }
}

/**
 * The ALB's target health as a test sets it: every Service's target group has `healthy`
 * targets unless `set` says otherwise for it (null: the ALB has no target group for it).
 */
export class FixedTargetHealth implements TargetHealthReader {
  readonly #groups = new Map<string, TargetGroupHealth["targets"] | null>();
  calls = 0;

  set(serviceName: string, targets: TargetGroupHealth["targets"] | null): void {
    this.#groups.set(serviceName, targets);
  }

  async health(_service: InferenceService, serviceNames: readonly string[]): Promise<TargetGroupHealth[]> {
    this.calls += 1;
    return serviceNames.map((serviceName) => {
      const targets = this.#groups.has(serviceName) ? this.#groups.get(serviceName) : { healthy: 2 };
      return targets === null || targets === undefined
        ? { serviceName, targetGroupArn: null, targets: {} }
        : { serviceName, targetGroupArn: `arn:tg/${serviceName}`, targets };
    });
  }
}

/** An ALB that shows the weights of the annotation after `lag` checks (never, with Infinity). */
export class LaggingAlb implements RoutingVerifier {
  checks = 0;
  readonly lag: number;
  constructor(lag: number) {
    this.lag = lag;
  }
  async verify(_service: InferenceService, expected: readonly TargetGroupWeight[]): Promise<RoutingCheck> {
    this.checks += 1;
    const applied = this.checks > this.lag;
    return {
      applied,
      differences: applied
        ? []
        : expected.map((g) => ({ serviceName: g.serviceName, expected: g.weight, actual: null })),
      ruleArn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener-rule/app/sd21/abc/def/1",
    };
  }
}
