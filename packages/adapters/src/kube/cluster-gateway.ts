import { Logger } from "@aws-lambda-powertools/logger";
import {
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1APIResourceList,
  type V1Deployment,
  type V1Ingress,
  type V1Pod,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import {
  type AutoscalingState,
  type CapacitySignal,
  type ClusterEvent,
  type ClusterGateway,
  type DeploymentUnit,
  type EpochMs,
  type InferenceService,
  type IngressPatchBuilder,
  KARPENTER_CAPACITY_REASON,
  KEDA_PAUSED_REPLICAS,
  karpenterCapacitySignals,
  kedaHpaName,
  type ReplicaHold,
  type RoutingChange,
  replicaHoldPatch,
  type ScaledObjectState,
  type ScalingChange,
  type ScalingTargetBuilder,
  type ServiceClusterState,
  SwitchyardError,
  scaledObjectTargetPatch,
} from "@switchyard/core";
import {
  ClusterAccessError,
  KubernetesConflictError,
  KubernetesNotFoundError,
  UnknownUnitError,
} from "../errors.ts";
import {
  eventsSince,
  ingressStateOf,
  type ListedEvent,
  type ScaledObjectJson,
  scaledObjectStateOf,
  unitWorkloads,
} from "./cluster-state.ts";
import type { KubeConfigSource } from "./kube-config.ts";
import { kubernetesError, statusCodeOf } from "./kube-errors.ts";
import { describeTarget, KUBE_RESOURCES, type KubeTarget, type KubeVerb } from "./kube-target.ts";

export interface KubernetesClusterGatewayOptions {
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
}

/**
 * The built-in objects (Ingress, Deployments, Pods, Events, the HPA) go through
 * client-node's generic KubernetesObjectApi rather than the generated per-group
 * classes (CoreV1Api, AppsV1Api, ...): each of those carries every method of its
 * group, about 0.9 MiB of a Lambda bundle for the six calls made here. The generic API
 * finds a kind's plural and scope by discovery (GET /api/v1, /apis/<group>/<version>);
 * its answers are kept here for the gateway's life, so a container asks once per group.
 * ScaledObjects stay on CustomObjectsApi: their patch is a JSON-patch array, and
 * KubernetesObjectApi.patch sends the object it is given as the body.
 */
class SharedDiscoveryObjectApi extends KubernetesObjectApi {
  sharing(cache: Record<string, V1APIResourceList>): this {
    this.apiVersionResourceCache = cache;
    return this;
  }
}

interface Apis {
  /** The config the clients were made from: handed back as refused on a 401. */
  readonly config: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
}

const INGRESS = { apiVersion: "networking.k8s.io/v1", kind: "Ingress" } as const;
const HPA = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" } as const;

const KEDA = KUBE_RESOURCES.scaledObjects;
/** CustomObjectsApi's way of choosing the patch type (the generic API takes it as an argument). */
const JSON_PATCH = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function ingressTarget(service: InferenceService, verb: KubeVerb): KubeTarget {
  return {
    verb,
    resource: KUBE_RESOURCES.ingresses,
    namespace: service.namespace,
    name: service.ingress,
    configField: `services[${service.name}].ingress`,
  };
}

function scaledObjectTarget(service: InferenceService, unit: DeploymentUnit, verb: KubeVerb): KubeTarget {
  return {
    verb,
    resource: KEDA,
    namespace: service.namespace,
    name: unit.scaledObject.name,
    configField: `services[${service.name}].units[${unit.name}].scaledObject.name`,
  };
}

/** The unit a step names, or an error naming the config field to check. */
function unitNamed(service: InferenceService, unitName: string): DeploymentUnit {
  const unit = service.units.find((u) => u.name === unitName);
  if (unit === undefined) {
    throw new UnknownUnitError(
      `service ${service.name} has no unit ${unitName}; its units are ${service.units.map((u) => u.name).join(", ")}. The step's input names a unit that services[${service.name}].units of the config does not: was the config changed during the switch?`,
    );
  }
  return unit;
}

/**
 * A merge patch of annotations only, guarded by the version read: the API server
 * answers 409 when the object moved on since.
 */
function guardedAnnotations(
  annotations: Readonly<Record<string, string | null>>,
  resourceVersion: string,
): { metadata: { resourceVersion: string; annotations: Record<string, string | null> } } {
  return { metadata: { resourceVersion, annotations: { ...annotations } } };
}

/**
 * The ClusterGateway over @kubernetes/client-node 2.x. Reads cost one request per
 * object kind; writes are guarded (resourceVersion on the Ingress, a `test` op on the
 * ScaledObject) and retried from a fresh read when someone else wrote in between.
 */
export class KubernetesClusterGateway implements ClusterGateway {
  readonly #kubeConfig: KubeConfigSource;
  readonly #logger: Logger;
  readonly #karpenterEventNamespace: string;
  readonly #maxConflictRetries: number;
  /** Discovery answers by group/version: the same for every token, so kept across configs. */
  readonly #discovery: Record<string, V1APIResourceList> = {};

  constructor(options: KubernetesClusterGatewayOptions) {
    const retries = options.maxConflictRetries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new RangeError(`maxConflictRetries must be a whole number >= 0, got ${retries}`);
    }
    this.#kubeConfig = options.kubeConfig;
    this.#maxConflictRetries = retries;
    this.#karpenterEventNamespace = options.karpenterEventNamespace ?? "default";
    this.#logger = (options.logger ?? new Logger({ serviceName: "switchyard" })).createChild({
      persistentKeys: { adapter: "kubernetes" },
    });
  }

  readService(service: InferenceService): Promise<ServiceClusterState> {
    return this.#renewingRefusedToken((apis) => this.#readService(apis, service));
  }

  async #readService(apis: Apis, service: InferenceService): Promise<ServiceClusterState> {
    const namespace = service.namespace;
    const [ingress, deployments, pods] = await Promise.all([
      this.#call(ingressTarget(service, "get"), () => readIngress(apis, service)),
      this.#call({ verb: "list", resource: KUBE_RESOURCES.deployments, namespace }, () =>
        apis.objects.list<V1Deployment>("apps/v1", "Deployment", namespace),
      ),
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
      units: unitWorkloads(service.units, deployments.items, pods.items),
    };
  }

  readScaledObjects(service: InferenceService): Promise<Readonly<Record<string, ScaledObjectState>>> {
    return this.#renewingRefusedToken((apis) => this.#readScaledObjects(apis, service));
  }

  async #readScaledObjects(
    apis: Apis,
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
    return this.#renewingRefusedToken((apis) => this.#setScalingTarget(apis, service, unitName, build));
  }

  async #setScalingTarget(
    apis: Apis,
    service: InferenceService,
    unitName: string,
    build: ScalingTargetBuilder,
  ): Promise<ScalingChange> {
    const unit = unitNamed(service, unitName);
    const ref = unit.scaledObject;
    const { current, patch } = await this.#guardedWrite({
      target: scaledObjectTarget(service, unit, "patch"),
      read: async () => scaledObjectStateOf(await this.#readScaledObject(apis, service, unit), ref),
      build: (state) => {
        const value = build(state);
        if (value === null) {
          return null;
        }
        const ops = scaledObjectTargetPatch(state.object, ref, value);
        return ops.length === 0 ? null : { value, ops };
      },
      send: ({ ops }) =>
        apis.custom.patchNamespacedCustomObject(
          { ...KEDA, namespace: service.namespace, name: ref.name, body: ops },
          // The content type is set, not left to client-node's per-API default: CRDs
          // refuse strategic merge, and a merge patch would replace `triggers` whole.
          JSON_PATCH,
        ),
      intent: ({ value }) => `to set ${ref.metadataKey} to ${value}`,
      log: {
        landed: "scaledobject-patched",
        retrying: "scaledobject-changed-retrying",
        keys: { scaledObject: `${service.namespace}/${ref.name}` },
        landedKeys: ({ value }, read, written) => ({
          from: read.target,
          to: value,
          resourceVersion: (written as ScaledObjectJson).metadata?.resourceVersion,
        }),
      },
    });
    if (patch === null) {
      // Declined, or already holding the value built: nothing was sent.
      return {
        unit: unit.name,
        scaledObject: ref.name,
        from: current.target,
        to: current.target,
        changed: false,
      };
    }
    return { unit: unit.name, scaledObject: ref.name, from: current.target, to: patch.value, changed: true };
  }

  holdReplicas(
    service: InferenceService,
    unitName: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold> {
    return this.#renewingRefusedToken((apis) => this.#holdReplicas(apis, service, unitName, replicas, owner));
  }

  async #holdReplicas(
    apis: Apis,
    service: InferenceService,
    unitName: string,
    replicas: number | null,
    owner: string,
  ): Promise<ReplicaHold> {
    const unit = unitNamed(service, unitName);
    const namespace = service.namespace;
    const name = unit.scaledObject.name;
    let outcome: ReplicaHold["outcome"] = "unchanged";
    await this.#guardedWrite({
      target: scaledObjectTarget(service, unit, "patch"),
      read: async () => {
        const object = await this.#readScaledObject(apis, service, unit);
        return {
          resourceVersion: object.metadata?.resourceVersion ?? "",
          annotations: object.metadata?.annotations ?? {},
        };
      },
      build: (current) => {
        const built = replicaHoldPatch(current.annotations, replicas, owner);
        outcome = built.outcome;
        return built.patch;
      },
      // Annotations only: a merge patch never touches the triggers.
      send: (patch, current) =>
        apis.custom.patchNamespacedCustomObject(
          {
            ...KEDA,
            namespace,
            name,
            body: guardedAnnotations(patch.metadata.annotations, current.resourceVersion),
          },
          MERGE_PATCH,
        ),
      intent: () =>
        replicas === null ? "to release its replica hold" : `to hold it at ${replicas} replicas`,
      log: {
        landed: "scaledobject-hold",
        retrying: "scaledobject-hold-conflict-retrying",
        keys: { scaledObject: `${namespace}/${name}` },
        landedKeys: () => ({ replicas, outcome }),
      },
    });
    return { unit: unit.name, scaledObject: name, replicas, outcome };
  }

  autoscalingOf(service: InferenceService, unitName: string): Promise<AutoscalingState> {
    return this.#renewingRefusedToken((apis) => this.#autoscalingOf(apis, service, unitName));
  }

  async #autoscalingOf(apis: Apis, service: InferenceService, unitName: string): Promise<AutoscalingState> {
    const unit = unitNamed(service, unitName);
    const namespace = service.namespace;
    const name = unit.scaledObject.name;
    const object = await this.#readScaledObject(apis, service, unit);
    const hpaName = kedaHpaName(object, name);
    let hpaFound = true;
    try {
      await apis.objects.read<V2HorizontalPodAutoscaler>({ ...HPA, metadata: { name: hpaName, namespace } });
    } catch (error) {
      if (statusCodeOf(error) !== 404) {
        throw this.#failed(error, {
          verb: "get",
          resource: KUBE_RESOURCES.horizontalPodAutoscalers,
          namespace,
          name: hpaName,
        });
      }
      hpaFound = false;
    }
    const paused = object.status?.conditions?.find((c) => c.type === "Paused");
    return {
      unit: unit.name,
      scaledObject: name,
      pausedReplicas: object.metadata?.annotations?.[KEDA_PAUSED_REPLICAS] ?? null,
      pausedCondition: paused?.status ?? null,
      hpaName,
      hpaFound,
    };
  }

  patchRouting(service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange> {
    return this.#renewingRefusedToken((apis) => this.#patchRouting(apis, service, build));
  }

  async #patchRouting(
    apis: Apis,
    service: InferenceService,
    build: IngressPatchBuilder,
  ): Promise<RoutingChange> {
    const namespace = service.namespace;
    const { current, written } = await this.#guardedWrite({
      target: ingressTarget(service, "patch"),
      read: async () =>
        ingressStateOf(
          await this.#call(ingressTarget(service, "get"), () => readIngress(apis, service)),
          namespace,
        ),
      build,
      // Only annotations are sent, guarded by the version just read (not one the
      // builder may have carried from an earlier read).
      send: async (patch, before) =>
        ingressStateOf(
          await apis.objects.patch(
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
          ),
          namespace,
        ),
      intent: () => "(409 Conflict every time)",
      log: {
        landed: "ingress-patched",
        retrying: "ingress-conflict-retrying",
        keys: { ingress: `${namespace}/${service.ingress}` },
        landedKeys: (patch, before, after) => ({
          annotations: Object.keys(patch.metadata.annotations),
          resourceVersion: { read: before.resourceVersion, written: after.resourceVersion },
        }),
      },
    });
    if (written === null) {
      return { before: current, after: current, changed: false };
    }
    return { before: current, after: written, changed: written.resourceVersion !== current.resourceVersion };
  }

  /**
   * The one write path: read → build → patch. The patch is built from the object just
   * read and sent guarded by what was read (a resourceVersion precondition, or the
   * JSON patch's `test` ops). A 409 Conflict, or a 422 after which the object is found
   * moved on (a failed `test`), means someone wrote in between: the object is read
   * again and the builder runs on the fresh one, a bounded number of times. A 422 on an
   * object that did not move is the server refusing the content, thrown as it is. The
   * builder may decline (null): nothing is sent.
   */
  /** One unit's ScaledObject, as the API server has it now. */
  async #readScaledObject(
    apis: Apis,
    service: InferenceService,
    unit: DeploymentUnit,
  ): Promise<ScaledObjectRead> {
    return (await this.#call(scaledObjectTarget(service, unit, "get"), () =>
      apis.custom.getNamespacedCustomObject({
        ...KEDA,
        namespace: service.namespace,
        name: unit.scaledObject.name,
      }),
    )) as ScaledObjectRead;
  }

  async #guardedWrite<O extends { readonly resourceVersion: string }, P, W>(write: {
    readonly target: KubeTarget;
    read(): Promise<O>;
    build(current: O): P | null;
    send(patch: P, current: O): Promise<W>;
    /** What the write was for, in the message of a conflict that never cleared. */
    intent(patch: P): string;
    /** Log events of a write that landed and of a retry, with the keys that name the object and the change. */
    readonly log: {
      readonly landed: string;
      readonly retrying: string;
      readonly keys: Readonly<Record<string, unknown>>;
      landedKeys?(patch: P, current: O, written: W): Readonly<Record<string, unknown>>;
    };
  }): Promise<{ current: O; patch: P | null; written: W | null; attempt: number }> {
    const { target } = write;
    let current = await write.read();
    for (let attempt = 1; ; attempt += 1) {
      const patch = write.build(current);
      if (patch === null) {
        return { current, patch, written: null, attempt };
      }
      try {
        const written = await write.send(patch, current);
        this.#logger.info(write.log.landed, {
          ...write.log.keys,
          ...write.log.landedKeys?.(patch, current, written),
          attempt,
        });
        return { current, patch, written, attempt };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status !== 409 && status !== 422) {
          throw this.#failed(error, target);
        }
        const fresh = await write.read();
        if (status === 422 && fresh.resourceVersion === current.resourceVersion) {
          throw this.#failed(error, target);
        }
        if (attempt > this.#maxConflictRetries) {
          throw new KubernetesConflictError(
            `${describeTarget(target)} changed under Switchyard on each of ${attempt} attempts ${write.intent(patch)}; retry the step`,
            { cause: error },
          );
        }
        this.#logger.warn(write.log.retrying, {
          ...write.log.keys,
          resourceVersion: { read: current.resourceVersion, now: fresh.resourceVersion },
          status,
          attempt,
        });
        current = fresh;
      }
    }
  }

  ingressEvents(service: InferenceService, since: EpochMs): Promise<readonly ClusterEvent[]> {
    return this.#renewingRefusedToken((apis) => this.#ingressEvents(apis, service, since));
  }

  async #ingressEvents(
    apis: Apis,
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
    return this.#renewingRefusedToken((apis) => this.#capacityEvents(apis, since));
  }

  async #capacityEvents(apis: Apis, since: EpochMs): Promise<readonly CapacitySignal[]> {
    const namespace = this.#karpenterEventNamespace;
    const list = await this.#call({ verb: "list", resource: KUBE_RESOURCES.events, namespace }, () =>
      listEvents(apis, namespace, `reason=${KARPENTER_CAPACITY_REASON}`),
    );
    return karpenterCapacitySignals(eventsSince(list.items, since));
  }

  /**
   * Runs one operation with the cluster's clients. When the API server refuses the token
   * (401), the config is handed back as refused, so a new token is signed, and the
   * operation runs once more: a refused request changed nothing, and every write is
   * guarded by what it read. An EKS token can be refused long before its renewal (the
   * signing credentials' session ended, the access entry changed); reusing it would fail
   * every request until then. A second 401 is thrown as it came.
   */
  async #renewingRefusedToken<T>(operation: (apis: Apis) => Promise<T>): Promise<T> {
    const apis = await this.#apis();
    try {
      return await operation(apis);
    } catch (error) {
      if (statusCodeOf(error instanceof SwitchyardError ? error.cause : error) !== 401) {
        throw error;
      }
      this.#logger.warn("token-refused-retrying", { status: 401 });
      return await operation(await this.#apis(apis.config));
    }
  }

  async #apis(refused?: KubeConfig): Promise<Apis> {
    let config: KubeConfig;
    try {
      config = await this.#kubeConfig(refused);
    } catch (error) {
      if (error instanceof SwitchyardError) {
        throw error;
      }
      throw new ClusterAccessError(
        `could not get the cluster's endpoint, CA or token: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, cause: error },
      );
    }
    try {
      return {
        config,
        objects: config.makeApiClient(SharedDiscoveryObjectApi).sharing(this.#discovery),
        custom: config.makeApiClient(CustomObjectsApi),
      };
    } catch (error) {
      throw new ClusterAccessError(
        `the Kubernetes client config is unusable: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: false, cause: error },
      );
    }
  }

  async #call<T>(target: KubeTarget, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.#failed(error, target);
    }
  }

  #failed(error: unknown, target: KubeTarget): SwitchyardError {
    const mapped = kubernetesError(error, target);
    this.#logger.warn("kubernetes-request-failed", {
      verb: target.verb,
      resource: target.resource.plural,
      namespace: target.namespace,
      name: target.name,
      status: statusCodeOf(error),
      error: mapped.name,
    });
    return mapped;
  }
}

/** A ScaledObject as read: KEDA's fields and the annotations the holds keep. */
type ScaledObjectRead = ScaledObjectJson & { metadata?: { annotations?: Record<string, string> } };

function readIngress(apis: Apis, service: InferenceService): Promise<V1Ingress> {
  return apis.objects.read<V1Ingress>({
    ...INGRESS,
    metadata: { name: service.ingress, namespace: service.namespace },
  });
}

/**
 * A LIST of core/v1 Events. Its items come back as JSON (times as RFC 3339 strings):
 * client-node types the list by apiVersion and kind as `V1EventList`, a model it does
 * not have (the core Event is `CoreV1Event`), so only the list's own metadata is typed.
 */
async function listEvents(
  apis: Apis,
  namespace: string,
  fieldSelector: string,
): Promise<{ items: ListedEvent[] }> {
  const list = await apis.objects.list(
    "v1",
    "Event",
    namespace,
    undefined,
    undefined,
    undefined,
    fieldSelector,
  );
  return { items: list.items as unknown as ListedEvent[] };
}
