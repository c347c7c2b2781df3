import type { InferenceService } from "../config/types.ts";
import { observe } from "../decision/observations.ts";
import type { DecisionSignals, ServiceState } from "../decision/types.ts";
import { planService } from "../planning/plan-service.ts";
import type { EpochMs } from "../signals/types.ts";
import { EPSILON, round1, SECOND } from "../units.ts";
import type { DemandHistory } from "./history.ts";
import { type DemandForecast, forecastDemand, forecastPeak } from "./seasonal.ts";

/**
 * The floor a lifted replica hold leaves (release-floor.ts): at least `pods` until
 * `until`, when the HPA KEDA made anew has a scale-down stabilization window of its own.
 */
export interface ReleaseFloor {
  readonly pods: number;
  readonly until: EpochMs;
}

/**
 * What Switchyard asks of one unit's `minReplicaCount` (the one writer of it is
 * `replicaFloorPatch`, written by evaluate's floors and, at a hold's release, by
 * ReleaseReceivers):
 * - raise: at least `pods` (the write keeps the owner's value when it is higher); for a
 *   unit that cannot grow now, the pods it runs: none queued that cannot start, none
 *   drained that could not come back. With `release`, the mark keeps that release floor
 *   (its window is not over); without, a window the mark carried is over;
 * - hold-release: ReleaseReceivers is about to lift `owner`'s hold: at least `pods` until
 *   the new HPA's first stabilization window ends (counted from `releasedAt` with the
 *   ScaledObject's own window), never lowering a floor already there; nothing when the
 *   ScaledObject is no longer held by `owner` (its pause stays, so does KEDA's HPA);
 * - keep-release: a release floor's window is not over and no forecast floor acts: keep
 *   at least `release.pods`, never lowering a floor already there;
 * - restore: no floor of Switchyard's; put back the owner's value;
 * - keep: leave it as it is.
 */
export type FloorAction =
  | { readonly kind: "raise"; readonly pods: number; readonly release?: ReleaseFloor }
  | {
      readonly kind: "hold-release";
      readonly pods: number;
      readonly releasedAt: EpochMs;
      readonly owner: string;
    }
  | { readonly kind: "keep-release"; readonly release: ReleaseFloor }
  | { readonly kind: "restore" }
  | { readonly kind: "keep" };

interface UnitFloor {
  readonly unit: string;
  /** Requests/s the unit is forecast to carry once a pod started now is ready; null without a forecast. */
  readonly forecastRps: number | null;
  /** The rate at which its pods meet the SLO in the current mode. */
  readonly safeRps: number;
  /** The floor's per-pod rate: safeRps less the recent minutes' spread, so a noisy minute fits too. */
  readonly podRps: number;
  readonly action: FloorAction;
  /** One sentence for logs and status. */
  readonly why: string;
}

export interface ReplicaFloors {
  readonly service: string;
  readonly mode: InferenceService["forecast"]["mode"];
  readonly forecast: DemandForecast;
  /** The service's longest pod start-up: how far ahead the forecast matters. */
  readonly leadMs: number;
  /** Per unit, in config order. */
  readonly units: readonly UnitFloor[];
  /** Whether the floors are to be written (forecast-and-scale) or only recorded (forecast-only). */
  readonly acts: boolean;
}

/**
 * The forecast floor of each unit (predictive pre-scaling, as EC2 Auto Scaling's
 * predictive scaling pre-launches by SchedulingBufferTime): the pods that carry the
 * unit's share of the demand forecast for the moment a pod started now would be ready —
 * `startupSeconds` ahead — each at its SLO-safe rate (the rate at which KEDA's target
 * asks for the next pod) less, while demand rises, twice the recent minutes' spread
 * around the trend (pods carry a minute's demand, not the mean of ten), within its
 * maxReplicaCount. The floor only adds pods: written
 * as `minReplicaCount`, KEDA keeps scaling on the load above it, and a forecast that is
 * too high costs the pods of the error and no more (the forecast's growth is capped).
 * Its share is the routing in force: a unit's weight in cost mode (and in capacity mode
 * without a consolidated Service); through the consolidated Service every pod gets an
 * equal share, so a unit's share is its pods'. Pure: history and signals are data.
 */
export function replicaFloors(
  state: ServiceState,
  signals: DecisionSignals,
  history: DemandHistory | null,
  now: EpochMs,
): ReplicaFloors {
  const { service } = state;
  const observed = observe(state, signals, service.policy, now);
  const forecast = forecastDemand(history, observed.demandByMinute, now, {
    maxGrowth: service.forecast.maxGrowthPercent / 100,
    stepShare: service.headroom,
  });
  const acts = service.forecast.mode === "forecast-and-scale";
  // Capacity mode with a consolidated Service routes through it alone (planService's "consolidated" weighting).
  const throughConsolidated = state.mode === "capacity" && service.consolidatedService !== undefined;
  const shares = routingShares(service, state, throughConsolidated);
  const peakRps = forecastPeak(forecast, now, now + maxStartupMs(service)) ?? observed.demandRps;
  // The per-pod rates of the mode in force, as its KEDA targets derive them.
  const plan = planService({
    service,
    mode: state.mode,
    demandRps: Math.max(0, peakRps),
    conditions: observed.conditions,
  });
  // While demand rises, two standard deviations of a minute around the trend: the minutes
  // the new pods must carry. On a flat day KEDA's own tolerance band already covers them.
  const margin = (forecast.trend?.slope ?? 0) > 0 ? 2 * (forecast.trend?.spread ?? 0) : 0;
  const units = service.units.map((unit, i): UnitFloor => {
    const safeRps = plan.units[i]?.safeRps ?? unit.maxRps;
    const podRps = safeRps / (1 + margin);
    const observation = observed.units[i];
    const readyAt = now + unit.startupSeconds * SECOND;
    const rps = forecastPeak(forecast, readyAt, readyAt + FLOOR_LOOKAHEAD_MS);
    const share = shares?.[unit.name] ?? null;
    const forecastRps = rps === null || share === null ? null : rps * share;
    const cannotGrow =
      (observation !== undefined &&
        (observation.recentCapacitySignals.length > 0 || observation.unschedulablePods > 0)) ||
      observed.conditions[unit.name]?.unavailable !== undefined;
    if (cannotGrow) {
      // Frozen, never drained: the floor holds the pods that run — no pod queued that
      // cannot start (a higher floor would keep pods pending, and launch them all at
      // once when the pool is back, wherever the traffic is by then), none drained.
      const ready = state.units[unit.name]?.readyReplicas ?? 0;
      return {
        unit: unit.name,
        forecastRps,
        safeRps,
        podRps,
        action: { kind: "raise", pods: Math.min(unit.maxReplicaCount, ready) },
        why: `${unit.name} cannot add pods now: its floor holds the ${ready} pod${ready === 1 ? "" : "s"} that run`,
      };
    }
    if (forecastRps === null) {
      return {
        unit: unit.name,
        forecastRps,
        safeRps,
        podRps,
        action: { kind: "restore" },
        why:
          shares === null
            ? "the routing cannot be read: no floor"
            : "no forecast (no history and too few measured minutes): no floor",
      };
    }
    const pods = Math.min(unit.maxReplicaCount, Math.max(0, Math.ceil(forecastRps / podRps - EPSILON)));
    return {
      unit: unit.name,
      forecastRps,
      safeRps,
      podRps,
      action: { kind: "raise", pods },
      why: `${round1(forecastRps)} RPS forecast for ${unit.name} by ${new Date(readyAt).toISOString().slice(11, 16)} UTC (${round1(unit.startupSeconds / 60)} min start-up ahead) needs ${pods} pod${pods === 1 ? "" : "s"} at ${round1(podRps)} RPS each`,
    };
  });
  return {
    service: service.name,
    mode: service.forecast.mode,
    forecast,
    leadMs: maxStartupMs(service),
    units,
    acts,
  };
}

/** The floors look this far past a pod's ready time: the forecast's finest step. */
const FLOOR_LOOKAHEAD_MS = 60 * SECOND;

function maxStartupMs(service: InferenceService): number {
  return Math.max(...service.units.map((unit) => unit.startupSeconds)) * SECOND;
}

/**
 * Each unit's share of demand under the routing in force: weights over the units' target
 * groups, or, through the consolidated Service (one target group, round-robin per pod),
 * the unit's pods over all pods. Null when the routing cannot be read.
 */
function routingShares(
  service: InferenceService,
  state: ServiceState,
  throughConsolidated: boolean,
): Readonly<Record<string, number>> | null {
  if (state.weights === null) {
    return null;
  }
  const parts = service.units.map((unit) =>
    throughConsolidated
      ? (state.units[unit.name]?.desiredReplicas ?? 0)
      : Math.max(0, state.weights?.[unit.name] ?? 0),
  );
  const total = parts.reduce((sum, part) => sum + part, 0);
  if (total <= 0) {
    return null;
  }
  return Object.fromEntries(service.units.map((unit, i) => [unit.name, (parts[i] ?? 0) / total]));
}
