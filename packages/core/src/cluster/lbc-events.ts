import type { ClusterEvent } from "./types.ts";

/** The AWS Load Balancer Controller's event reasons on an Ingress (pkg/k8s/events.go). */
export const LBC_EVENT_REASONS = {
  buildFailed: "FailedBuildModel",
  deployFailed: "FailedDeployModel",
  reconciled: "SuccessfullyReconciled",
} as const;

/** What Switchyard wrote on one Ingress: the actions it owns and the Services they name. */
export interface WrittenRouting {
  readonly namespace: string;
  readonly ingress: string;
  /** Action names (`actions.<name>`) Switchyard writes: the service's action and its standby actions. */
  readonly actions: readonly string[];
  /** Kubernetes Services those actions forward to. */
  readonly services: readonly string[];
}

/**
 * The errors of the controller's action check (kubernetes-sigs/aws-load-balancer-controller
 * v3.5.0 pkg/ingress/config_types.go `Action.validate`, `ForwardActionConfig.validate`,
 * `TargetGroupTuple.validate`): they do not name the annotation, but only an action
 * annotation makes them.
 */
const ACTION_CHECK_ERRORS = [
  "invalid ForwardConfig",
  "missing ForwardConfig",
  "either ForwardConfig or TargetGroupARN/TargetGroupName can be specified",
  "unknown action type",
  "invalid TargetGroupTuple",
  "weight must be set when route to multiple target groups",
];

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Whether a FailedBuildModel rejects the routing Switchyard wrote, so that trying again
 * cannot help. The controller records FailedBuildModel for every error of its model
 * build (controllers/ingress/group_controller.go v3.5.0 l.222-228, `"Failed build model
 * due to %v"`), and on every Ingress of the group (`recordIngressGroupEvent`). Many are
 * AWS calls that fail for a while and pass: subnet discovery (model_build_load_balancer.go
 * "couldn't auto-discover subnets"), ACM certificate discovery (model_build_listener.go),
 * a target group looked up by name (model_build_actions.go "searching TargetGroup with
 * name"), security groups, throttling. Per-Ingress errors are wrapped `ingress:
 * <namespace>/<name>: ` (model_build_listener_rules.go). A build failure rejects what
 * Switchyard wrote only when it is about this Ingress and names one of its actions
 * (`actions.<name>`, `conditions.<name>`: the JSON parse error of pkg/annotations/parser.go
 * and `missing actions.<name> configuration` of enhanced_backend_builder.go), is one of
 * the action checks of config_types.go, or names a Service the actions forward to
 * (`services "<name>" not found`, `unable to find port <port> on service <ns>/<name>`,
 * pkg/k8s/service_utils.go).
 */
export function rejectsWrittenRouting(event: ClusterEvent, written: WrittenRouting): boolean {
  if (event.reason !== LBC_EVENT_REASONS.buildFailed) {
    return false;
  }
  const message = event.message;
  const ours = `${written.namespace}/${written.ingress}`;
  const named = [...message.matchAll(/ingress: ([^\s:]+\/[^\s:]+):/g)].map((m) => m[1]);
  if (named.length > 0 && !named.includes(ours)) {
    // A sibling Ingress of the group failed; the controller records it on every member.
    return false;
  }
  const actionNamed = written.actions.some((action) =>
    new RegExp(`(?:actions|conditions)\\.${escaped(action)}(?![a-z0-9.-])`).test(message),
  );
  if (actionNamed) {
    return true;
  }
  const serviceNamed = written.services.some(
    (service) =>
      message.includes(`services "${service}" not found`) ||
      new RegExp(`on service ${escaped(written.namespace)}/${escaped(service)}(?![a-z0-9.-])`).test(message),
  );
  return serviceNamed || (named.length > 0 && ACTION_CHECK_ERRORS.some((text) => message.includes(text)));
}
