import type {
  AutoscalingState,
  CapacitySignal,
  ClusterEvent,
  EpochMs,
  FloorAction,
  InferenceService,
  ScaledObjectState,
  ServiceClusterState,
  UnitWorkload,
} from "@switchyard/core";
import {
  foreignPauses,
  KEDA_PAUSED_REPLICAS,
  kedaHpaName,
  replicaFloorPatch,
  replicaHoldPatch,
  type SwitchEvent,
  scaledObjectTargetPatch,
} from "@switchyard/core/manifests";
import type {
  ClusterGateway,
  IngressPatchBuilder,
  ReplicaFloorChange,
  ReplicaHold,
  RoutingChange,
  ScalingChange,
  ScalingTargetBuilder,
} from "@switchyard/core/ports";
import { ConflictError } from "../errors.ts";
import type { EnvironmentModel } from "../model/environment.ts";
import type { SimClock } from "./sim-clock.ts";

/** Retries of a merge patch refused with 409 before giving up, as the real gateway does. */
const CONFLICT_RETRIES = 3;

/**
 * The cluster as Switchyard's ClusterGateway sees it, over the environment model: the
 * Ingress (annotations, resourceVersion), each unit's Deployment and unschedulable pods,
 * the ScaledObjects, the Load Balancer Controller's events and Karpenter's
 * InsufficientCapacityError events.
 */
export class InMemoryClusterGateway implements ClusterGateway {
  readonly #env: EnvironmentModel;
  readonly #clock: SimClock;
  /** The Events the switches recorded on the Ingress, oldest first, once each (as the API server keeps them by name). */
  readonly recordedEvents: SwitchEvent[] = [];

  constructor(env: EnvironmentModel, clock: SimClock) {
    this.#env = env;
    this.#clock = clock;
  }

  async readService(service: InferenceService): Promise<ServiceClusterState> {
    const units: Record<string, UnitWorkload> = {};
    for (const unit of service.units) {
      const deployment = this.#env.deployments.get(unit.name);
      units[unit.name] =
        deployment === undefined
          ? { desiredReplicas: 0, readyReplicas: 0, deploymentFound: false, unschedulablePods: [] }
          : {
              desiredReplicas: deployment.replicas,
              readyReplicas: deployment.count("ready"),
              deploymentFound: true,
              unschedulablePods: deployment.pending().map((pod) => ({
                name: `${unit.deployment}-${pod.id.toString(36).padStart(5, "0")}`,
                since: pod.createdAt,
              })),
            };
    }
    return { ingress: this.#env.ingress.read(), units };
  }

  async readScaledObjects(service: InferenceService): Promise<Readonly<Record<string, ScaledObjectState>>> {
    const out: Record<string, ScaledObjectState> = {};
    for (const unit of service.units) {
      const object = this.#env.scaledObjects.get(unit.name);
      if (object !== undefined) {
        out[unit.name] = object.read();
      }
    }
    return out;
  }

  async setScalingTarget(
    service: InferenceService,
    unitName: string,
    build: ScalingTargetBuilder,
  ): Promise<ScalingChange> {
    const unit = service.units.find((u) => u.name === unitName);
    const object = this.#env.scaledObjects.get(unitName);
    if (unit === undefined || object === undefined) {
      throw new Error(`service ${service.name} has no unit ${unitName} with a ScaledObject`);
    }
    const current = object.read();
    const value = build(current);
    const ops = value === null ? [] : scaledObjectTargetPatch(current.object, unit.scaledObject, value);
    if (ops.length > 0) {
      object.jsonPatch(ops);
    }
    return {
      unit: unitName,
      scaledObject: object.name,
      from: current.target,
      to: value ?? current.target,
      changed: ops.length > 0,
    };
  }

  async holdReplicas(
    service: InferenceService,
    unitName: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold> {
    const object = this.#env.scaledObjects.get(unitName);
    if (object === undefined || !service.units.some((u) => u.name === unitName)) {
      throw new Error(`service ${service.name} has no unit ${unitName} with a ScaledObject`);
    }
    const { outcome, patch, pausedBy } = replicaHoldPatch(object.annotations(), replicas, owner);
    if (patch !== null) {
      object.mergeAnnotations(patch.metadata.annotations);
    }
    return {
      unit: unitName,
      scaledObject: object.name,
      replicas,
      outcome,
      ...(pausedBy === undefined ? {} : { pausedBy }),
    };
  }

  async setReplicaFloor(
    service: InferenceService,
    unitName: string,
    action: FloorAction,
  ): Promise<ReplicaFloorChange> {
    const object = this.#env.scaledObjects.get(unitName);
    if (object === undefined || !service.units.some((u) => u.name === unitName)) {
      throw new Error(`service ${service.name} has no unit ${unitName} with a ScaledObject`);
    }
    const patch = replicaFloorPatch(object.read().object, action);
    if (patch.ops.length > 0) {
      object.jsonPatch(patch.ops);
    }
    return {
      unit: unitName,
      scaledObject: object.name,
      outcome: patch.outcome,
      from: patch.from,
      to: patch.to,
    };
  }

  /**
   * The environment's KEDA reconciles at once: paused-replicas set means Paused=True and
   * no HPA (KEDA deletes it while paused); removed means Paused=False and the HPA back.
   */
  async autoscalingOf(service: InferenceService, unitName: string): Promise<AutoscalingState> {
    const object = this.#env.scaledObjects.get(unitName);
    if (object === undefined || !service.units.some((u) => u.name === unitName)) {
      throw new Error(`service ${service.name} has no unit ${unitName} with a ScaledObject`);
    }
    const paused = object.annotations()[KEDA_PAUSED_REPLICAS] ?? null;
    return {
      unit: unitName,
      scaledObject: object.name,
      pausedReplicas: paused,
      pausedBy: foreignPauses(object.annotations()),
      pausedCondition: paused === null ? "False" : "True",
      hpaName: kedaHpaName(object.read().object, object.name),
      hpaFound: paused === null,
    };
  }

  async patchRouting(_service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange> {
    for (let attempt = 0; ; attempt += 1) {
      const before = this.#env.ingress.read();
      const patch = build(before);
      if (patch === null) {
        return { before, after: before, changed: false };
      }
      try {
        const after = this.#env.ingress.mergePatch(patch, this.#clock.now());
        this.#env.ingressChanged();
        return { before, after, changed: after.resourceVersion !== before.resourceVersion };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= CONFLICT_RETRIES) {
          throw error;
        }
      }
    }
  }

  async ingressEvents(_service: InferenceService, since: EpochMs): Promise<readonly ClusterEvent[]> {
    const now = this.#clock.now();
    return this.#env.alb.events.filter((e) => e.at >= since && e.at <= now);
  }

  async capacityEvents(since: EpochMs): Promise<readonly CapacitySignal[]> {
    const now = this.#clock.now();
    // Karpenter's InsufficientCapacityError event carries EC2's message: the on-demand
    // text names the type and zone ("We currently do not have sufficient inf2.xlarge
    // capacity in the Availability Zone you requested (us-west-2a)"), the Spot text names
    // neither ("There is no Spot capacity available that matches your request."), and no
    // capacity type ever (kubernetes-sigs/karpenter pkg/controllers/nodeclaim/lifecycle/
    // events.go; karpenterCapacitySignals skips a message without a type).
    return this.#env.capacityErrors
      .filter((e) => e.at >= since && e.at <= now && e.capacityType === "on-demand")
      .map((e) => ({
        instanceType: e.instanceType,
        at: e.at,
        source: "karpenter-event",
        code: e.code,
        count: e.count,
        ...(e.zone === null ? {} : { availabilityZone: e.zone }),
        detail: `InsufficientCapacityError for ${e.units.join(", ")}`,
      }));
  }

  async recordEvent(_service: InferenceService, event: SwitchEvent): Promise<void> {
    const same = (e: SwitchEvent) => e.reason === event.reason && e.switchDecidedAt === event.switchDecidedAt;
    if (!this.recordedEvents.some(same)) {
      this.recordedEvents.push(event);
    }
  }
}
