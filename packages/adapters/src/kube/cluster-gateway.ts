import { isDeepStrictEqual } from "node:util";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
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
  type JsonPatchOperation,
  KARPENTER_CAPACITY_REASON,
  KEDA_PAUSED_REPLICAS,
  karpenterCapacitySignals,
  kedaHpaName,
  PlanningError,
  type ReplicaHold,
  type RoutingChange,
  replicaHoldPatch,
  type ScaledObjectState,
  type ScalingChange,
  type ServiceClusterState,
  SwitchyardError,
  scaledObjectTargetPatch,
} from "@switchyard/core";
import { ClusterAccessError, KubernetesConflictError, KubernetesNotFoundError } from "../errors.ts";
import {
  eventsSince,
  ingressStateOf,
  type ScaledObjectJson,
  scaledObjectStateOf,
  scalingTargetOf,
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

interface Apis {
  /** The config the clients were made from: handed back as refused on a 401. */
  readonly config: KubeConfig;
  readonly networking: NetworkingV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
}

const KEDA = KUBE_RESOURCES.scaledObjects;
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

function guardsOf(patch: readonly JsonPatchOperation[]): JsonPatchOperation[] {
  return patch.filter((op) => op.op === "test");
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
      this.#call(ingressTarget(service, "get"), () =>
        apis.networking.readNamespacedIngress({ name: service.ingress, namespace }),
      ),
      this.#call({ verb: "list", resource: KUBE_RESOURCES.deployments, namespace }, () =>
        apis.apps.listNamespacedDeployment({ namespace }),
      ),
      this.#call({ verb: "list", resource: KUBE_RESOURCES.pods, namespace }, () =>
        apis.core.listNamespacedPod({ namespace, fieldSelector: "status.phase=Pending" }),
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

  setScalingTarget(service: InferenceService, unitName: string, value: string): Promise<ScalingChange> {
    return this.#renewingRefusedToken((apis) => this.#setScalingTarget(apis, service, unitName, value));
  }

  async #setScalingTarget(
    apis: Apis,
    service: InferenceService,
    unitName: string,
    value: string,
  ): Promise<ScalingChange> {
    const unit = service.units.find((u) => u.name === unitName);
    if (unit === undefined) {
      throw new PlanningError(
        `service ${service.name} has no unit ${unitName}; its units are ${service.units.map((u) => u.name).join(", ")}`,
      );
    }
    const ref = unit.scaledObject;
    const read = async (): Promise<ScaledObjectJson> =>
      (await this.#call(scaledObjectTarget(service, unit, "get"), () =>
        apis.custom.getNamespacedCustomObject({ ...KEDA, namespace: service.namespace, name: ref.name }),
      )) as ScaledObjectJson;
    const change = (from: string | undefined, changed: boolean): ScalingChange => ({
      unit: unit.name,
      scaledObject: ref.name,
      from,
      to: value,
      changed,
    });

    let current = await read();
    for (let attempt = 1; ; attempt += 1) {
      const from = scalingTargetOf(current, ref);
      const patch = scaledObjectTargetPatch(current, ref, value);
      if (patch.length === 0) {
        return change(from, false);
      }
      const target = scaledObjectTarget(service, unit, "patch");
      try {
        const written = (await apis.custom.patchNamespacedCustomObject(
          { ...KEDA, namespace: service.namespace, name: ref.name, body: patch },
          // The content type is set, not left to client-node's per-API default: CRDs
          // refuse strategic merge, and a merge patch would replace `triggers` whole.
          JSON_PATCH,
        )) as ScaledObjectJson;
        this.#logger.info("scaledobject-patched", {
          scaledObject: `${service.namespace}/${ref.name}`,
          from,
          to: value,
          resourceVersion: written.metadata?.resourceVersion,
          attempt,
        });
        return change(from, true);
      } catch (error) {
        const status = statusCodeOf(error);
        if (status !== 409 && status !== 422) {
          throw this.#failed(error, target);
        }
        const reread = await read();
        // A 422 whose guard still holds was not a failed `test`: the server refused the content.
        if (
          status === 422 &&
          isDeepStrictEqual(guardsOf(scaledObjectTargetPatch(reread, ref, value)), guardsOf(patch))
        ) {
          throw this.#failed(error, target);
        }
        if (attempt > this.#maxConflictRetries) {
          throw new KubernetesConflictError(
            `${describeTarget(target)} changed under Switchyard on each of ${attempt} attempts to set ${ref.metadataKey} to ${value}; retry the step`,
            error,
          );
        }
        this.#logger.warn("scaledobject-changed-retrying", {
          scaledObject: `${service.namespace}/${ref.name}`,
          expected: from,
          found: scalingTargetOf(reread, ref),
          status,
          attempt,
        });
        current = reread;
      }
    }
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
    const unit = service.units.find((u) => u.name === unitName);
    if (unit === undefined) {
      throw new PlanningError(
        `service ${service.name} has no unit ${unitName}; its units are ${service.units.map((u) => u.name).join(", ")}`,
      );
    }
    const namespace = service.namespace;
    const name = unit.scaledObject.name;
    const target = scaledObjectTarget(service, unit, "patch");
    for (let attempt = 1; ; attempt += 1) {
      const current = (await this.#call(scaledObjectTarget(service, unit, "get"), () =>
        apis.custom.getNamespacedCustomObject({ ...KEDA, namespace, name }),
      )) as ScaledObjectJson & {
        metadata?: { annotations?: Record<string, string>; resourceVersion?: string };
      };
      const { outcome, patch } = replicaHoldPatch(current.metadata?.annotations ?? {}, replicas, owner);
      const hold: ReplicaHold = { unit: unit.name, scaledObject: name, replicas, outcome };
      if (patch === null) {
        return hold;
      }
      // Annotations only, guarded by the version just read: a merge patch never touches the triggers.
      const body = {
        metadata: {
          resourceVersion: current.metadata?.resourceVersion,
          annotations: patch.metadata.annotations,
        },
      };
      try {
        await apis.custom.patchNamespacedCustomObject({ ...KEDA, namespace, name, body }, MERGE_PATCH);
        this.#logger.info("scaledobject-hold", {
          scaledObject: `${namespace}/${name}`,
          replicas,
          outcome,
          attempt,
        });
        return hold;
      } catch (error) {
        if (statusCodeOf(error) !== 409) {
          throw this.#failed(error, target);
        }
        if (attempt > this.#maxConflictRetries) {
          throw new KubernetesConflictError(
            `${describeTarget(target)} changed under Switchyard on each of ${attempt} attempts to ${replicas === null ? "release its replica hold" : `hold it at ${replicas} replicas`}; retry the step`,
            error,
          );
        }
      }
    }
  }

  autoscalingOf(service: InferenceService, unitName: string): Promise<AutoscalingState> {
    return this.#renewingRefusedToken((apis) => this.#autoscalingOf(apis, service, unitName));
  }

  async #autoscalingOf(apis: Apis, service: InferenceService, unitName: string): Promise<AutoscalingState> {
    const unit = service.units.find((u) => u.name === unitName);
    if (unit === undefined) {
      throw new PlanningError(
        `service ${service.name} has no unit ${unitName}; its units are ${service.units.map((u) => u.name).join(", ")}`,
      );
    }
    const namespace = service.namespace;
    const name = unit.scaledObject.name;
    const object = (await this.#call(scaledObjectTarget(service, unit, "get"), () =>
      apis.custom.getNamespacedCustomObject({ ...KEDA, namespace, name }),
    )) as ScaledObjectJson & { metadata?: { annotations?: Record<string, string> } };
    const hpaName = kedaHpaName(object, name);
    let hpaFound = true;
    try {
      await apis.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: hpaName, namespace });
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
    const target = ingressTarget(service, "patch");
    for (let attempt = 1; ; attempt += 1) {
      const before = ingressStateOf(
        await this.#call(ingressTarget(service, "get"), () =>
          apis.networking.readNamespacedIngress({ name: service.ingress, namespace }),
        ),
        namespace,
      );
      const patch = build(before);
      if (patch === null) {
        return { before, after: before, changed: false };
      }
      // Only annotations are sent, guarded by the version just read (not one the
      // builder may have carried from an earlier read).
      const body = {
        metadata: { resourceVersion: before.resourceVersion, annotations: { ...patch.metadata.annotations } },
      };
      try {
        const after = ingressStateOf(
          await apis.networking.patchNamespacedIngress(
            { name: service.ingress, namespace, body },
            MERGE_PATCH,
          ),
          namespace,
        );
        this.#logger.info("ingress-patched", {
          ingress: `${namespace}/${service.ingress}`,
          annotations: Object.keys(body.metadata.annotations),
          resourceVersion: { read: before.resourceVersion, written: after.resourceVersion },
          attempt,
        });
        return { before, after, changed: after.resourceVersion !== before.resourceVersion };
      } catch (error) {
        if (statusCodeOf(error) !== 409) {
          throw this.#failed(error, target);
        }
        if (attempt > this.#maxConflictRetries) {
          throw new KubernetesConflictError(
            `${describeTarget(target)} changed under Switchyard on each of ${attempt} attempts (409 Conflict every time); retry the step`,
            error,
          );
        }
        this.#logger.warn("ingress-conflict-retrying", {
          ingress: `${namespace}/${service.ingress}`,
          resourceVersion: before.resourceVersion,
          attempt,
        });
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
      apis.core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.kind=Ingress,involvedObject.name=${service.ingress}`,
      }),
    );
    return eventsSince(list.items, since);
  }

  capacityEvents(since: EpochMs): Promise<readonly CapacitySignal[]> {
    return this.#renewingRefusedToken((apis) => this.#capacityEvents(apis, since));
  }

  async #capacityEvents(apis: Apis, since: EpochMs): Promise<readonly CapacitySignal[]> {
    const namespace = this.#karpenterEventNamespace;
    const list = await this.#call({ verb: "list", resource: KUBE_RESOURCES.events, namespace }, () =>
      apis.core.listNamespacedEvent({ namespace, fieldSelector: `reason=${KARPENTER_CAPACITY_REASON}` }),
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
        networking: config.makeApiClient(NetworkingV1Api),
        apps: config.makeApiClient(AppsV1Api),
        autoscaling: config.makeApiClient(AutoscalingV2Api),
        core: config.makeApiClient(CoreV1Api),
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
