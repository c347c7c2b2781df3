import { PatchStrategy, setHeaderOptions, type V1Ingress } from "@kubernetes/client-node";
import type { DeploymentUnit, InferenceService } from "@switchyard/core";
import { UnknownUnitError } from "../errors.ts";
import type { ListedEvent, ScaledObjectJson } from "./cluster-state.ts";
import type { KubeApis } from "./kube-apis.ts";
import { type KubeLogger, sendRequest } from "./kube-request.ts";
import { KUBE_RESOURCES, type KubeTarget, type KubeVerb } from "./kube-target.ts";

// How the cluster gateway names, addresses and reads the objects of one service: its
// Ingress, each unit's ScaledObject, the Events about them.

export const INGRESS = { apiVersion: "networking.k8s.io/v1", kind: "Ingress" } as const;
export const HPA = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" } as const;
export const KEDA = KUBE_RESOURCES.scaledObjects;

/** CustomObjectsApi's way of choosing the patch type (the generic API takes it as an argument). */
export const JSON_PATCH = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A ScaledObject as read: KEDA's fields and the annotations the holds keep. */
type ScaledObjectRead = ScaledObjectJson & { metadata?: { annotations?: Record<string, string> } };

export function ingressTarget(service: InferenceService, verb: KubeVerb): KubeTarget {
  return {
    verb,
    resource: KUBE_RESOURCES.ingresses,
    namespace: service.namespace,
    name: service.ingress,
    configField: `services[${service.name}].ingress`,
  };
}

export function scaledObjectTarget(
  service: InferenceService,
  unit: DeploymentUnit,
  verb: KubeVerb,
): KubeTarget {
  return {
    verb,
    resource: KEDA,
    namespace: service.namespace,
    name: unit.scaledObject.name,
    configField: `services[${service.name}].units[${unit.name}].scaledObject.name`,
  };
}

/** The unit a step names, or an error naming the config field to check. */
export function unitNamed(service: InferenceService, unitName: string): DeploymentUnit {
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
export function guardedAnnotations(
  annotations: Readonly<Record<string, string | null>>,
  resourceVersion: string,
): { metadata: { resourceVersion: string; annotations: Record<string, string | null> } } {
  return { metadata: { resourceVersion, annotations: { ...annotations } } };
}

export function readIngress(apis: KubeApis, service: InferenceService): Promise<V1Ingress> {
  return apis.objects.read<V1Ingress>({
    ...INGRESS,
    metadata: { name: service.ingress, namespace: service.namespace },
  });
}

/** One unit's ScaledObject, as the API server has it now. */
export async function readScaledObject(
  apis: KubeApis,
  service: InferenceService,
  unit: DeploymentUnit,
  logger: KubeLogger,
): Promise<ScaledObjectRead> {
  return (await sendRequest(
    scaledObjectTarget(service, unit, "get"),
    () =>
      apis.custom.getNamespacedCustomObject({
        ...KEDA,
        namespace: service.namespace,
        name: unit.scaledObject.name,
      }),
    logger,
  )) as ScaledObjectRead;
}

/**
 * A LIST of core/v1 Events. Its items come back as JSON (times as RFC 3339 strings):
 * client-node types the list by apiVersion and kind as `V1EventList`, a model it does
 * not have (the core Event is `CoreV1Event`), so only the list's own metadata is typed.
 */
export async function listEvents(
  apis: KubeApis,
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
