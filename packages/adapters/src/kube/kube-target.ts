/**
 * What one Kubernetes request is about: verb, resource, namespace, name and the
 * config field that named the object. Errors are worded from it, so a denied or
 * missing object is reported with the RBAC rule or the config field to fix.
 */
interface KubeResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export const KUBE_RESOURCES = {
  ingresses: { group: "networking.k8s.io", version: "v1", plural: "ingresses" },
  scaledObjects: { group: "keda.sh", version: "v1alpha1", plural: "scaledobjects" },
  deployments: { group: "apps", version: "v1", plural: "deployments" },
  horizontalPodAutoscalers: { group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers" },
  pods: { group: "", version: "v1", plural: "pods" },
  events: { group: "", version: "v1", plural: "events" },
  /** Switchyard writes its own Events through events.k8s.io/v1 (core's switch-event.ts says why). */
  eventsV1: { group: "events.k8s.io", version: "v1", plural: "events" },
} as const satisfies Record<string, KubeResource>;

export type KubeVerb = "get" | "list" | "patch" | "create";

export interface KubeTarget {
  readonly verb: KubeVerb;
  readonly resource: KubeResource;
  readonly namespace: string;
  readonly name?: string;
  /** The config field whose value is `name`, e.g. `services[sd21].ingress`. */
  readonly configField?: string;
}

/** `ingresses.networking.k8s.io`, or `pods` in the core group, as the API server names resources. */
function qualifiedResource(resource: KubeResource): string {
  return resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
}

/** `ingresses.networking.k8s.io "sd21" in namespace "default"`, or `pods in namespace "default"` for a LIST. */
export function describeTarget(target: KubeTarget): string {
  const what =
    target.name === undefined
      ? qualifiedResource(target.resource)
      : `${qualifiedResource(target.resource)} "${target.name}"`;
  return `${what} in namespace "${target.namespace}"`;
}

/**
 * The Role rule that grants the request. resourceNames cannot narrow a LIST or a
 * CREATE, so it is named only for requests on one existing object.
 */
export function rbacRule(target: KubeTarget): string {
  const names =
    target.name === undefined || target.verb === "list" || target.verb === "create"
      ? ""
      : `, resourceNames ["${target.name}"]`;
  return `apiGroups ["${target.resource.group}"], resources ["${target.resource.plural}"]${names}, verbs ["${target.verb}"]`;
}
