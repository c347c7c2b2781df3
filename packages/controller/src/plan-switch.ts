import {
  actionAnnotationKey,
  type Clock,
  type ClusterGateway,
  describeTargetGroup,
  type ForwardAction,
  foreignTargetGroups,
  type InferenceService,
  ManifestError,
  parseForwardAction,
  planService,
  portsNamedByIngress,
  renderForwardAction,
  SWITCHYARD_ANNOTATIONS,
  type SwitchyardConfig,
  serviceStateFrom,
  type UnitCondition,
} from "@switchyard/core";
import { ForeignRoutingError } from "./errors.ts";
import { serviceNamed } from "./service-lookup.ts";
import { parseSwitchInput, type ScalingStep, type SwitchPlan } from "./switch-state.ts";

export interface PlanSwitchDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/** A receiver gains at least this share of traffic (half a percentage point). */
const RECEIVER_GAIN = 0.005;

/**
 * The Plan step: plans the target mode against the cluster as it is now, and records
 * what is there before anything changes, so Rollback can restore exactly that.
 */
export async function planSwitch(
  rawInput: unknown,
  executionArn: string | null,
  deps: PlanSwitchDeps,
): Promise<SwitchPlan> {
  const input = parseSwitchInput(rawInput);
  const service = serviceNamed(deps.config, input.service);
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  const scaledObjects = await deps.cluster.readScaledObjects(service);
  const state = serviceStateFrom({ service, cluster, switches: [] });

  // The decision's view of each unit, with the pods that run now. A fallback plans the
  // units that caused the failover at the pods they have ready: traffic returns to them
  // now, without waiting minutes for new pods, and a later rebalance grows them.
  const conditions: Record<string, UnitCondition> = {};
  for (const unit of service.units) {
    const ready = cluster.units[unit.name]?.readyReplicas;
    const returning = input.move === "fallback" && state.failoverCause.includes(unit.name);
    conditions[unit.name] = {
      ...(input.conditions[unit.name] ?? {}),
      ...(ready === undefined ? {} : { runningPods: ready }),
      ...(returning && ready !== undefined ? { maxPods: ready } : {}),
    };
  }
  const plan = planService({ service, mode: input.to, demandRps: input.demandRps, conditions });

  const annotations = cluster.ingress.annotations;
  const currentValue = annotations[actionAnnotationKey(service.action)] ?? null;
  const current = readableAction(
    currentValue,
    cluster.ingress.namespace,
    cluster.ingress.name,
    service.action,
  );
  if (current !== undefined) {
    assertOnlyOwnTargets(current, service, `Ingress ${cluster.ingress.namespace}/${cluster.ingress.name}`);
  }
  const annotationValue = renderForwardAction(plan.routing, {
    ...(service.stickiness === undefined ? {} : { stickiness: service.stickiness }),
    ...(current === undefined ? {} : { current }),
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
  // An urgent failover must not wait long on a service already failing; other moves
  // (and a failover whose units still serve) wait for the pods they need.
  const readyTimeout =
    input.move !== "fallback" && input.urgent
      ? service.policy.receiverReadyTimeoutSeconds
      : service.policy.calmMoveReadyTimeoutSeconds;

  return {
    input,
    executionArn,
    plannedAt: new Date(now).toISOString(),
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
      units: plan.units,
      notes: plan.notes,
    },
    scaling,
    receivers: receiving.map((u) => u.name),
    holds,
    before: {
      annotationValue: currentValue,
      mode: annotations[SWITCHYARD_ANNOTATIONS.mode] ?? null,
      lastTransition: annotations[SWITCHYARD_ANNOTATIONS.lastTransition] ?? null,
      failoverCause: annotations[SWITCHYARD_ANNOTATIONS.failoverCause] ?? null,
    },
    receiversDeadline: new Date(now + readyTimeout * 1000).toISOString(),
    receiverHoldSeconds: service.policy.receiverHoldSeconds,
  };
}

/**
 * Refuses an action that also routes to Services the config does not name: writing the
 * plan would drop them (another team's canary would lose its traffic without a word).
 */
export function assertOnlyOwnTargets(action: ForwardAction, service: InferenceService, where: string): void {
  const own = [
    ...service.units.map((u) => u.service.name),
    ...(service.consolidatedService === undefined ? [] : [service.consolidatedService.name]),
  ];
  const foreign = foreignTargetGroups(action, own);
  if (foreign.length > 0) {
    throw new ForeignRoutingError(
      `${where} annotation ${actionAnnotationKey(service.action)} also routes to ${foreign.map(describeTargetGroup).join(", ")}, which services[${service.name}] in the config does not name; Switchyard rewrites the whole action and would drop ${foreign.length === 1 ? "it" : "them"}, so it changes nothing. Move ${foreign.length === 1 ? "it" : "them"} to an action of ${foreign.length === 1 ? "its" : "their"} own, or add the Service as a unit of the service, or pin a mode (switchyard.io/pin) while it is there`,
    );
  }
}

/** The current action, when it can be read: its stickiness and target-group order are kept. */
export function readableAction(
  value: string | null,
  namespace: string,
  ingress: string,
  action: string,
): ForwardAction | undefined {
  if (value === null) {
    return undefined;
  }
  try {
    return parseForwardAction(
      value,
      `Ingress ${namespace}/${ingress} annotation ${actionAnnotationKey(action)}`,
    );
  } catch (error) {
    if (error instanceof ManifestError) {
      return undefined;
    }
    throw error;
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
