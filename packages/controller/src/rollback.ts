import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import {
  actionAnnotationKey,
  holdRemovalCommand,
  ingressAnnotationsPatch,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core/manifests";
import type { Clock, ClusterGateway, ReplicaHold, ScalingChange } from "@switchyard/core/ports";
import { rollbackAlert } from "./alerts.ts";
import type { ControllerLogger } from "./logger.ts";
import { serviceNamed } from "./service-lookup.ts";
import { recordSwitchEvent, rollbackEvent } from "./switch-events.ts";
import {
  type CaughtError,
  type NotRestored,
  parseSwitchState,
  type RollbackOutcome,
  type RollbackResult,
  type SwitchState,
} from "./switch-state.ts";

interface RollbackDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/** The error name a superseded switch stands down with (see supersession.ts). */
const SUPERSEDED = "SwitchSupersededError";

interface Found {
  readonly leftAlone: string[];
  readonly notRestored: NotRestored[];
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The Rollback step: undo exactly what the switch changed. Each Ingress annotation the
 * switch wrote goes back to the value read by the Plan step while it still holds what the
 * switch wrote; each KEDA target goes back only while it still holds the switch's value;
 * each of the switch's replica holds is lifted. Anything someone else changed since is
 * left as found, and reported. The three parts (and each target and hold) are undone
 * independently: a call that fails is reported with its error as not restored, and the
 * rest is still undone — a denied Ingress read must not leave the receivers held.
 */
export async function rollback(rawState: unknown, deps: RollbackDeps): Promise<RollbackResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const error: CaughtError = state.error ?? { Error: "Unknown", Cause: "the workflow gave no error" };
  const found: Found = { leftAlone: [], notRestored: [] };

  const routingRestored = await restoreRouting(state, service, deps.cluster, found);
  const scalingRestored = await restoreScaling(state, service, deps.cluster, found);
  const released = await releaseHolds(state, service, deps.cluster, found);

  const outcome: RollbackOutcome =
    found.notRestored.length > 0
      ? "rollback-incomplete"
      : error.Error === SUPERSEDED
        ? "superseded"
        : "rolled-back";
  const result = {
    outcome,
    routingRestored,
    scalingRestored,
    released,
    leftAlone: found.leftAlone,
    notRestored: found.notRestored,
  };
  const { region } = deps.config.cluster;
  await recordSwitchEvent(deps, service, rollbackEvent(state, error, result, deps.clock.now(), region));
  return { ...result, alert: rollbackAlert(state, error, result, region) };
}

/**
 * What the switch wrote on the Ingress, per annotation: the action and mode always, the
 * last transition when ShiftTraffic wrote it (unknown when ShiftTraffic failed after its
 * patch: then any time from the plan on counts as the switch's), and the failover cause
 * on a failover (its causes) or a fallback (removed, null); other moves leave it alone.
 */
function writtenBySwitch(
  state: SwitchState,
  actionKey: string,
): Record<string, (value: string | null) => boolean> {
  const { plan, routing } = state;
  const action = routing?.annotationValue ?? plan.target.annotationValue;
  const plannedAt = Date.parse(plan.plannedAt);
  const written: Record<string, (value: string | null) => boolean> = {
    [actionKey]: (value) => value === action,
    [SWITCHYARD_ANNOTATIONS.mode]: (value) => value === plan.target.mode,
    [SWITCHYARD_ANNOTATIONS.lastTransition]: (value) =>
      routing === undefined ? value !== null && Date.parse(value) >= plannedAt : value === routing.patchedAt,
  };
  if (plan.input.move === "failover") {
    const cause = plan.input.causes.join(",");
    written[SWITCHYARD_ANNOTATIONS.failoverCause] = (value) => value === cause;
  } else if (plan.input.move === "fallback") {
    written[SWITCHYARD_ANNOTATIONS.failoverCause] = (value) => value === null;
  }
  return written;
}

/**
 * Each annotation the switch wrote goes back to its value before the switch while it
 * still holds what the switch wrote, whatever happened to the others: an action someone
 * put back by hand (or one the switch wrote unchanged) must not leave the switch's mode,
 * last transition and failover cause behind, or the controller would read the service as
 * in the switch's mode and ignore the losses that mode ignores. A value that is neither
 * the switch's nor the one before is someone else's, and is left as found.
 */
async function restoreRouting(
  state: SwitchState,
  service: InferenceService,
  cluster: ClusterGateway,
  found: Found,
): Promise<boolean> {
  const actionKey = actionAnnotationKey(service.action);
  const { before } = state.plan;
  const beforeValues: Record<string, string | null> = {
    [actionKey]: before.annotationValue,
    [SWITCHYARD_ANNOTATIONS.mode]: before.mode,
    [SWITCHYARD_ANNOTATIONS.lastTransition]: before.lastTransition,
    [SWITCHYARD_ANNOTATIONS.failoverCause]: before.failoverCause,
  };
  const written = writtenBySwitch(state, actionKey);
  try {
    const routing = await cluster.patchRouting(service, (current) => {
      const annotation = (key: string) => current.annotations[key] ?? null;
      const transition = annotation(SWITCHYARD_ANNOTATIONS.lastTransition);
      // Every switch writes its own last transition: one that is neither the switch's nor
      // the one before means a later switch wrote these annotations, and all are its.
      const laterSwitch =
        transition !== before.lastTransition &&
        written[SWITCHYARD_ANNOTATIONS.lastTransition]?.(transition) !== true;
      const restore: Record<string, string | null> = {};
      const others: string[] = [];
      for (const [key, isSwitchs] of Object.entries(written)) {
        const now = annotation(key);
        const was = beforeValues[key] ?? null;
        if (now === was) {
          continue;
        }
        if (!laterSwitch && isSwitchs(now)) {
          restore[key] = was;
        } else {
          others.push(key);
        }
      }
      if (others.length > 0) {
        found.leftAlone.push(
          `Ingress ${current.namespace}/${current.name} annotation ${others.join(", ")} (not the value the switch wrote)`,
        );
      }
      return Object.keys(restore).length === 0
        ? null
        : ingressAnnotationsPatch(restore, current.resourceVersion);
    });
    return routing.changed;
  } catch (error) {
    found.notRestored.push({
      what: `Ingress ${service.namespace}/${service.ingress} annotations (${actionKey}, ${SWITCHYARD_ANNOTATIONS.mode}, ${SWITCHYARD_ANNOTATIONS.lastTransition}, ${SWITCHYARD_ANNOTATIONS.failoverCause}) as read before the switch`,
      error: describeError(error),
    });
    return false;
  }
}

async function restoreScaling(
  state: SwitchState,
  service: InferenceService,
  cluster: ClusterGateway,
  found: Found,
): Promise<ScalingChange[]> {
  const restored: ScalingChange[] = [];
  for (const step of state.plan.scaling) {
    const where = `ScaledObject ${service.namespace}/${step.scaledObject} target`;
    try {
      // The check runs inside the guarded write, on the object as read for the patch
      // (and again on the fresh one after a conflict): a value someone else set between
      // the switch and this rollback is never overwritten.
      const change = await cluster.setScalingTarget(service, step.unit, (current) => {
        const now = current.target;
        if (now === step.from) {
          return null;
        }
        if (now !== step.to) {
          found.leftAlone.push(`${where} ${now ?? "(none)"} (not the switch's ${step.to})`);
          return null;
        }
        if (step.from === undefined) {
          found.leftAlone.push(
            `${where} ${step.to} (the key was absent before; remove it by hand if unwanted)`,
          );
          return null;
        }
        return step.from;
      });
      if (change.changed) {
        restored.push(change);
      }
    } catch (error) {
      found.notRestored.push({
        what: `${where} ${step.from ?? "(none)"} (the switch set ${step.to})`,
        error: describeError(error),
      });
    }
  }
  return restored;
}

async function releaseHolds(
  state: SwitchState,
  service: InferenceService,
  cluster: ClusterGateway,
  found: Found,
): Promise<ReplicaHold[]> {
  const released: ReplicaHold[] = [];
  for (const hold of state.plan.holds) {
    try {
      const lifted = await cluster.holdReplicas(service, hold.unit, null, state.plan.input.executionName);
      released.push(lifted);
      if (lifted.outcome === "paused-by-someone-else") {
        found.leftAlone.push(
          `ScaledObject ${service.namespace}/${hold.scaledObject} paused-replicas (changed by someone else)`,
        );
      }
    } catch (error) {
      found.notRestored.push({
        what: `ScaledObject ${service.namespace}/${hold.scaledObject} replica hold (autoscaling.keda.sh/paused-replicas ${hold.replicas}): remove it with ${holdRemovalCommand(hold.scaledObject, service.namespace)}`,
        error: describeError(error),
      });
    }
  }
  return released;
}
