import type { SwitchyardConfig } from "../config/types.ts";
import type { ModeSwitchStep } from "../workflow/step-table.ts";

/**
 * The Kubernetes groups the functions' roles get through their EKS access entries, one
 * Role bound to each. Readers only read; writers read and patch; recorders may also
 * create Events (each switch's story on its Ingress). A function that only reads can
 * then write nothing, whatever its code or its dependencies do.
 */
export const KUBERNETES_GROUPS = {
  reader: "switchyard-reader",
  writer: "switchyard-writer",
  recorder: "switchyard-recorder",
  floor: "switchyard-floor",
} as const;

/**
 * What each function does on the cluster: evaluate, Plan, CheckReceivers and VerifyAlb
 * only read; ScaleReceivers, ShiftTraffic, ReleaseReceivers and Rollback write.
 */
export const CLUSTER_ACCESS: Readonly<Record<"evaluate" | ModeSwitchStep, "read" | "write">> = {
  evaluate: "read",
  "plan-switch": "read",
  "check-receivers": "read",
  "verify-routing": "read",
  "apply-scaling": "write",
  "apply-routing": "write",
  "release-holds": "write",
  rollback: "write",
};

/**
 * The steps that record a switch's Kubernetes Events on its Ingress
 * (packages/controller/src/switch-events.ts): Plan (a refusal), ScaleReceivers (started),
 * ShiftTraffic (traffic moved), VerifyAlb (succeeded) and Rollback (rolled back, aborted,
 * superseded, failed). evaluate, CheckReceivers and ReleaseReceivers record none.
 */
export const RECORDS_EVENTS: ReadonlySet<keyof typeof CLUSTER_ACCESS> = new Set([
  "plan-switch",
  "apply-scaling",
  "apply-routing",
  "verify-routing",
  "rollback",
]);

/**
 * The Kubernetes groups of a function's access entry: every function reads; a writer
 * writes, a recorder records Events; evaluate is also in the floor group, the one writer
 * of minReplicaCount: the forecast floor where a service's forecast acts, and, whatever
 * the forecast mode, the end of the floor ReleaseReceivers leaves when it lifts a hold
 * (packages/core/src/forecast/release-floor.ts).
 */
export function kubernetesGroupsOf(fn: keyof typeof CLUSTER_ACCESS): string[] {
  return [
    KUBERNETES_GROUPS.reader,
    ...(CLUSTER_ACCESS[fn] === "write" ? [KUBERNETES_GROUPS.writer] : []),
    ...(RECORDS_EVENTS.has(fn) ? [KUBERNETES_GROUPS.recorder] : []),
    ...(fn === "evaluate" ? [KUBERNETES_GROUPS.floor] : []),
  ];
}

/** Where Karpenter's events on cluster-scoped NodeClaims land, and where evaluate lists them. */
export const KARPENTER_EVENT_NAMESPACE = "default";

const RBAC_API = "rbac.authorization.k8s.io";
const LABELS = { "app.kubernetes.io/name": "switchyard", "app.kubernetes.io/component": "controller" };

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

export interface RoleManifest {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "Role";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: typeof LABELS };
  readonly rules: readonly PolicyRule[];
}

interface RoleBindingManifest {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "RoleBinding";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: typeof LABELS };
  readonly subjects: readonly { readonly kind: "Group"; readonly apiGroup: string; readonly name: string }[];
  readonly roleRef: { readonly apiGroup: string; readonly kind: "Role"; readonly name: string };
}

export type RbacManifest = RoleManifest | RoleBindingManifest;

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/**
 * What every function reads in one namespace (packages/adapters/src/kube/cluster-gateway.ts):
 * - the Ingress: GET it (named, so other Ingresses stay out of reach);
 * - ScaledObjects: LIST them (a LIST cannot be narrowed by name; evaluate reads Switchyard's
 *   holds on them), GET the named ones;
 * - Deployments: GET the named ones (their replicas and selector), never a LIST of the
 *   namespace's, whose pod templates carry other workloads' environment;
 * - Pods: LIST, the request narrowed to `status.phase=Pending` (the unschedulable ones);
 *   RBAC cannot narrow a LIST by label or field, so the rule is the namespace's;
 * - HorizontalPodAutoscalers: GET (after a replica hold is lifted, KEDA must have made
 *   the ScaledObject's HPA again). Not narrowed by name: KEDA names it `keda-hpa-<name>`
 *   unless the ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.name says
 *   otherwise, which only the cluster knows;
 * - Events: LIST, the request narrowed by field selector (Load Balancer Controller
 *   rejections of the Ingress, Karpenter capacity errors).
 *
 * No rule for API discovery (GET /api/v1, /apis/<group>/<version>, which client-node's
 * KubernetesObjectApi reads to map a kind to its URL): a namespaced Role cannot grant
 * non-resource URLs, and none is needed, since the default ClusterRoleBinding
 * `system:discovery` grants them to every authenticated user, on EKS too
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles).
 */
function readerRules(objects: Names): PolicyRule[] {
  return [
    {
      apiGroups: ["networking.k8s.io"],
      resources: ["ingresses"],
      resourceNames: sorted(objects.ingresses),
      verbs: ["get"],
    },
    { apiGroups: ["keda.sh"], resources: ["scaledobjects"], verbs: ["list"] },
    {
      apiGroups: ["keda.sh"],
      resources: ["scaledobjects"],
      resourceNames: sorted(objects.scaledObjects),
      verbs: ["get"],
    },
    {
      apiGroups: ["apps"],
      resources: ["deployments"],
      resourceNames: sorted(objects.deployments),
      verbs: ["get"],
    },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get"] },
    { apiGroups: [""], resources: ["pods", "events"], verbs: ["list"] },
  ];
}

/** What the writers write: PATCH of the named Ingress's annotations and of the named ScaledObjects. */
function writerRules(objects: Names): PolicyRule[] {
  return [
    {
      apiGroups: ["networking.k8s.io"],
      resources: ["ingresses"],
      resourceNames: sorted(objects.ingresses),
      verbs: ["patch"],
    },
    {
      apiGroups: ["keda.sh"],
      resources: ["scaledobjects"],
      resourceNames: sorted(objects.scaledObjects),
      verbs: ["patch"],
    },
  ];
}

/**
 * What evaluate writes for the floors (the forecast's where it acts, and the end of a
 * lifted hold's release floor in every mode): PATCH of the named ScaledObjects (their
 * spec.minReplicaCount and its mark, a guarded JSON patch). RBAC
 * cannot narrow a patch to a field; the code's builder touches nothing else
 * (manifests/replica-floor-patch.ts).
 */
function floorRules(scaledObjects: readonly string[]): PolicyRule[] {
  return [
    {
      apiGroups: ["keda.sh"],
      resources: ["scaledobjects"],
      resourceNames: sorted(scaledObjects),
      verbs: ["patch"],
    },
  ];
}

/**
 * What the recorders create: Events through events.k8s.io/v1 (manifests/switch-event.ts).
 * A create cannot be narrowed by name (the name does not exist before it), so the rule is
 * the namespace's; nothing else is granted with it.
 */
const RECORDER_RULES: PolicyRule[] = [
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"] },
];

interface Names {
  readonly ingresses: string[];
  readonly scaledObjects: string[];
  readonly deployments: string[];
  /** The ScaledObjects whose minReplicaCount evaluate writes: every unit's (forecast and release floors). */
  readonly floors: string[];
}

const EVENTS_ONLY: PolicyRule[] = [{ apiGroups: [""], resources: ["events"], verbs: ["list"] }];

function roleAndBinding(
  namespace: string,
  access: keyof typeof KUBERNETES_GROUPS,
  rules: readonly PolicyRule[],
): [RoleManifest, RoleBindingManifest] {
  const name = KUBERNETES_GROUPS[access];
  const metadata = { name, namespace, labels: LABELS };
  return [
    { apiVersion: `${RBAC_API}/v1`, kind: "Role", metadata, rules },
    {
      apiVersion: `${RBAC_API}/v1`,
      kind: "RoleBinding",
      metadata,
      subjects: [{ kind: "Group", apiGroup: RBAC_API, name }],
      roleRef: { apiGroup: RBAC_API, kind: "Role", name },
    },
  ];
}

/**
 * Per namespace that holds a configured service, a reader Role bound to the readers'
 * group, a writer Role bound to the writers' and a recorder Role bound to the recorders'
 * (a function's access entry carries each group it needs: kubernetesGroupsOf), each granting only the verbs its functions use on the objects the config
 * names; plus LIST of events in Karpenter's event namespace for the readers when no
 * service lives there. EKS's managed access policies have no `keda.sh` rules, hence
 * Roles of our own.
 */
export function controllerRbac(config: SwitchyardConfig): RbacManifest[] {
  const namespaces = new Map<string, Names>();
  for (const service of config.services) {
    const entry = namespaces.get(service.namespace) ?? {
      ingresses: [],
      scaledObjects: [],
      deployments: [],
      floors: [],
    };
    entry.ingresses.push(service.ingress);
    entry.scaledObjects.push(...service.units.map((unit) => unit.scaledObject.name));
    entry.deployments.push(...service.units.map((unit) => unit.deployment));
    entry.floors.push(...service.units.map((unit) => unit.scaledObject.name));
    namespaces.set(service.namespace, entry);
  }
  const manifests: RbacManifest[] = [];
  for (const namespace of sorted(namespaces.keys())) {
    const entry = namespaces.get(namespace);
    if (entry !== undefined) {
      manifests.push(...roleAndBinding(namespace, "reader", readerRules(entry)));
      manifests.push(...roleAndBinding(namespace, "writer", writerRules(entry)));
      manifests.push(...roleAndBinding(namespace, "recorder", RECORDER_RULES));
      if (entry.floors.length > 0) {
        manifests.push(...roleAndBinding(namespace, "floor", floorRules(entry.floors)));
      }
    }
  }
  if (!namespaces.has(KARPENTER_EVENT_NAMESPACE)) {
    manifests.push(...roleAndBinding(KARPENTER_EVENT_NAMESPACE, "reader", EVENTS_ONLY));
  }
  return manifests;
}
