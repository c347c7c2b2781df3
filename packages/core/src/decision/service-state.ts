import type { ScaledObjectState, ServiceClusterState } from "../cluster/types.ts";
import type { InferenceService } from "../config/types.ts";
import { ManifestError } from "../errors.ts";
import {
  actionAnnotationKey,
  KEDA_PAUSED_REPLICAS,
  SWITCHYARD_ANNOTATIONS,
} from "../manifests/annotations.ts";
import { foreignActionOf, parseForwardAction } from "../manifests/forward-action.ts";
import { parseHoldMark } from "../manifests/replica-hold.ts";
import type { Mode } from "../planning/types.ts";
import { MAX_ALB_WEIGHT } from "../planning/weights.ts";
import type { EpochMs } from "../signals/types.ts";
import { parsePin } from "./pin.ts";
import type { ServiceState, SwitchRecord, SwitchyardHold, UnitRuntime } from "./types.ts";

interface ServiceStateInput {
  readonly service: InferenceService;
  readonly cluster: ServiceClusterState;
  /** This service's executions, newest first. */
  readonly switches: readonly SwitchRecord[];
  /** How far back `switches` reaches; unset when unknown (no hold is then judged by its age). */
  readonly switchesSince?: EpochMs;
  /** Each unit's ScaledObject as read, by unit name, when read: Switchyard's holds on them. */
  readonly scaledObjects?: Readonly<Record<string, ScaledObjectState>>;
}

/**
 * What the controller knows about a service, read from the cluster and the execution
 * history: Lambdas keep nothing between invocations, so this is rebuilt every time.
 */
export function serviceStateFrom({
  service,
  cluster,
  switches,
  switchesSince,
  scaledObjects,
}: ServiceStateInput): ServiceState {
  const annotations = cluster.ingress.annotations;
  const where = `Ingress ${cluster.ingress.namespace}/${cluster.ingress.name} annotation ${actionAnnotationKey(service.action)}`;
  const routing = readRouting(service, annotations[actionAnnotationKey(service.action)], where);

  const recorded = annotations[SWITCHYARD_ANNOTATIONS.mode];
  const modeRecorded = recorded === "cost" || recorded === "capacity";
  const mode: Mode = modeRecorded ? (recorded as Mode) : routing.inferredMode;

  const transition = Date.parse(annotations[SWITCHYARD_ANNOTATIONS.lastTransition] ?? "");
  const pinText = annotations[SWITCHYARD_ANNOTATIONS.pin];
  const cause = (annotations[SWITCHYARD_ANNOTATIONS.failoverCause] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => service.units.some((unit) => unit.name === name));

  const units: Record<string, UnitRuntime> = {};
  for (const unit of service.units) {
    const workload = cluster.units[unit.name];
    const since = (workload?.unschedulablePods ?? []).map((pod) => pod.since);
    units[unit.name] = {
      desiredReplicas: workload?.desiredReplicas ?? 0,
      readyReplicas: workload?.readyReplicas ?? 0,
      unschedulableSince: since.length === 0 ? null : Math.min(...since),
      unschedulablePods: since.length,
    };
  }

  return {
    service,
    mode,
    modeRecorded,
    lastTransitionAt: Number.isNaN(transition) ? null : transition,
    pin: pinText === undefined || pinText.trim() === "" ? null : parsePin(pinText, mode),
    failoverCause: cause.length > 0 ? cause : service.units.map((unit) => unit.name),
    weights: routing.weights,
    actionProblem: routing.problem,
    actionForeign: routing.foreign,
    units,
    switches,
    switchesSince: switchesSince ?? null,
    holds: scaledObjects === undefined ? [] : switchyardHolds(scaledObjects),
  };
}

/** Switchyard's holds among the ScaledObjects: KEDA's paused-replicas with Switchyard's mark on the same count. */
function switchyardHolds(scaledObjects: Readonly<Record<string, ScaledObjectState>>): SwitchyardHold[] {
  return Object.entries(scaledObjects).flatMap(([unit, state]) => {
    const annotations = state.object.metadata?.annotations ?? {};
    const mark = parseHoldMark(annotations[SWITCHYARD_ANNOTATIONS.heldReplicas]);
    return mark !== null && annotations[KEDA_PAUSED_REPLICAS] === mark.replicas
      ? [{ unit, scaledObject: state.name, replicas: mark.replicas, owner: mark.owner }]
      : [];
  });
}

interface Routing {
  readonly weights: Readonly<Record<string, number>> | null;
  readonly problem: string | null;
  readonly foreign: string | null;
  readonly inferredMode: Mode;
}

/**
 * Per unit, the weight that reaches it. Through the consolidated Service every unit
 * carries traffic, so each gets that Service's weight too.
 */
function readRouting(service: InferenceService, value: string | undefined, where: string): Routing {
  if (value === undefined) {
    return { weights: null, problem: `${where} is missing`, foreign: null, inferredMode: "cost" };
  }
  let action: ReturnType<typeof parseForwardAction>;
  try {
    action = parseForwardAction(value, where);
  } catch (error) {
    if (error instanceof ManifestError) {
      const foreign = foreignActionOf(value);
      return foreign === null
        ? { weights: null, problem: error.message, foreign: null, inferredMode: "cost" }
        : { weights: null, problem: null, foreign: `${where} holds ${foreign}`, inferredMode: "cost" };
    }
    throw error;
  }
  const weightProblem = unusableWeights(action.forwardConfig.targetGroups, where);
  if (weightProblem !== null) {
    return { weights: null, problem: weightProblem, foreign: null, inferredMode: "cost" };
  }
  const byService = new Map<string, number>();
  for (const group of action.forwardConfig.targetGroups) {
    if (group.serviceName !== undefined) {
      byService.set(group.serviceName, (byService.get(group.serviceName) ?? 0) + (group.weight ?? 1));
    }
  }
  const consolidated =
    service.consolidatedService === undefined ? 0 : (byService.get(service.consolidatedService.name) ?? 0);
  const weights: Record<string, number> = {};
  let unitTotal = 0;
  for (const unit of service.units) {
    const own = byService.get(unit.service.name) ?? 0;
    unitTotal += own;
    weights[unit.name] = Math.max(own, consolidated);
  }
  return {
    weights,
    problem: null,
    foreign: null,
    inferredMode: consolidated > 0 && unitTotal === 0 ? "capacity" : "cost",
  };
}

/**
 * Weights the ALB cannot take, or that route nothing: each is a whole number from 0 to
 * 999 (ELBv2 `TargetGroupTuple.Weight`; the Load Balancer Controller decodes it into an
 * int64, refusing a fraction), and a forward action with every weight 0 sends no request
 * anywhere. Either way Switchyard cannot read a routing it could keep: a repair rewrites
 * it. Null when the weights are usable.
 */
function unusableWeights(
  groups: readonly { readonly serviceName?: string; readonly weight?: number }[],
  where: string,
): string | null {
  for (const [index, group] of groups.entries()) {
    const weight = group.weight;
    if (weight !== undefined && !(Number.isInteger(weight) && weight >= 0 && weight <= MAX_ALB_WEIGHT)) {
      return `${where}: targetGroups[${index}]${group.serviceName === undefined ? "" : ` (${group.serviceName})`} has weight ${JSON.stringify(weight)}, not a whole number from 0 to ${MAX_ALB_WEIGHT}: the Load Balancer Controller cannot apply it`;
    }
  }
  if (groups.length > 0 && groups.every((group) => group.weight === 0)) {
    return `${where}: every target group has weight 0, so the action routes no request anywhere`;
  }
  return null;
}
