import {
  actionAnnotationKey,
  type ClusterGateway,
  ingressAnnotationsPatch,
  type ReplicaHold,
  type ScalingChange,
  SWITCHYARD_ANNOTATIONS,
  type SwitchyardConfig,
} from "@switchyard/core";
import { rollbackAlert } from "./alerts.ts";
import { serviceNamed } from "./service-lookup.ts";
import { type CaughtError, parseSwitchState, type RollbackResult } from "./switch-state.ts";

export interface RollbackDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
}

/**
 * The Rollback step: undo exactly what the switch changed. The Ingress annotations go
 * back to the values read by the Plan step only while the action still holds what the
 * switch wrote; each KEDA target goes back only while it still holds the switch's value.
 * Anything someone else changed since is left as found, and reported.
 */
export async function rollback(rawState: unknown, deps: RollbackDeps): Promise<RollbackResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const error: CaughtError = state.error ?? { Error: "Unknown", Cause: "the workflow gave no error" };
  const leftAlone: string[] = [];
  const actionKey = actionAnnotationKey(service.action);
  const written = state.routing?.annotationValue ?? state.plan.target.annotationValue;
  const { before } = state.plan;

  const routing = await deps.cluster.patchRouting(service, (current) => {
    const now = current.annotations[actionKey] ?? null;
    if (now === before.annotationValue) {
      return null;
    }
    if (now !== written) {
      leftAlone.push(
        `Ingress ${current.namespace}/${current.name} annotation ${actionKey} (not the value the switch wrote)`,
      );
      return null;
    }
    return ingressAnnotationsPatch(
      {
        [actionKey]: before.annotationValue,
        [SWITCHYARD_ANNOTATIONS.mode]: before.mode,
        [SWITCHYARD_ANNOTATIONS.lastTransition]: before.lastTransition,
        [SWITCHYARD_ANNOTATIONS.failoverCause]: before.failoverCause,
      },
      current.resourceVersion,
    );
  });

  const scalingRestored: ScalingChange[] = [];
  if (state.plan.scaling.length > 0) {
    const objects = await deps.cluster.readScaledObjects(service);
    for (const step of state.plan.scaling) {
      const now = objects[step.unit]?.target;
      if (now === step.from) {
        continue;
      }
      if (now !== step.to) {
        leftAlone.push(
          `ScaledObject ${service.namespace}/${step.scaledObject} target ${now ?? "(none)"} (not the switch's ${step.to})`,
        );
      } else if (step.from === undefined) {
        leftAlone.push(
          `ScaledObject ${service.namespace}/${step.scaledObject} target ${step.to} (the key was absent before; remove it by hand if unwanted)`,
        );
      } else {
        scalingRestored.push(await deps.cluster.setScalingTarget(service, step.unit, step.from));
      }
    }
  }

  const released: ReplicaHold[] = [];
  for (const hold of state.plan.holds) {
    const lifted = await deps.cluster.holdReplicas(service, hold.unit, null, state.plan.input.executionName);
    released.push(lifted);
    if (lifted.outcome === "paused-by-someone-else") {
      leftAlone.push(
        `ScaledObject ${service.namespace}/${hold.scaledObject} paused-replicas (changed by someone else)`,
      );
    }
  }

  const outcome = { routingRestored: routing.changed, scalingRestored, released, leftAlone };
  return { ...outcome, alert: rollbackAlert(state, error, outcome, deps.config.cluster.region) };
}
