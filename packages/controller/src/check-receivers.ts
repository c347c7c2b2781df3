import {
  compareServedNow,
  type InferenceService,
  type ServiceClusterState,
  type SwitchyardConfig,
  serviceStateFrom,
  targetGroupProblems,
} from "@switchyard/core";
import type { Clock, ClusterGateway, TargetHealthReader } from "@switchyard/core/ports";
import { ReceiversNotReadyError } from "./errors.ts";
import { serviceNamed } from "./service-lookup.ts";
import { standbyInPlace } from "./standby.ts";
import { assertHoldsNotTakenOver, assertNotSuperseded } from "./supersession.ts";
import { parseSwitchState, type ReceiversCheck } from "./switch-state.ts";

interface CheckReceiversDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly targetHealth: TargetHealthReader;
}

/**
 * One readiness check of WaitForReceivers: every unit that will get more traffic has
 * the pods it was held at ready (or, where it could not be held, none still starting),
 * and every target group that is to carry traffic after the move has a healthy target
 * on the ALB (DescribeTargetHealth): a target must pass the ALB's health checks before it
 * gets requests, and a target group with none answers 503. A target group the ALB does
 * not have yet is waited for while the standby rule names it (the Load Balancer
 * Controller is about to make it); without the standby in place nothing makes it before
 * traffic moves, so it is not waited for.
 * Past the deadline a failover or an urgent reroute moves traffic anyway — it must not
 * wait long on a service already degraded — while a fallback, a rebalance, a repair or a
 * reroute that was not urgent fails, and rolls back. A reroute also moves before its
 * receivers are ready once its weights serve more with the pods ready now than the
 * routing in force: waiting any longer only keeps the frozen units overloaded.
 */
export async function checkReceivers(rawState: unknown, deps: CheckReceiversDeps): Promise<ReceiversCheck> {
  const state = parseSwitchState(rawState);
  const { plan } = state;
  const service = serviceNamed(deps.config, plan.input.service);
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  assertNotSuperseded(plan, cluster.ingress, service.action, now);
  const held = new Map(
    (state.scaling?.holds ?? [])
      .filter((h) => h.outcome === "held" || h.outcome === "unchanged")
      .map((h) => [h.unit, h.replicas ?? 0]),
  );
  if (held.size > 0) {
    assertHoldsNotTakenOver(plan, [...held.keys()], await deps.cluster.readScaledObjects(service));
  }
  const units = plan.receivers.map((unit) => {
    const desired = cluster.units[unit]?.desiredReplicas ?? 0;
    return {
      unit,
      wanted: held.get(unit) ?? desired,
      desired,
      ready: cluster.units[unit]?.readyReplicas ?? 0,
    };
  });
  // KEDA scales the target to paused-replicas itself (scaleTargetToPausedCount); a
  // Deployment whose spec.replicas differs did not get the hold.
  const holdsNotApplied = [...held.entries()].flatMap(([unit, heldAt]) => {
    const workload = cluster.units[unit];
    return workload === undefined || !workload.deploymentFound || workload.desiredReplicas === heldAt
      ? []
      : [{ unit, heldAt, specReplicas: workload.desiredReplicas }];
  });
  const carrying = plan.target.routing.targetGroups.filter((g) => g.weight > 0).map((g) => g.serviceName);
  const targetGroups = await deps.targetHealth.health(service, carrying);
  const targetsNotReady = targetGroupProblems(
    targetGroups,
    standbyInPlace(cluster.ingress, service) ? "wait" : "ignore",
  );
  const ready = units.every((u) => u.ready >= 1 && u.ready >= u.wanted) && targetsNotReady.length === 0;
  const timedOut = now >= Date.parse(plan.receiversDeadline);
  // A failover or reroute waiting because its causes still served moves at once if one stops serving.
  const respondsToLoss = plan.input.move === "failover" || plan.input.move === "reroute";
  const turnedUrgent =
    respondsToLoss &&
    plan.input.causes.some((name) => {
      const unit = cluster.units[name];
      return unit !== undefined && unit.desiredReplicas > 0 && unit.readyReplicas === 0;
    });
  const servesMoreNow =
    !ready &&
    plan.input.move === "reroute" &&
    movingServesMore(service, cluster, plan.target.units, plan.input.demandRps);
  // A reroute that was not urgent (its causes still serve, they only cannot grow) and whose
  // receivers never got ready — their pools may be short too — would move traffic onto
  // pods that are not there: it rolls back like a calm move, and the next evaluation plans
  // again with what the wait showed.
  const movesAtDeadline =
    plan.input.move === "failover" || (plan.input.move === "reroute" && (plan.input.urgent || servesMoreNow));
  if (!ready && timedOut && !movesAtDeadline && !turnedUrgent) {
    const short = [
      ...units
        .filter((u) => u.ready < Math.max(1, u.wanted))
        .map((u) => `${u.unit} ${u.ready}/${Math.max(1, u.wanted)} ready`),
      ...targetsNotReady,
    ].join(", ");
    throw new ReceiversNotReadyError(
      `the ${plan.input.move}'s receiving units were not ready by ${plan.receiversDeadline} (${short}); traffic stays where it is${
        holdsNotApplied.length === 0 ? "" : `. ${holdsNotAppliedText(holdsNotApplied)}`
      }`,
    );
  }
  const verdict = ready
    ? "ready"
    : turnedUrgent || servesMoreNow
      ? "turned-urgent"
      : timedOut
        ? "deadline"
        : "waiting";
  return {
    ready,
    timedOut: verdict === "deadline" || verdict === "turned-urgent",
    verdict,
    units,
    holdsNotApplied,
    targetGroups,
    targetsNotReady,
    checkedAt: new Date(now).toISOString(),
  };
}

/** What an operator reads about holds KEDA did not apply. */
export function holdsNotAppliedText(holds: ReceiversCheck["holdsNotApplied"]): string {
  return `KEDA did not scale ${holds.map((h) => `${h.unit} to its hold of ${h.heldAt} (Deployment spec.replicas ${h.specReplicas})`).join(", ")}: the receivers run fewer pods than planned; KEDA 2.18.2 or later is required (issue #7231)`;
}

/**
 * Whether the planned weights serve more of the demand than the routing in force, with
 * the pods ready now (each unit up to ready pods × maxRps).
 */
function movingServesMore(
  service: InferenceService,
  cluster: ServiceClusterState,
  planned: readonly {
    readonly name: string;
    readonly weight: number | null;
    readonly unavailable?: string;
  }[],
  demandRps: number,
): boolean {
  const current = serviceStateFrom({ service, cluster, switches: [] }).weights;
  if (current === null) {
    return false;
  }
  const target = Object.fromEntries(planned.map((u) => [u.name, u.weight ?? 0]));
  const ready = Object.fromEntries(
    service.units.map((u) => [u.name, cluster.units[u.name]?.readyReplicas ?? 0]),
  );
  const dark = new Set(planned.filter((u) => u.unavailable === "no-healthy-targets").map((u) => u.name));
  return compareServedNow(service, current, target, ready, demandRps, dark).targetServesMore;
}
