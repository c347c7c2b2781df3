import type { ServiceClusterState } from "../cluster/types.ts";
import type { InferenceService } from "../config/types.ts";
import { ManifestError } from "../errors.ts";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "../manifests/annotations.ts";
import { foreignActionOf, parseForwardAction } from "../manifests/forward-action.ts";
import type { Mode } from "../planning/types.ts";
import { parsePin } from "./pin.ts";
import type { ServiceState, SwitchRecord, UnitRuntime } from "./types.ts";

export interface ServiceStateInput {
  readonly service: InferenceService;
  readonly cluster: ServiceClusterState;
  /** This service's executions, newest first. */
  readonly switches: readonly SwitchRecord[];
}

/**
 * What the controller knows about a service, read from the cluster and the execution
 * history: Lambdas keep nothing between invocations, so this is rebuilt every time.
 */
export function serviceStateFrom({ service, cluster, switches }: ServiceStateInput): ServiceState {
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
  };
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
