/**
 * The resource types the Kubernetes API double serves, described the way the API
 * server's discovery does: group, version, kind, plural, and the field labels a
 * fieldSelector may use (the real server refuses any other with 400).
 */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** A CustomResourceDefinition's resource: refuses strategic merge patch (415). */
  readonly custom: boolean;
  readonly fieldLabels: readonly string[];
}

const OBJECT_META_FIELDS = ["metadata.name", "metadata.namespace"];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    custom: false,
    fieldLabels: OBJECT_META_FIELDS,
  },
  {
    group: "keda.sh",
    version: "v1alpha1",
    kind: "ScaledObject",
    plural: "scaledobjects",
    custom: true,
    fieldLabels: OBJECT_META_FIELDS,
  },
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    custom: false,
    fieldLabels: OBJECT_META_FIELDS,
  },
  {
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    custom: false,
    fieldLabels: OBJECT_META_FIELDS,
  },
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    custom: false,
    // pkg/registry/core/pod/strategy.go ToSelectableFields
    fieldLabels: [
      ...OBJECT_META_FIELDS,
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    custom: false,
    // pkg/registry/core/event/strategy.go ToSelectableFields
    fieldLabels: [
      ...OBJECT_META_FIELDS,
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  },
  {
    // The same Events through the newer API (one storage: kubernetes pkg/apis/events/v1/conversion.go).
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    custom: false,
    fieldLabels: OBJECT_META_FIELDS,
  },
];

export function resourceByPlural(group: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.plural === plural);
}

export function resourceByKind(kind: string): ResourceType {
  const found = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (found === undefined) {
    throw new Error(`the Kubernetes API double does not serve kind ${kind}`);
  }
  return found;
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

/** `ingresses.networking.k8s.io`, or `pods` for the core group: schema.GroupResource.String(). */
export function qualifiedResource(resource: { readonly group: string; readonly plural: string }): string {
  return resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
}
