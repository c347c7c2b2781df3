import type { IngressState } from "../cluster/types.ts";
import { MAX_UNITS_PER_SERVICE } from "../config/semantic-checks.ts";
import type { InferenceService } from "../config/types.ts";
import { actionAnnotationKey } from "./annotations.ts";
import { foreignTargetGroups, parseForwardAction } from "./forward-action.ts";
import type { IngressRuleSpec } from "./ingress-patch.ts";
import { portToWrite } from "./port-form.ts";
import { portsNamedByIngress, USE_ANNOTATION } from "./service-ports.ts";

/**
 * The source address of the standby rule's condition: 192.0.2.1, in TEST-NET-1, which
 * RFC 5737 reserves for documentation ("addresses within this block should not appear on
 * the public Internet"), so no real client matches. The ALB refuses only
 * 255.255.255.255/32 as a source-ip value (Elastic Load Balancing, Application Load
 * Balancers, "Listener rules: Source IP conditions").
 */
export const STANDBY_SOURCE_IP = "192.0.2.1/32";

/** An ALB forward action takes at most 5 target groups (the config's unit limit is the same). */
const TARGET_GROUPS_PER_ACTION = MAX_UNITS_PER_SERVICE;

/** Kubernetes validates an Ingress backend's service name as a DNS-1035 label: at most 63 characters. */
const MAX_LABEL = 63;

/** FNV-1a, 32 bits, in base 36: a short stable tag for a name that had to be cut. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0");
}

/**
 * `<action>-standby-<n>`: the name of the n-th standby action, a backend service name in
 * the Ingress (a DNS-1035 label). An action name too long for the suffix is cut and
 * tagged with a hash of the whole name, so two long action names never share one.
 */
export function standbyActionName(action: string, n: number): string {
  const suffix = `-standby-${n}`;
  if (action.length + suffix.length <= MAX_LABEL) {
    return `${action}${suffix}`;
  }
  const tag = `-${shortHash(action)}`;
  return `${action.slice(0, MAX_LABEL - suffix.length - tag.length).replace(/-+$/, "")}${tag}${suffix}`;
}

/** The standby actions' names of a service: none without a consolidated Service. */
export function standbyActionNames(service: InferenceService): string[] {
  const services = service.consolidatedService === undefined ? 0 : service.units.length + 1;
  return Array.from({ length: Math.ceil(services / TARGET_GROUPS_PER_ACTION) }, (_, i) =>
    standbyActionName(service.action, i + 1),
  );
}

/** One standby action: its name and the two annotations that make it. */
interface StandbyAction {
  readonly name: string;
  /** `alb.ingress.kubernetes.io/actions.<name>`: a forward to the Services, weight 1 each. */
  readonly action: string;
  /** `alb.ingress.kubernetes.io/conditions.<name>`: a source address no client has. */
  readonly conditions: string;
}

/** `alb.ingress.kubernetes.io/conditions.<name>`: the Load Balancer Controller's extra rule conditions. */
export function conditionsAnnotationKey(name: string): string {
  return `alb.ingress.kubernetes.io/conditions.${name}`;
}

/**
 * The standby actions of a service with a consolidated Service: a forward to every unit's
 * Service and the consolidated one, at most 5 to an action, behind a condition no
 * request meets.
 *
 * Why: cost mode routes only to the units' Services and capacity mode only to the
 * consolidated one. The AWS Load Balancer Controller keeps a target group only while some
 * rule of the Ingress names its Service:port (kubernetes-sigs/aws-load-balancer-controller
 * v3.5.0 pkg/deploy/elbv2/target_group_synthesizer.go: unmatched target groups are deleted
 * in PostSynthesize), and the ALB health-checks only targets of a target group a listener
 * rule names (ELB user guide, target-group-health-checks.md: "… specify its target group
 * in a listener rule"). Without a standby, every mode switch would send all traffic to
 * target groups created in that reconcile, with no target registered yet
 * (target_group_binding_synthesizer.go creates the binding last; the TargetGroupBinding
 * controller registers targets later). A forward action holds at most 5 target groups, so
 * the 5 units and the consolidated Service cannot all sit in the live action at weight 0;
 * a second rule (one per 5 Services) that never matches keeps them all named. Its
 * `conditions.<name>` adds a source-ip condition "in addition to original host/path
 * condition" (docs/guide/ingress/annotations.md, v3.5.0 l.419-440). The rule stays in the
 * same Ingress, so it shares the live action's target groups (the resource id carries the
 * Ingress name, model_build_target_group.go l.519-521), and each servicePort is written
 * in the form the Ingress already uses.
 */
function standbyActions(service: InferenceService, ingress: IngressState): StandbyAction[] {
  if (service.consolidatedService === undefined) {
    return [];
  }
  const ingressPorts = portsNamedByIngress(ingress);
  const refs = [...service.units.map((u) => u.service), service.consolidatedService];
  const conditions = JSON.stringify([
    { field: "source-ip", sourceIpConfig: { values: [STANDBY_SOURCE_IP] } },
  ]);
  const names = standbyActionNames(service);
  const actions: StandbyAction[] = [];
  for (let at = 0; at < refs.length; at += TARGET_GROUPS_PER_ACTION) {
    const targetGroups = refs.slice(at, at + TARGET_GROUPS_PER_ACTION).map((ref) => ({
      serviceName: ref.name,
      servicePort: portToWrite(ref.name, ref.port, ingressPorts),
      weight: 1,
    }));
    actions.push({
      name: names[actions.length] ?? standbyActionName(service.action, actions.length + 1),
      action: JSON.stringify({ type: "forward", forwardConfig: { targetGroups } }),
      conditions,
    });
  }
  return actions;
}

/** What installing (or repairing) the standby changes on an Ingress. */
export interface StandbyChanges {
  /** Annotations to set: the standby actions and their conditions that are missing or differ. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Rules to append: one path per standby action no rule names yet. */
  readonly rules: readonly IngressRuleSpec[];
  /** Why the standby is left as it is: an annotation of its name that Switchyard did not write. Null otherwise. */
  readonly problem: string | null;
}

/**
 * What the Ingress lacks of the service's standby (see `standbyActions`): nothing when it
 * is in place, or when the service has no consolidated Service. An `actions.<name>` of a
 * standby's name that forwards to anything but the service's own Services is someone
 * else's: the standby is then left out, and `problem` says so.
 */
export function standbyChanges(current: IngressState, service: InferenceService): StandbyChanges {
  const wanted = standbyActions(service, current);
  const own = [
    ...service.units.map((u) => u.service.name),
    ...(service.consolidatedService === undefined ? [] : [service.consolidatedService.name]),
  ];
  const where = `Ingress ${current.namespace}/${current.name}`;
  for (const standby of wanted) {
    const key = actionAnnotationKey(standby.name);
    const found = current.annotations[key];
    if (found === undefined) {
      continue;
    }
    let ours: boolean;
    try {
      ours = foreignTargetGroups(parseForwardAction(found, `${where} annotation ${key}`), own).length === 0;
    } catch {
      ours = false;
    }
    if (!ours) {
      return {
        annotations: {},
        rules: [],
        problem: `${where} annotation ${key} holds an action Switchyard did not write, so the standby rule that keeps the target groups of both modes registered is not installed; rename that action`,
      };
    }
  }
  const annotations: Record<string, string> = {};
  const rules: IngressRuleSpec[] = [];
  for (const standby of wanted) {
    const actionKey = actionAnnotationKey(standby.name);
    const conditionsKey = conditionsAnnotationKey(standby.name);
    if (current.annotations[actionKey] !== standby.action) {
      annotations[actionKey] = standby.action;
    }
    if (current.annotations[conditionsKey] !== standby.conditions) {
      annotations[conditionsKey] = standby.conditions;
    }
    if (!(current.backends ?? []).some((b) => b.service === standby.name && b.port === USE_ANNOTATION)) {
      rules.push({
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: standby.name, port: { name: USE_ANNOTATION } } },
            },
          ],
        },
      });
    }
  }
  return { annotations, rules, problem: null };
}
