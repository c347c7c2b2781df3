import { type IngressState, type SwitchyardConfig, transitionInFuture } from "@switchyard/core";
import {
  actionAnnotationKey,
  type IngressMergePatch,
  ingressRoutingPatch,
  portsNamedByIngress,
  renderForwardAction,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core/manifests";
import type { Clock, ClusterGateway } from "@switchyard/core/ports";
import type { ControllerLogger } from "./logger.ts";
import { readableAction } from "./plan-switch.ts";
import { serviceNamed } from "./service-lookup.ts";
import { standbyPart } from "./standby.ts";
import { assertNotSuperseded } from "./supersession.ts";
import { recordSwitchEvent, trafficMovedEvent } from "./switch-events.ts";
import { parseSwitchState, type RoutingResult } from "./switch-state.ts";

interface ApplyRoutingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/**
 * The ShiftTraffic step: one merge patch of Switchyard's annotations on the Ingress,
 * rebuilt from the Ingress as read on every conflict retry (the gateway's job), so a
 * concurrent edit of another annotation is never overwritten. Idempotent: when the
 * Ingress already holds this switch's action, mode and failover cause (a retried
 * invocation whose first patch landed), nothing is written and the recorded
 * `switchyard.io/last-transition` stays the start of the dwell time. The action names
 * each Service's port in the form the Ingress already uses (`portToWrite`: another form
 * would make the Load Balancer Controller replace the target group), and the write carries
 * the standby rule too when the Ingress still lacks it.
 */
export async function applyRouting(rawState: unknown, deps: ApplyRoutingDeps): Promise<RoutingResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const { input, target } = state.plan;
  const transitionAt = new Date(deps.clock.now()).toISOString();
  let written = target.annotationValue;
  let recordedAt: string | null = null;
  let routingWritten = false;
  const failoverCause =
    input.move === "failover" ? input.causes.join(",") : input.move === "fallback" ? null : undefined;
  const change = await deps.cluster.patchRouting(service, (current: IngressState) => {
    assertNotSuperseded(state.plan, current, service.action, deps.clock.now());
    const action = readableAction(
      current.annotations[actionAnnotationKey(service.action)] ?? null,
      current.namespace,
      current.name,
      service.action,
    );
    written = renderForwardAction(target.routing, {
      ...(service.stickiness === undefined ? {} : { stickiness: service.stickiness }),
      ...(action === undefined ? {} : { current: action }),
      ingressPorts: portsNamedByIngress(current),
    });
    // The standby rule goes in the same write when ScaleReceivers could not put it in.
    const standby = standbyPart(current, service);
    const withStandby = (patch: IngressMergePatch): IngressMergePatch => ({
      metadata: {
        ...patch.metadata,
        annotations: { ...standby.annotations, ...patch.metadata.annotations },
      },
      ...(standby.rules.length === 0 ? {} : { addRules: standby.rules }),
    });
    const held = current.annotations;
    const recorded = Date.parse(held[SWITCHYARD_ANNOTATIONS.lastTransition] ?? "");
    if (
      // A last transition in the future is a problem a repair writes over.
      !transitionInFuture(Number.isNaN(recorded) ? null : recorded, deps.clock.now()) &&
      held[actionAnnotationKey(service.action)] === written &&
      held[SWITCHYARD_ANNOTATIONS.mode] === target.mode &&
      (failoverCause === undefined || (held[SWITCHYARD_ANNOTATIONS.failoverCause] ?? null) === failoverCause)
    ) {
      recordedAt = held[SWITCHYARD_ANNOTATIONS.lastTransition] ?? null;
      routingWritten = false;
      return standby.empty
        ? null
        : withStandby({ metadata: { resourceVersion: current.resourceVersion, annotations: {} } });
    }
    recordedAt = null;
    routingWritten = true;
    return withStandby(
      ingressRoutingPatch({
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
      }),
    );
  });
  const changed = change.changed && routingWritten;
  if (changed) {
    await recordSwitchEvent(
      deps,
      service,
      trafficMovedEvent(state, deps.clock.now(), deps.config.cluster.region, service.action),
    );
  }
  return {
    changed,
    patchedAt: changed ? transitionAt : (recordedAt ?? transitionAt),
    resourceVersion: change.after.resourceVersion,
    annotationValue: written,
  };
}
