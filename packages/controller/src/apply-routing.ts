import {
  actionAnnotationKey,
  type Clock,
  type ClusterGateway,
  type IngressState,
  ingressRoutingPatch,
  renderForwardAction,
  type SwitchyardConfig,
} from "@switchyard/core";
import { readableAction } from "./plan-switch.ts";
import { serviceNamed } from "./service-lookup.ts";
import { assertNotSuperseded } from "./supersession.ts";
import { parseSwitchState, type RoutingResult } from "./switch-state.ts";

export interface ApplyRoutingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/**
 * The ShiftTraffic step: one merge patch of Switchyard's annotations on the Ingress,
 * rebuilt from the Ingress as read on every conflict retry (the gateway's job), so a
 * concurrent edit of another annotation is never overwritten.
 */
export async function applyRouting(rawState: unknown, deps: ApplyRoutingDeps): Promise<RoutingResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const { input, target } = state.plan;
  const transitionAt = new Date(deps.clock.now()).toISOString();
  let written = target.annotationValue;
  const change = await deps.cluster.patchRouting(service, (current: IngressState) => {
    assertNotSuperseded(state.plan, current, service.action);
    const action = readableAction(
      current.annotations[actionAnnotationKey(service.action)] ?? null,
      current.namespace,
      current.name,
      service.action,
    );
    written = renderForwardAction(target.routing, {
      ...(service.stickiness === undefined ? {} : { stickiness: service.stickiness }),
      ...(action === undefined ? {} : { current: action }),
    });
    return ingressRoutingPatch({
      action: service.action,
      actionValue: written,
      mode: target.mode,
      transitionAt,
      resourceVersion: current.resourceVersion,
      ...(input.move === "failover"
        ? { failoverCause: input.causes }
        : input.move === "fallback"
          ? { failoverCause: null }
          : {}),
    });
  });
  return {
    changed: change.changed,
    patchedAt: transitionAt,
    resourceVersion: change.after.resourceVersion,
    annotationValue: written,
  };
}
