import type { ScaledObjectState, ServiceClusterState } from "../cluster/types.ts";
import type { InferenceService } from "../config/types.ts";
import { serviceStateFrom } from "../decision/service-state.ts";
import type { Move } from "../decision/types.ts";
import { routesToReadyPods } from "../decision/unit-capacity.ts";
import { ManifestError } from "../errors.ts";
import { SWITCHYARD_ANNOTATIONS } from "../manifests/annotations.ts";
import { type ForwardAction, renderForwardAction } from "../manifests/forward-action.ts";
import { parseHoldMark } from "../manifests/replica-hold.ts";
import { portsNamedByIngress } from "../manifests/service-ports.ts";
import { planService } from "../planning/plan-service.ts";
import type { Mode, ServicePlan, UnitCondition } from "../planning/types.ts";

/** A receiver gains at least this share of traffic (half a percentage point). */
const RECEIVER_GAIN = 0.005;

/** What the Plan step of a move needs, gathered by the shell. */
export interface MoveRequest {
  readonly service: InferenceService;
  readonly move: Move;
  readonly to: Mode;
  readonly demandRps: number;
  /** A failover or reroute that cannot wait long for its receivers' pods. */
  readonly urgent: boolean;
  /** The units whose loss a failover or reroute answers (empty for other moves). */
  readonly causes?: readonly string[];
  /** It supersedes a running failover or reroute planned without its loss: traffic moves at once. */
  readonly supersedesUrgent?: boolean;
  /** The decision's view of each unit. */
  readonly conditions: Readonly<Record<string, UnitCondition>>;
  /** The cluster as read now. */
  readonly cluster: ServiceClusterState;
  /** Each unit's ScaledObject as read now, by unit name. */
  readonly scaledObjects: Readonly<Record<string, ScaledObjectState>>;
  /** The action in force, when it can be read: its stickiness and target-group order are kept. */
  readonly currentAction: ForwardAction | undefined;
}

/** One unit's KEDA target change. */
export interface ScalingStep {
  readonly unit: string;
  readonly scaledObject: string;
  /** The value read before the switch (undefined: the key was absent). */
  readonly from: string | undefined;
  readonly to: string;
}

/** The plan of the target mode (its service and demand aside), and the action annotation that writes it. */
export type MoveTarget = Omit<ServicePlan, "service" | "demandRps"> & {
  /** The action annotation's value Switchyard will write. */
  readonly annotationValue: string;
};

/** What a move will do: its target, the KEDA changes, the receivers and how long they may take. */
export interface MovePlan {
  readonly target: MoveTarget;
  /** Units whose KEDA target changes. */
  readonly scaling: readonly ScalingStep[];
  /** Units that get more traffic than now: they must be ready before traffic moves. */
  readonly receivers: readonly string[];
  /**
   * Make-before-break: each receiver held at the plan's pods (or more, if it runs more)
   * with KEDA's paused-replicas until traffic has moved — KEDA alone would add pods only
   * after the load arrives.
   */
  readonly holds: readonly {
    readonly unit: string;
    readonly scaledObject: string;
    readonly replicas: number;
  }[];
  /** How long the receivers may take to be ready before traffic moves (or the move rolls back). */
  readonly readyTimeoutSeconds: number;
}

/**
 * The pure half of the Plan step: plans the target mode against the cluster as it is
 * now. The decision's view of each unit is kept, with the pods that run now; a fallback
 * plans the units that caused the failover at the pods they have ready, so traffic
 * returns to them now, without waiting minutes for new pods (a later rebalance grows
 * them).
 */
export function planMove(request: MoveRequest): MovePlan {
  const { service, cluster, scaledObjects } = request;
  const state = serviceStateFrom({ service, cluster, switches: [] });
  const conditions: Record<string, UnitCondition> = {};
  for (const unit of service.units) {
    const ready = cluster.units[unit.name]?.readyReplicas;
    const returning = request.move === "fallback" && state.failoverCause.includes(unit.name);
    conditions[unit.name] = {
      ...(request.conditions[unit.name] ?? {}),
      ...(ready === undefined ? {} : { runningPods: ready }),
      ...(returning && ready !== undefined ? { maxPods: ready } : {}),
    };
  }
  // A move that cannot wait for new pods routes to the pods ready now (ready-routing.ts).
  const plan = planService({
    service,
    mode: request.to,
    demandRps: request.demandRps,
    conditions,
    routeToReadyPods: routesToReadyPods(request.urgent, request.causes ?? [], conditions),
  });
  const annotationValue = renderForwardAction(plan.routing, {
    ...(service.stickiness === undefined ? {} : { stickiness: service.stickiness }),
    ...(request.currentAction === undefined ? {} : { current: request.currentAction }),
    ingressPorts: portsNamedByIngress(cluster.ingress),
  });

  const scaling: ScalingStep[] = [];
  for (const unitPlan of plan.units) {
    const unit = service.units.find((u) => u.name === unitPlan.name);
    const object = scaledObjects[unitPlan.name];
    if (unit === undefined || object === undefined) {
      const missing = `ScaledObject ${service.namespace}/${unit?.scaledObject.name ?? unitPlan.name}`;
      throw new ManifestError(
        `${missing}: not found for unit ${unitPlan.name}; create it or fix scaledObject.name in the config`,
        { object: missing },
      );
    }
    if (object.target !== unitPlan.kedaTarget) {
      scaling.push({
        unit: unit.name,
        scaledObject: object.name,
        from: object.target,
        to: unitPlan.kedaTarget,
      });
    }
  }

  const currentShares = sharesOf(state.weights);
  const receiving = plan.units.filter(
    (u) => u.unavailable === undefined && u.trafficShare > (currentShares[u.name] ?? 0) + RECEIVER_GAIN,
  );
  const holds = receiving.map((u) => ({
    unit: u.name,
    scaledObject: scaledObjects[u.name]?.name ?? u.name,
    replicas: Math.max(u.pods, cluster.units[u.name]?.desiredReplicas ?? 0),
  }));
  // Holds follow the move that owns them: a hold another switch set (one this move
  // supersedes, whose rollback would lift it) is taken over for every unit whose share
  // does not fall, at no fewer pods than it holds, and lifted with this move's own holds
  // — so no unit is scaled down while the weight it was held for stands or rises. So is
  // the hold of a unit whose pods are being reclaimed, whatever its share: lifted during
  // the reclaim, KEDA makes its HPA anew, which scales to the metric at once, and the
  // ReplicaSet deletes pods by phase and age, not by node (kubernetes
  // pkg/controller/replicaset getPodsToDelete), so it takes pods that would stay while
  // the warned ones still run.
  for (const u of plan.units) {
    const mark = parseHoldMark(
      scaledObjects[u.name]?.object.metadata?.annotations?.[SWITCHYARD_ANNOTATIONS.heldReplicas],
    );
    const held = mark === null ? Number.NaN : Number(mark.replicas);
    const reclaimed = (conditions[u.name]?.reclaimingPods ?? 0) > 0;
    if (
      !Number.isInteger(held) ||
      (!reclaimed && u.trafficShare < (currentShares[u.name] ?? 0) - RECEIVER_GAIN)
    ) {
      continue;
    }
    const own = holds.find((h) => h.unit === u.name);
    if (own === undefined) {
      holds.push({
        unit: u.name,
        scaledObject: scaledObjects[u.name]?.name ?? u.name,
        replicas: Math.max(held, u.pods),
      });
    } else {
      holds[holds.indexOf(own)] = { ...own, replicas: Math.max(own.replicas, held) };
    }
  }
  return {
    target: {
      mode: plan.mode,
      weighting: plan.weighting,
      routing: plan.routing,
      annotationValue,
      hourlyCost: plan.hourlyCost,
      costPerMillion: plan.costPerMillion,
      requiredRps: plan.requiredRps,
      capacityRps: plan.capacityRps,
      feasible: plan.feasible,
      shortfallRps: plan.shortfallRps,
      targetAllowance: plan.targetAllowance,
      units: plan.units,
      notes: plan.notes,
    },
    scaling,
    receivers: receiving.map((u) => u.name),
    holds,
    // Past the running move it supersedes, which would otherwise move traffic first and
    // make this one stand down (its routing changed since it planned).
    readyTimeoutSeconds:
      request.urgent && request.supersedesUrgent === true
        ? 0
        : readyTimeoutSeconds(request.move, request.urgent, service),
  };
}

/**
 * An urgent failover or reroute must not wait long on a service already failing; other
 * moves (and a response to a loss whose causes still serve) wait for the pods they need.
 */
export function readyTimeoutSeconds(move: Move, urgent: boolean, service: InferenceService): number {
  switch (move) {
    case "failover":
    case "reroute":
      return urgent ? service.policy.receiverReadyTimeoutSeconds : service.policy.calmMoveReadyTimeoutSeconds;
    case "fallback":
    case "rebalance":
    case "repair":
      return service.policy.calmMoveReadyTimeoutSeconds;
  }
}

/** Each unit's share of traffic under the current weights (consolidated routing counts every unit equally). */
function sharesOf(weights: Readonly<Record<string, number>> | null): Record<string, number> {
  if (weights === null) {
    return {};
  }
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(weights).map(([name, w]) => [name, total > 0 ? w / total : 0]));
}
