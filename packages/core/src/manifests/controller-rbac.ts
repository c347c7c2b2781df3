import type { SwitchyardConfig } from "../config/types.ts";

/**
 * The Kubernetes group the functions' roles get through their EKS access entries. The
 * Role below is bound to it; infra puts it in every access entry.
 */
export const CONTROLLER_KUBERNETES_GROUP = "switchyard-controller";

/** Where Karpenter's events on cluster-scoped NodeClaims land, and where evaluate lists them. */
export const KARPENTER_EVENT_NAMESPACE = "default";

const RBAC_API = "rbac.authorization.k8s.io";
const NAME = "switchyard-controller";
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

export interface RoleBindingManifest {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "RoleBinding";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: typeof LABELS };
  readonly subjects: readonly { readonly kind: "Group"; readonly apiGroup: string; readonly name: string }[];
  readonly roleRef: { readonly apiGroup: string; readonly kind: "Role"; readonly name: string };
}

export type RbacManifest = RoleManifest | RoleBindingManifest;

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/**
 * Exactly what the functions do in one namespace (packages/adapters/src/kube/cluster-gateway.ts):
 * - the Ingress: GET it, PATCH its annotations (named, so other Ingresses stay out of reach);
 * - ScaledObjects: LIST them (a LIST cannot be narrowed by name), GET and PATCH the named ones;
 * - Deployments and Pods: LIST (ready and unschedulable pods per unit);
 * - HorizontalPodAutoscalers: GET (after a replica hold is lifted, KEDA must have made
 *   the ScaledObject's HPA again). Not narrowed by name: KEDA names it `keda-hpa-<name>`
 *   unless the ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.name says
 *   otherwise, which only the cluster knows;
 * - Events: LIST (Load Balancer Controller rejections of the Ingress, Karpenter capacity errors),
 *   and CREATE through events.k8s.io (each switch's own Events on its Ingress; a create
 *   cannot be narrowed by name, and the API group is the one the writes go through:
 *   manifests/switch-event.ts).
 *
 * No rule for API discovery (GET /api/v1, /apis/<group>/<version>, which client-node's
 * KubernetesObjectApi reads to map a kind to its URL): a namespaced Role cannot grant
 * non-resource URLs, and none is needed, since the default ClusterRoleBinding
 * `system:discovery` grants them to every authenticated user, on EKS too
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles).
 */
function serviceRules(ingresses: readonly string[], scaledObjects: readonly string[]): PolicyRule[] {
  return [
    {
      apiGroups: ["networking.k8s.io"],
      resources: ["ingresses"],
      resourceNames: sorted(ingresses),
      verbs: ["get", "patch"],
    },
    { apiGroups: ["keda.sh"], resources: ["scaledobjects"], verbs: ["list"] },
    {
      apiGroups: ["keda.sh"],
      resources: ["scaledobjects"],
      resourceNames: sorted(scaledObjects),
      verbs: ["get", "patch"],
    },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get"] },
    { apiGroups: [""], resources: ["pods", "events"], verbs: ["list"] },
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"] },
  ];
}

const EVENTS_ONLY: PolicyRule[] = [{ apiGroups: [""], resources: ["events"], verbs: ["list"] }];

function roleAndBinding(
  namespace: string,
  rules: readonly PolicyRule[],
): [RoleManifest, RoleBindingManifest] {
  const metadata = { name: NAME, namespace, labels: LABELS };
  return [
    { apiVersion: `${RBAC_API}/v1`, kind: "Role", metadata, rules },
    {
      apiVersion: `${RBAC_API}/v1`,
      kind: "RoleBinding",
      metadata,
      subjects: [{ kind: "Group", apiGroup: RBAC_API, name: CONTROLLER_KUBERNETES_GROUP }],
      roleRef: { apiGroup: RBAC_API, kind: "Role", name: NAME },
    },
  ];
}

/**
 * A Role and RoleBinding per namespace that holds a configured service, granting the
 * access entry's group only the verbs the functions use on the objects the config names;
 * plus LIST of events in Karpenter's event namespace when no service lives there.
 * EKS's managed access policies have no `keda.sh` rules, hence a Role of our own.
 */
export function controllerRbac(config: SwitchyardConfig): RbacManifest[] {
  const namespaces = new Map<string, { ingresses: string[]; scaledObjects: string[] }>();
  for (const service of config.services) {
    const entry = namespaces.get(service.namespace) ?? { ingresses: [], scaledObjects: [] };
    entry.ingresses.push(service.ingress);
    entry.scaledObjects.push(...service.units.map((unit) => unit.scaledObject.name));
    namespaces.set(service.namespace, entry);
  }
  const manifests: RbacManifest[] = [];
  for (const namespace of sorted(namespaces.keys())) {
    const entry = namespaces.get(namespace);
    if (entry !== undefined) {
      manifests.push(...roleAndBinding(namespace, serviceRules(entry.ingresses, entry.scaledObjects)));
    }
  }
  if (!namespaces.has(KARPENTER_EVENT_NAMESPACE)) {
    manifests.push(...roleAndBinding(KARPENTER_EVENT_NAMESPACE, EVENTS_ONLY));
  }
  return manifests;
}
