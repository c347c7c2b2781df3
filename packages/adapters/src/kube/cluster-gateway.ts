import { Logger } from "@aws-lambda-powertools/logger";
import {
  type KubernetesObject,
  PatchStrategy,
  type V1Deployment,
  type V1Ingress,
  type V1Pod,
} from "@kubernetes/client-node";
import {
  type AutoscalingState,
  type CapacitySignal,
  type ClusterEvent,
  type EpochMs,
  type FloorAction,
  type InferenceService,
  type IngressState,
  KARPENTER_CAPACITY_REASON,
  karpenterCapacitySignals,
  type ScaledObjectState,
  type ServiceClusterState,
} from "@switchyard/core";
import {
  type IngressAsRead,
  type IngressMergePatch,
  ingressJsonPatch,
  type SwitchEvent,
  switchEventObject,
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
import { KubernetesNotFoundError } from "../errors.ts";
import {
  eventsSince,
  ingressStateOf,
  type ScaledObjectJson,
  scaledObjectStateOf,
  unitWorkloads,
} from "./cluster-state.ts";
import { type GuardedWrite, guardedWrite } from "./guarded-write.ts";
import { type KubeApis, RenewingKubeApis } from "./kube-apis.ts";
import type { KubeConfigSource } from "./kube-config.ts";
import { statusCodeOf } from "./kube-errors.ts";
import { failedRequest, sendRequest } from "./kube-request.ts";
import { describeTarget, KUBE_RESOURCES, type KubeTarget } from "./kube-target.ts";
import {
  autoscalingOf,
  type GatewayWriteOptions,
  holdReplicas,
  setReplicaFloor,
  setScalingTarget,
} from "./scaled-object-operations.ts";
import {
  guardedAnnotations,
  INGRESS,
  ingressTarget,
  JSON_PATCH,
  KEDA,
  listEvents,
  readIngress,
  scaledObjectTarget,
} from "./service-objects.ts";

interface KubernetesClusterGatewayOptions {
  /**
   * Called once per operation; the caller caches the endpoint and refreshes the token before
   * it expires, and signs a new one when handed a config whose token was refused (401).
   */
  readonly kubeConfig: KubeConfigSource;
  readonly logger?: Logger;
  /** Where Karpenter's events on cluster-scoped NodeClaims land. */
  readonly karpenterEventNamespace?: string;
  /** Fresh reads and retries after a 409 (or a failed JSON-patch test) before giving up. */
  readonly maxConflictRetries?: number;
  /**
   * The `reportingInstance` of the Events this gateway records: who wrote them, e.g. the
   * Lambda function's name. "switchyard" unless told.
   */
  readonly reportingInstance?: string;
}

/**
 * The ClusterGateway over @kubernetes/client-node 2.x. Reads cost one request per
 * object kind; every write goes through `guardedWrite` (guarded-write.ts): guarded by
 * what it read (resourceVersion on the Ingress, `test` ops on the ScaledObject) and built
 * again from a fresh read when someone else wrote in between. Each operation runs with
 * clients from `RenewingKubeApis` (kube-apis.ts), which renews a refused token.
 */
export class KubernetesClusterGateway implements ClusterGateway {
  readonly #apis: RenewingKubeApis;
  readonly #logger: Logger;
  readonly #karpenterEventNamespace: string;
  /** The logger and conflict-retry budget every guarded write runs with. */
  readonly #writeOptions: GatewayWriteOptions;
  readonly #reportingInstance: string;

  constructor(options: KubernetesClusterGatewayOptions) {
    const retries = options.maxConflictRetries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new RangeError(`maxConflictRetries must be a whole number >= 0, got ${retries}`);
    }
    this.#karpenterEventNamespace = options.karpenterEventNamespace ?? "default";
    this.#reportingInstance = options.reportingInstance ?? "switchyard";
    this.#logger = (options.logger ?? new Logger({ serviceName: "switchyard" })).createChild({
      persistentKeys: { adapter: "kubernetes" },
    });
    this.#writeOptions = { logger: this.#logger, maxConflictRetries: retries };
    this.#apis = new RenewingKubeApis(options.kubeConfig, this.#logger);
  }

  readService(service: InferenceService): Promise<ServiceClusterState> {
    return this.#apis.run((apis) => this.#readService(apis, service));
  }

  async #readService(apis: KubeApis, service: InferenceService): Promise<ServiceClusterState> {
    const namespace = service.namespace;
    const [ingress, deployments, pods] = await Promise.all([
      this.#call(ingressTarget(service, "get"), () => readIngress(apis, service)),
      // Each unit's Deployment by name: the Role grants GET of those only, never a LIST of
      // every Deployment in the namespace (other workloads' pod templates and environment).
      Promise.all(service.units.map((unit) => this.#deployment(apis, namespace, unit.deployment))),
      // Only Pending pods can be unschedulable: running pods' specs are never fetched.
      this.#call({ verb: "list", resource: KUBE_RESOURCES.pods, namespace }, () =>
        apis.objects.list<V1Pod>(
          "v1",
          "Pod",
          namespace,
          undefined,
          undefined,
          undefined,
          "status.phase=Pending",
        ),
      ),
    ]);
    return {
      ingress: ingressStateOf(ingress, namespace),
      units: unitWorkloads(
        service.units,
        deployments.filter((d) => d !== null),
        pods.items,
      ),
    };
  }

  /** One Deployment, or null when it does not exist (the unit then runs no pods). */
  async #deployment(apis: KubeApis, namespace: string, name: string): Promise<V1Deployment | null> {
    try {
      return await this.#call({ verb: "get", resource: KUBE_RESOURCES.deployments, namespace, name }, () =>
        apis.objects.read<V1Deployment>({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name, namespace },
        }),
      );
    } catch (error) {
      if (error instanceof KubernetesNotFoundError) {
        return null;
      }
      throw error;
    }
  }

  readScaledObjects(service: InferenceService): Promise<Readonly<Record<string, ScaledObjectState>>> {
    return this.#apis.run((apis) => this.#readScaledObjects(apis, service));
  }

  async #readScaledObjects(
    apis: KubeApis,
    service: InferenceService,
  ): Promise<Readonly<Record<string, ScaledObjectState>>> {
    const namespace = service.namespace;
    const list = (await this.#call({ verb: "list", resource: KEDA, namespace }, () =>
      apis.custom.listNamespacedCustomObject({ ...KEDA, namespace }),
    )) as { items?: ScaledObjectJson[] };
    const items = list.items ?? [];
    const states: Record<string, ScaledObjectState> = {};
    const missing: string[] = [];
    for (const unit of service.units) {
      const found = items.find((o) => o.metadata?.name === unit.scaledObject.name);
      if (found === undefined) {
        missing.push(describeTarget(scaledObjectTarget(service, unit, "get")));
      } else {
        states[unit.name] = scaledObjectStateOf(found, unit.scaledObject);
      }
    }
    if (missing.length > 0) {
      throw new KubernetesNotFoundError(
        `${missing.join(", ")} not found; services[${service.name}].units[].scaledObject.name in the config names ${missing.length === 1 ? "it" : "them"}: fix the config or create the ScaledObject`,
      );
    }
    return states;
  }

  setScalingTarget(
    service: InferenceService,
    unitName: string,
    build: ScalingTargetBuilder,
  ): Promise<ScalingChange> {
    return this.#apis.run((apis) => setScalingTarget(apis, this.#writeOptions, service, unitName, build));
  }

  holdReplicas(
    service: InferenceService,
    unitName: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold> {
    return this.#apis.run((apis) =>
      holdReplicas(apis, this.#writeOptions, service, unitName, replicas, owner),
    );
  }

  setReplicaFloor(
    service: InferenceService,
    unitName: string,
    action: FloorAction,
  ): Promise<ReplicaFloorChange> {
    return this.#apis.run((apis) => setReplicaFloor(apis, this.#writeOptions, service, unitName, action));
  }

  autoscalingOf(service: InferenceService, unitName: string): Promise<AutoscalingState> {
    return this.#apis.run((apis) => autoscalingOf(apis, this.#writeOptions, service, unitName));
  }

  patchRouting(service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange> {
    return this.#apis.run((apis) => this.#patchRouting(apis, service, build));
  }

  async #patchRouting(
    apis: KubeApis,
    service: InferenceService,
    build: IngressPatchBuilder,
  ): Promise<RoutingChange> {
    const namespace = service.namespace;
    const { current, written } = await this.#write<
      IngressState & IngressAsRead,
      IngressMergePatch,
      IngressState
    >({
      target: ingressTarget(service, "patch"),
      read: async () => {
        const ingress = await this.#call(ingressTarget(service, "get"), () => readIngress(apis, service));
        return {
          ...ingressStateOf(ingress, namespace),
          hasAnnotations: ingress.metadata?.annotations !== undefined,
          hasRules: ingress.spec?.rules !== undefined,
        };
      },
      build,
      // Guarded by the version just read (not one the builder may have carried from an
      // earlier read): annotations alone go as a merge patch with that resourceVersion;
      // rules to append (a merge patch would replace the whole list) as a JSON patch
      // whose first op tests it, sent as application/json-patch+json.
      send: async (patch, before) => {
        if ((patch.addRules ?? []).length > 0) {
          // The custom-objects client addresses any group's resource by group, version
          // and plural; the generic API would address it by a body, which a JSON patch
          // is not, and the typed networking client would load client-node's generated
          // APIs at a cold start.
          const sent = (await apis.custom.patchNamespacedCustomObject(
            {
              group: KUBE_RESOURCES.ingresses.group,
              version: KUBE_RESOURCES.ingresses.version,
              plural: KUBE_RESOURCES.ingresses.plural,
              namespace,
              name: service.ingress,
              body: ingressJsonPatch(patch, before),
            },
            JSON_PATCH,
          )) as V1Ingress;
          return ingressStateOf(sent, namespace);
        }
        const sent = await apis.objects.patch(
          // apiVersion, kind, name and namespace address the object (the generic API
          // builds the URL from them); merged, they change nothing. The cast: a merge
          // patch's null removes an annotation (RFC 7386), which V1ObjectMeta cannot type.
          {
            ...INGRESS,
            metadata: {
              name: service.ingress,
              namespace,
              ...guardedAnnotations(patch.metadata.annotations, before.resourceVersion).metadata,
            },
          } as V1Ingress,
          undefined,
          undefined,
          undefined,
          undefined,
          PatchStrategy.MergePatch,
        );
        return ingressStateOf(sent, namespace);
      },
      intent: () => "(409 Conflict every time)",
      log: {
        landed: "ingress-patched",
        retrying: "ingress-conflict-retrying",
        keys: { ingress: `${namespace}/${service.ingress}` },
        landedKeys: (patch, before, after) => ({
          annotations: Object.keys(patch.metadata.annotations),
          ...((patch.addRules ?? []).length === 0 ? {} : { rulesAdded: (patch.addRules ?? []).length }),
          resourceVersion: { read: before.resourceVersion, written: after.resourceVersion },
        }),
      },
    });
    const read = stateOnly(current);
    if (written === null) {
      return { before: read, after: read, changed: false };
    }
    return { before: read, after: written, changed: written.resourceVersion !== read.resourceVersion };
  }

  ingressEvents(service: InferenceService, since: EpochMs): Promise<readonly ClusterEvent[]> {
    return this.#apis.run((apis) => this.#ingressEvents(apis, service, since));
  }

  async #ingressEvents(
    apis: KubeApis,
    service: InferenceService,
    since: EpochMs,
  ): Promise<readonly ClusterEvent[]> {
    const namespace = service.namespace;
    const list = await this.#call({ verb: "list", resource: KUBE_RESOURCES.events, namespace }, () =>
      listEvents(apis, namespace, `involvedObject.kind=Ingress,involvedObject.name=${service.ingress}`),
    );
    return eventsSince(list.items, since);
  }

  capacityEvents(since: EpochMs): Promise<readonly CapacitySignal[]> {
    return this.#apis.run((apis) => this.#capacityEvents(apis, since));
  }

  async #capacityEvents(apis: KubeApis, since: EpochMs): Promise<readonly CapacitySignal[]> {
    const namespace = this.#karpenterEventNamespace;
    const list = await this.#call({ verb: "list", resource: KUBE_RESOURCES.events, namespace }, () =>
      listEvents(apis, namespace, `reason=${KARPENTER_CAPACITY_REASON}`),
    );
    return karpenterCapacitySignals(eventsSince(list.items, since));
  }

  recordEvent(service: InferenceService, event: SwitchEvent): Promise<void> {
    return this.#apis.run((apis) => this.#recordEvent(apis, service, event));
  }

  /**
   * One POST of an events.k8s.io/v1 Event about the Ingress as read just before (its uid
   * is what `kubectl describe` selects the Events by). The name is the switch's and the
   * reason's, so a retried step's second create answers 409 AlreadyExists: the Event is
   * there already, and that is success.
   */
  async #recordEvent(apis: KubeApis, service: InferenceService, event: SwitchEvent): Promise<void> {
    const namespace = service.namespace;
    const ingress = await this.#call(ingressTarget(service, "get"), () => readIngress(apis, service));
    const uid = ingress.metadata?.uid;
    const resourceVersion = ingress.metadata?.resourceVersion;
    const body = switchEventObject({
      event,
      regarding: {
        ...INGRESS,
        namespace,
        name: service.ingress,
        ...(uid === undefined ? {} : { uid }),
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      reportingInstance: this.#reportingInstance,
    });
    const target: KubeTarget = { verb: "create", resource: KUBE_RESOURCES.eventsV1, namespace };
    try {
      // The object's own type: client-node's generic API types it by apiVersion and kind.
      await apis.objects.create(body as unknown as KubernetesObject);
    } catch (error) {
      if (statusCodeOf(error) === 409) {
        this.#logger.info("event-exists", { event: body.metadata.name, reason: event.reason });
        return;
      }
      throw failedRequest(error, target, this.#logger);
    }
    this.#logger.info("event-recorded", {
      event: body.metadata.name,
      reason: event.reason,
      ingress: `${namespace}/${service.ingress}`,
    });
  }

  #write<O extends { readonly resourceVersion: string }, P, W>(write: GuardedWrite<O, P, W>) {
    return guardedWrite(write, this.#writeOptions);
  }

  #call<T>(target: KubeTarget, send: () => Promise<T>): Promise<T> {
    return sendRequest(target, send, this.#logger);
  }
}

/** The Ingress state without what only the write needed to know. */
function stateOnly(read: IngressState & Partial<IngressAsRead>): IngressState {
  const { hasAnnotations: _annotations, hasRules: _rules, ...state } = read;
  return state;
}
