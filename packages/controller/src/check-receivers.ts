import type { Clock, ClusterGateway, SwitchyardConfig } from "@switchyard/core";
import { ReceiversNotReadyError } from "./errors.ts";
import { serviceNamed } from "./service-lookup.ts";
import { assertNotSuperseded } from "./supersession.ts";
import { parseSwitchState, type ReceiversCheck } from "./switch-state.ts";

export interface CheckReceiversDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/**
 * One readiness check of WaitForReceivers: every unit that will get more traffic has
 * the pods it was held at ready (or, where it could not be held, none still starting).
 * Past the deadline a failover, or a rebalance routing around a loss, moves traffic
 * anyway — it must not wait long on a service already degraded — while a fallback or a
 * calm rebalance fails, and rolls back.
 */
export async function checkReceivers(rawState: unknown, deps: CheckReceiversDeps): Promise<ReceiversCheck> {
  const state = parseSwitchState(rawState);
  const { plan } = state;
  const service = serviceNamed(deps.config, plan.input.service);
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  assertNotSuperseded(plan, cluster.ingress, service.action);
  const held = new Map(
    (state.scaling?.holds ?? [])
      .filter((h) => h.outcome === "held" || h.outcome === "unchanged")
      .map((h) => [h.unit, h.replicas ?? 0]),
  );
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
  const ready = units.every((u) => u.ready >= 1 && u.ready >= u.wanted);
  const timedOut = now >= Date.parse(plan.receiversDeadline);
  // A failover waiting because its units still served moves at once if one stops serving.
  const respondsToLoss = plan.input.move === "failover" || plan.input.causes.length > 0;
  const turnedUrgent =
    respondsToLoss &&
    plan.input.causes.some((name) => {
      const unit = cluster.units[name];
      return unit !== undefined && unit.desiredReplicas > 0 && unit.readyReplicas === 0;
    });
  if (!ready && timedOut && !respondsToLoss) {
    const short = units
      .filter((u) => u.ready < Math.max(1, u.wanted))
      .map((u) => `${u.unit} ${u.ready}/${Math.max(1, u.wanted)} ready`)
      .join(", ");
    throw new ReceiversNotReadyError(
      `the ${plan.input.move}'s receiving units were not ready by ${plan.receiversDeadline} (${short}); traffic stays where it is${
        holdsNotApplied.length === 0 ? "" : `. ${holdsNotAppliedText(holdsNotApplied)}`
      }`,
    );
  }
  const verdict = ready ? "ready" : turnedUrgent ? "turned-urgent" : timedOut ? "deadline" : "waiting";
  return {
    ready,
    timedOut: verdict === "deadline" || verdict === "turned-urgent",
    verdict,
    units,
    holdsNotApplied,
    checkedAt: new Date(now).toISOString(),
  };
}

/** What an operator reads about holds KEDA did not apply. */
export function holdsNotAppliedText(holds: ReceiversCheck["holdsNotApplied"]): string {
  return `KEDA did not scale ${holds.map((h) => `${h.unit} to its hold of ${h.heldAt} (Deployment spec.replicas ${h.specReplicas})`).join(", ")}: the receivers run fewer pods than planned; KEDA 2.18.2 or later is required (issue #7231)`;
}
