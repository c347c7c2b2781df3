/**
 * Translations from the objects client-node returns to the core's cluster types.
 * Pure: the gateway does the reading, these only reshape what was read.
 */
import type { CoreV1Event, V1Deployment, V1Ingress, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";
import type {
  ClusterEvent,
  DeploymentUnit,
  EpochMs,
  IngressBackendRef,
  IngressState,
  ScaledObjectState,
  UnitWorkload,
} from "@switchyard/core";
import type { ScaledObjectLike } from "@switchyard/core/manifests";
import { scalingTargetOf } from "@switchyard/core/manifests";

export function ingressStateOf(ingress: V1Ingress, namespace: string): IngressState {
  return {
    namespace: ingress.metadata?.namespace ?? namespace,
    name: ingress.metadata?.name ?? "",
    resourceVersion: ingress.metadata?.resourceVersion ?? "",
    annotations: { ...(ingress.metadata?.annotations ?? {}) },
    backends: backendsOf(ingress),
  };
}

/** The Services (or use-annotation actions) the Ingress's rules and default backend name, in order. */
function backendsOf(ingress: V1Ingress): IngressBackendRef[] {
  const backends = [
    ...(ingress.spec?.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => path.backend)),
    ...(ingress.spec?.defaultBackend === undefined ? [] : [ingress.spec.defaultBackend]),
  ];
  return backends.flatMap((backend) => {
    const service = backend.service;
    if (service === undefined) {
      return [];
    }
    const port = service.port?.name ?? service.port?.number;
    return port === undefined ? [] : [{ service: service.name, port }];
  });
}

/** A pod belongs to a Deployment when it carries every label of the selector's matchLabels. */
function selectedBy(deployment: V1Deployment, pod: V1Pod): boolean {
  const matchLabels = deployment.spec?.selector.matchLabels ?? {};
  const entries = Object.entries(matchLabels);
  // An empty selector would claim every pod in the namespace; it selects none here.
  return entries.length > 0 && entries.every(([key, value]) => pod.metadata?.labels?.[key] === value);
}

function timeOf(value: Date | string | null | undefined): EpochMs | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const at = new Date(value).getTime();
  return Number.isNaN(at) ? undefined : at;
}

/** When the scheduler last said the pod fits nowhere, or undefined if it has not. */
function unschedulableSince(pod: V1Pod): EpochMs | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status !== "False" || scheduled.reason !== "Unschedulable") {
    return undefined;
  }
  // The API server always sets creationTimestamp; it stands in if the condition has no time.
  return timeOf(scheduled.lastTransitionTime) ?? timeOf(pod.metadata?.creationTimestamp);
}

/**
 * Each unit's Deployment (desired = spec.replicas, ready = status.readyReplicas) and
 * its unschedulable pods, from one LIST of Deployments and one of Pending pods.
 */
export function unitWorkloads(
  units: readonly DeploymentUnit[],
  deployments: readonly V1Deployment[],
  pendingPods: readonly V1Pod[],
): Record<string, UnitWorkload> {
  const workloads: Record<string, UnitWorkload> = {};
  for (const unit of units) {
    const found = deployments.find((d) => d.metadata?.name === unit.deployment);
    if (found === undefined) {
      workloads[unit.name] = {
        desiredReplicas: 0,
        readyReplicas: 0,
        deploymentFound: false,
        unschedulablePods: [],
      };
      continue;
    }
    const unschedulablePods = pendingPods
      // A pod on its way out no longer asks for capacity.
      .filter((pod) => pod.metadata?.deletionTimestamp === undefined && selectedBy(found, pod))
      .flatMap((pod) => {
        const since = unschedulableSince(pod);
        return since === undefined ? [] : [{ name: pod.metadata?.name ?? "", since }];
      })
      .sort((a, b) => a.since - b.since || a.name.localeCompare(b.name));
    workloads[unit.name] = {
      // The API server defaults spec.replicas to 1, so it is only missing on hand-made objects.
      desiredReplicas: found.spec?.replicas ?? 1,
      readyReplicas: found.status?.readyReplicas ?? 0,
      deploymentFound: true,
      unschedulablePods,
    };
  }
  return workloads;
}

type EventTime = "lastTimestamp" | "eventTime" | "firstTimestamp";

/**
 * A core/v1 Event as read: client-node's typed models carry its times as Dates, the
 * generic object API's LIST leaves them as the RFC 3339 strings the server sent.
 */
export type ListedEvent = Omit<CoreV1Event, EventTime | "metadata"> & {
  readonly [T in EventTime]?: Date | string;
} & { readonly metadata: Omit<V1ObjectMeta, "creationTimestamp"> & { creationTimestamp?: Date | string } };

/**
 * A core/v1 Event reduced to what decisions read. `at` is the newest of lastTimestamp,
 * series.lastObservedTime, eventTime and firstTimestamp: client-go's tools/record recorder
 * (the one the Load Balancer Controller uses) sets the first and last and bumps `count`
 * and `lastTimestamp` on a repeat (tools/record/events_cache.go, v0.36.2); the
 * events.k8s.io recorder sets eventTime once and records repeats in
 * `series{count, lastObservedTime}` (tools/events/event_broadcaster.go). Undefined when
 * neither it nor its metadata carries a time.
 */
function clusterEventOf(event: CoreV1Event | ListedEvent): ClusterEvent | undefined {
  const times = [event.lastTimestamp, event.series?.lastObservedTime, event.eventTime, event.firstTimestamp]
    .map(timeOf)
    .filter((t): t is EpochMs => t !== undefined);
  // creationTimestamp only stands in when the event carries no time of its own: a
  // deduplicated event keeps its old creation time while lastTimestamp moves on.
  const created = timeOf(event.metadata.creationTimestamp);
  if (times.length === 0 && created !== undefined) {
    times.push(created);
  }
  if (times.length === 0) {
    return undefined;
  }
  const involved = event.involvedObject;
  return {
    reason: event.reason ?? "",
    message: event.message ?? "",
    type: event.type ?? "",
    involvedObject: {
      kind: involved.kind ?? "",
      name: involved.name ?? "",
      ...(involved.namespace === undefined ? {} : { namespace: involved.namespace }),
    },
    at: Math.max(...times),
    count: event.count ?? event.series?.count ?? 1,
  };
}

/** The events at or after `since`, oldest first. */
export function eventsSince(events: readonly (CoreV1Event | ListedEvent)[], since: EpochMs): ClusterEvent[] {
  return events
    .map(clusterEventOf)
    .filter((e): e is ClusterEvent => e !== undefined && e.at >= since)
    .sort((a, b) => a.at - b.at);
}

/** A ScaledObject as the custom-objects API returns it (plain JSON). */
export interface ScaledObjectJson extends ScaledObjectLike {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

export function scaledObjectStateOf(
  object: ScaledObjectJson,
  ref: DeploymentUnit["scaledObject"],
): ScaledObjectState {
  return {
    name: object.metadata?.name ?? ref.name,
    resourceVersion: object.metadata?.resourceVersion ?? "",
    target: scalingTargetOf(object, ref),
    object,
  };
}
