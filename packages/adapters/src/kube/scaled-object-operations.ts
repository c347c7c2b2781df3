/** A unit's ScaledObject operations: every write is read, built and sent through guardedWrite, never blind. */
import type { V2HorizontalPodAutoscaler } from "@kubernetes/client-node";
import type { AutoscalingState, FloorAction, InferenceService } from "@switchyard/core";
import {
  foreignPauses,
  KEDA_PAUSED_REPLICAS,
  kedaHpaName,
  replicaFloorPatch,
  replicaHoldPatch,
  scaledObjectTargetPatch,
} from "@switchyard/core/manifests";
import type {
  ReplicaFloorChange,
  ReplicaHold,
  ScalingChange,
  ScalingTargetBuilder,
} from "@switchyard/core/ports";
import { type ScaledObjectJson, scaledObjectStateOf } from "./cluster-state.ts";
import { guardedWrite } from "./guarded-write.ts";
import type { KubeApis } from "./kube-apis.ts";
import { statusCodeOf } from "./kube-errors.ts";
import { failedRequest, type KubeLogger } from "./kube-request.ts";
import { KUBE_RESOURCES } from "./kube-target.ts";
import {
  guardedAnnotations,
  HPA,
  JSON_PATCH,
  KEDA,
  MERGE_PATCH,
  readScaledObject,
  scaledObjectTarget,
  unitNamed,
} from "./service-objects.ts";

/** What every write of the gateway shares: its logger and how many fresh reads a conflict gets. */
export interface GatewayWriteOptions {
  readonly logger: KubeLogger;
  readonly maxConflictRetries: number;
}

export async function setScalingTarget(
  apis: KubeApis,
  options: GatewayWriteOptions,
  service: InferenceService,
  unitName: string,
  build: ScalingTargetBuilder,
): Promise<ScalingChange> {
  const unit = unitNamed(service, unitName);
  const ref = unit.scaledObject;
  const { current, patch } = await guardedWrite(
    {
      target: scaledObjectTarget(service, unit, "patch"),
      read: async () => scaledObjectStateOf(await readScaledObject(apis, service, unit, options.logger), ref),
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
    },
    options,
  );
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

export async function holdReplicas(
  apis: KubeApis,
  options: GatewayWriteOptions,
  service: InferenceService,
  unitName: string,
  replicas: number | null,
  owner: string,
): Promise<ReplicaHold> {
  const unit = unitNamed(service, unitName);
  const namespace = service.namespace;
  const name = unit.scaledObject.name;
  let outcome: ReplicaHold["outcome"] = "unchanged";
  let pausedBy: readonly string[] | undefined;
  await guardedWrite(
    {
      target: scaledObjectTarget(service, unit, "patch"),
      read: async () => {
        const object = await readScaledObject(apis, service, unit, options.logger);
        return {
          resourceVersion: object.metadata?.resourceVersion ?? "",
          annotations: object.metadata?.annotations ?? {},
        };
      },
      build: (current) => {
        const built = replicaHoldPatch(current.annotations, replicas, owner);
        outcome = built.outcome;
        pausedBy = built.pausedBy;
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
    },
    options,
  );
  return {
    unit: unit.name,
    scaledObject: name,
    replicas,
    outcome,
    ...(pausedBy === undefined ? {} : { pausedBy }),
  };
}

export async function setReplicaFloor(
  apis: KubeApis,
  options: GatewayWriteOptions,
  service: InferenceService,
  unitName: string,
  action: FloorAction,
): Promise<ReplicaFloorChange> {
  const unit = unitNamed(service, unitName);
  const namespace = service.namespace;
  const name = unit.scaledObject.name;
  const { current, patch } = await guardedWrite(
    {
      target: scaledObjectTarget(service, unit, "patch"),
      read: async () => {
        const object = await readScaledObject(apis, service, unit, options.logger);
        return { resourceVersion: object.metadata?.resourceVersion ?? "", object };
      },
      build: (read) => {
        const built = replicaFloorPatch(read.object, action);
        return built.ops.length === 0 ? null : built;
      },
      // JSON patch, its first op a test of the resourceVersion read (replicaFloorPatch).
      send: (built) =>
        apis.custom.patchNamespacedCustomObject({ ...KEDA, namespace, name, body: built.ops }, JSON_PATCH),
      intent: (built) => `to set minReplicaCount to ${built.to}`,
      log: {
        landed: "scaledobject-floor",
        retrying: "scaledobject-floor-conflict-retrying",
        keys: { scaledObject: `${namespace}/${name}` },
        landedKeys: (built) => ({ outcome: built.outcome, from: built.from, to: built.to }),
      },
    },
    options,
  );
  const result = patch ?? replicaFloorPatch(current.object, action);
  return { unit: unit.name, scaledObject: name, outcome: result.outcome, from: result.from, to: result.to };
}

export async function autoscalingOf(
  apis: KubeApis,
  options: GatewayWriteOptions,
  service: InferenceService,
  unitName: string,
): Promise<AutoscalingState> {
  const unit = unitNamed(service, unitName);
  const namespace = service.namespace;
  const name = unit.scaledObject.name;
  const object = await readScaledObject(apis, service, unit, options.logger);
  const hpaName = kedaHpaName(object, name);
  let hpaFound = true;
  try {
    await apis.objects.read<V2HorizontalPodAutoscaler>({ ...HPA, metadata: { name: hpaName, namespace } });
  } catch (error) {
    if (statusCodeOf(error) !== 404) {
      throw failedRequest(
        error,
        { verb: "get", resource: KUBE_RESOURCES.horizontalPodAutoscalers, namespace, name: hpaName },
        options.logger,
      );
    }
    hpaFound = false;
  }
  const paused = object.status?.conditions?.find((c) => c.type === "Paused");
  return {
    unit: unit.name,
    scaledObject: name,
    pausedReplicas: object.metadata?.annotations?.[KEDA_PAUSED_REPLICAS] ?? null,
    pausedBy: foreignPauses(object.metadata?.annotations ?? {}),
    pausedCondition: paused?.status ?? null,
    hpaName,
    hpaFound,
  };
}
