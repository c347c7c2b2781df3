import type { DeploymentUnit, InferenceService } from "../config/types.ts";
import { PlanningError } from "../errors.ts";
import { EPSILON, round1 } from "../units.ts";
import { type AllocationUnit, costOptimalAllocation } from "./allocation.ts";
import { cellZones, hedged, isReclaimable, placedCellsOf } from "./capacity-cells.ts";
import { hedgedAllocation } from "./hedged-allocation.ts";
import { allocationUnit, type Participant, participantsOf } from "./participants.ts";
import { type ReadyUnit, readyRouting } from "./ready-routing.ts";
import type {
  HedgeSummary,
  Mode,
  ServicePlan,
  UnavailableReason,
  UnitCondition,
  UnitPlan,
  Weighting,
} from "./types.ts";
import {
  adjustedThroughput,
  costPerMillionRequests,
  formatKedaTarget,
  kedaTargetValue,
  podHourlyPrice,
  targetAllowance,
} from "./unit-economics.ts";
import { proportionalWeights, rangeWeights, weightShares } from "./weights.ts";

interface PlanRequest {
  readonly service: InferenceService;
  readonly mode: Mode;
  /** Requests per second to serve; the plan covers demandRps × (1 + headroom). */
  readonly demandRps: number;
  /** Per unit name: running pods and why it cannot take traffic, if it cannot. */
  readonly conditions?: Readonly<Record<string, UnitCondition>>;
  /**
   * Route to the pods ready now (a move that cannot wait for new pods): weights follow
   * what each unit's remaining ready pods serve (see ready-routing.ts).
   */
  readonly routeToReadyPods?: boolean;
}

/** Demand to plan for when none is measured: the config's, else one pod per unit at its breaking point. */
export function defaultDemandRps(service: InferenceService): number {
  return service.demandRps ?? service.units.reduce((sum, unit) => sum + unit.maxRps, 0);
}

const REASON_TEXT: Record<UnavailableReason, string> = {
  "no-capacity": "cannot get EC2 capacity",
  "no-healthy-targets": "has no healthy targets",
};

/**
 * Plans one service in one mode: pods per unit, target-group weights and KEDA targets.
 * Pure: everything comes from the request.
 */
export function planService(request: PlanRequest): ServicePlan {
  const { service, mode, demandRps } = request;
  if (!Number.isFinite(demandRps) || demandRps < 0) {
    throw new PlanningError(`demand must be a finite number of requests per second >= 0; got ${demandRps}`);
  }
  for (const name of Object.keys(request.conditions ?? {})) {
    if (!service.units.some((unit) => unit.name === name)) {
      throw new PlanningError(
        `service ${service.name} has no unit "${name}" (conditions name an unknown unit)`,
      );
    }
  }
  const participants = participantsOf(service, request.conditions ?? {});
  const requiredRps = demandRps * (1 + service.headroom);
  const ready =
    request.routeToReadyPods === true ? readyPodsPlan(service, participants, demandRps, mode) : null;
  const shape =
    ready ??
    (mode === "cost"
      ? hasUsableFixedWeights(service, participants)
        ? fixedWeightPlan(service, participants, requiredRps)
        : costOptimalPlan(service, participants, requiredRps, demandRps, service.headroom / 2)
      : capacityPlan(service, participants, requiredRps));

  const hourlyCost = participants.reduce(
    (sum, p, i) => sum + (shape.pods[i] ?? 0) * podHourlyPrice(p.unit),
    0,
  );
  const allowance = targetAllowance(service);
  const shortfallRps = Math.max(0, requiredRps - shape.capacityRps);
  const units = participants.map((p, i): UnitPlan => {
    // KEDA's target derives from the rate at which the unit's pods meet the SLO in this
    // mode, never from more: in cost mode a unit whose latency at maxRps is over the SLO
    // is held to maxRps × SLO ÷ latencyMs, as capacity mode holds it.
    // (Capacity mode's rates hold it already, through the consolidated Service one for all.)
    const perPod = shape.perPodRps[i] ?? p.unit.maxRps;
    const safeRps = mode === "cost" ? Math.min(perPod, sloServingRps(p.unit, service.slo.latencyMs)) : perPod;
    const share = shape.shares[i] ?? 0;
    return {
      name: p.unit.name,
      pods: shape.pods[i] ?? 0,
      weight: shape.weights === null ? null : (shape.weights[i] ?? 0),
      trafficShare: share,
      plannedRps: demandRps * share,
      safeRps,
      kedaTarget: formatKedaTarget(kedaTargetValue(safeRps, allowance)),
      ...(p.unavailable === undefined ? {} : { unavailable: p.unavailable }),
    };
  });
  const routing =
    shape.weights === null && service.consolidatedService !== undefined
      ? {
          targetGroups: [
            {
              serviceName: service.consolidatedService.name,
              servicePort: service.consolidatedService.port,
              weight: 100,
            },
          ],
        }
      : {
          targetGroups: participants.map((p, i) => ({
            serviceName: p.unit.service.name,
            servicePort: p.unit.service.port,
            weight: shape.weights?.[i] ?? 0,
          })),
        };

  return {
    service: service.name,
    mode,
    weighting: shape.weighting,
    demandRps,
    requiredRps,
    capacityRps: shape.capacityRps,
    feasible: shortfallRps <= EPSILON,
    shortfallRps: shortfallRps <= EPSILON ? 0 : shortfallRps,
    hourlyCost,
    costPerMillion: costPerMillionRequests(hourlyCost, demandRps),
    targetAllowance: allowance,
    routing,
    units,
    notes: notesFor(service, participants, shape, requiredRps, demandRps, shortfallRps),
    ...(shape.hedge === undefined ? {} : { hedge: shape.hedge }),
  };
}

interface PlanShape {
  readonly weighting: Weighting;
  readonly pods: readonly number[];
  /** Target-group weights per unit, or null when routing goes through the consolidated Service. */
  readonly weights: readonly number[] | null;
  readonly shares: readonly number[];
  readonly capacityRps: number;
  /** Requests/s each unit's pods are planned to serve at most: what KEDA's target derives from. */
  readonly perPodRps: readonly number[];
  readonly hedge?: HedgeSummary;
}

/** The shape of a plan whose weights follow the pods ready now (ready-routing.ts); null when none is ready. */
function readyPodsPlan(
  service: InferenceService,
  participants: readonly Participant[],
  demandRps: number,
  mode: Mode,
): PlanShape | null {
  const rates =
    mode === "cost" ? participants.map((p) => p.unit.maxRps) : capacityRates(service, participants);
  const units = participants.map((p, i): ReadyUnit => {
    const rate = rates[i] ?? p.unit.maxRps;
    const bounds = allocationUnit(p, rate);
    return {
      perPodRps: rate,
      readyPods: Math.min(p.readyPods ?? 0, bounds.max),
      serves: bounds.rps > 0,
      min: bounds.min,
      max: bounds.max,
    };
  });
  const routing = readyRouting(units, demandRps, service.headroom);
  if (routing === null) {
    return null;
  }
  const weights = rangeWeights(routing.loads);
  return {
    weighting: "ready-pods",
    pods: routing.pods,
    weights,
    shares: weightShares(weights),
    capacityRps: routing.capacityRps,
    perPodRps: rates,
  };
}

/** Each unit's per-pod rate in capacity mode: its adjusted throughput, no more than it serves within the SLO. */
function capacityRates(service: InferenceService, participants: readonly Participant[]): number[] {
  const adjusted = adjustedThroughput(service.units);
  return participants.map((p, i) =>
    Math.min(adjusted[i] ?? p.unit.maxRps, sloServingRps(p.unit, service.slo.latencyMs)),
  );
}

function costOptimalPlan(
  service: InferenceService,
  participants: readonly Participant[],
  requiredRps: number,
  demandRps: number,
  roundingSlack: number,
): PlanShape {
  const units = participants.map((p) => allocationUnit(p, p.unit.maxRps));
  const hedge = hedged(service) ? hedgeOf(service, participants, units, requiredRps, demandRps) : undefined;
  const allocation = hedge?.allocation ?? costOptimalAllocation(units, requiredRps);
  const capacities = units.map((unit, i) => (allocation.pods[i] ?? 0) * unit.rps);
  // Load follows capacity, so every unit runs at the same utilization: the lowest
  // peak utilization these pods allow.
  // Rounding may add at most half the headroom to a unit's share: never past its pods.
  const weights = rangeWeights(capacities, roundingSlack);
  return {
    weighting: "cost-optimal",
    pods: allocation.pods,
    weights,
    shares: weightShares(weights),
    capacityRps: allocation.capacityRps,
    perPodRps: participants.map((p) => p.unit.maxRps),
    ...(hedge === undefined ? {} : { hedge: hedge.summary }),
  };
}

/**
 * The least-cost pods that also keep demand × (1 − maxLossShare) served after the loss
 * of the largest Spot cell, and what that costs over the unhedged plan.
 */
function hedgeOf(
  service: InferenceService,
  participants: readonly Participant[],
  units: readonly AllocationUnit[],
  requiredRps: number,
  demandRps: number,
) {
  const maxLossShare = service.policy.hedge.maxLossShare;
  const zones = participants.map((p) => (isReclaimable(p.unit) ? cellZones(p.unit, p.condition) : 0));
  const requiredCoverRps = demandRps * (1 - maxLossShare);
  const placed = participants.map((p) =>
    isReclaimable(p.unit) ? placedCellsOf(p.unit, p.condition) : undefined,
  );
  const allocation = hedgedAllocation(units, requiredRps, { zones, coverRps: requiredCoverRps, placed });
  const unhedged = costOptimalAllocation(units, requiredRps);
  const cell = allocation.largestCell;
  const largest = participants[cell.unit];
  const summary: HedgeSummary = {
    maxLossShare,
    requiredCoverRps,
    coverRps: allocation.coverRps,
    coverAfterLossRps: allocation.coverAfterLossRps,
    largestCell:
      largest === undefined
        ? null
        : { unit: largest.unit.name, zones: zones[cell.unit] ?? 1, pods: cell.pods, lossRps: cell.lossRps },
    unhedgedHourlyCost: unhedged.hourlyCost,
    extraHourlyCost: Math.max(0, allocation.hourlyCost - unhedged.hourlyCost),
  };
  return { allocation, summary };
}

function hasUsableFixedWeights(service: InferenceService, participants: readonly Participant[]): boolean {
  const fixed = service.fixedWeights;
  return (
    fixed !== undefined &&
    participants.some((p) => p.unavailable === undefined && (fixed[p.unit.name] ?? 0) > 0)
  );
}

function fixedWeightPlan(
  service: InferenceService,
  participants: readonly Participant[],
  requiredRps: number,
): PlanShape {
  const fixed = service.fixedWeights ?? {};
  const weights = proportionalWeights(
    participants.map((p) => (p.unavailable === undefined ? (fixed[p.unit.name] ?? 0) : 0)),
  );
  const shares = weightShares(weights);
  const pods = participants.map((p, i) => {
    const bounds = allocationUnit(p, p.unit.maxRps);
    const needed = Math.ceil((requiredRps * (shares[i] ?? 0)) / p.unit.maxRps - EPSILON);
    return Math.min(bounds.max, Math.max(bounds.min, needed));
  });
  // With weights fixed, the unit that fills first limits the whole service.
  const capacityRps = participants.reduce((limit, p, i) => {
    const share = shares[i] ?? 0;
    return share > 0 ? Math.min(limit, ((pods[i] ?? 0) * p.unit.maxRps) / share) : limit;
  }, Number.POSITIVE_INFINITY);
  return {
    weighting: "fixed",
    pods,
    weights,
    shares,
    capacityRps: Number.isFinite(capacityRps) ? capacityRps : 0,
    perPodRps: participants.map((p) => p.unit.maxRps),
  };
}

/**
 * Capacity mode spreads pods evenly over every unit that can scale (the premise of
 * round-robin), with the fewest pods per unit that cover the requirement; a unit that
 * cannot get capacity keeps serving with the pods it runs. Each unit's per-pod rate is
 * its adjusted throughput, and no more than the rate at which it meets the SLO (a unit
 * whose breaking-point latency is over the objective must run below its breaking point).
 *
 * Through the consolidated Service each pod gets an equal share, so every serving pod
 * is held to the smallest of those rates — and every unit's KEDA target is that same
 * rate. With targets that differed, the unit with the lowest would scale up first under
 * equal per-pod load and the others fall to their floor: the fleet would drift to the
 * slowest units and drain the fast ones. With one target, every unit grows and shrinks
 * in proportion, and the mix holds. Without a consolidated Service, weights follow
 * per-pod rate × pods and each unit runs at its own rate.
 */
function capacityPlan(
  service: InferenceService,
  participants: readonly Participant[],
  requiredRps: number,
): PlanShape {
  const rates = capacityRates(service, participants);
  const consolidated = service.consolidatedService !== undefined;
  const podsAt = (perUnit: number): number[] =>
    participants.map((p) => {
      const bounds = allocationUnit(p, 1);
      return Math.min(bounds.max, Math.max(bounds.min, perUnit));
    });
  // A unit without healthy targets gets no requests; one without capacity still serves
  // with the pods it has.
  const serves = (p: Participant): boolean => p.unavailable !== "no-healthy-targets";
  const perPodLimitOf = (pods: readonly number[]): number =>
    participants.reduce(
      (limit, p, i) => (serves(p) && (pods[i] ?? 0) > 0 ? Math.min(limit, rates[i] ?? 0) : limit),
      Number.POSITIVE_INFINITY,
    );
  const capacityOf = (pods: readonly number[]): number => {
    if (consolidated) {
      const servingPods = participants.reduce((sum, p, i) => sum + (serves(p) ? (pods[i] ?? 0) : 0), 0);
      return servingPods === 0 ? 0 : servingPods * perPodLimitOf(pods);
    }
    return participants.reduce((sum, p, i) => sum + (serves(p) ? (pods[i] ?? 0) * (rates[i] ?? 0) : 0), 0);
  };

  const ceiling = Math.max(...participants.map((p) => allocationUnit(p, 1).max));
  let pods = podsAt(ceiling);
  for (let perUnit = 0; perUnit <= ceiling; perUnit += 1) {
    const candidate = podsAt(perUnit);
    if (capacityOf(candidate) >= requiredRps - EPSILON) {
      pods = candidate;
      break;
    }
  }

  if (consolidated) {
    const serving = participants.map((p, i) => (serves(p) ? (pods[i] ?? 0) : 0));
    const limit = perPodLimitOf(pods);
    const common = Number.isFinite(limit) ? limit : Math.min(...rates);
    return {
      weighting: "consolidated",
      pods,
      weights: null,
      shares: weightShares(serving),
      capacityRps: capacityOf(pods),
      perPodRps: participants.map(() => common),
    };
  }
  const weights = rangeWeights(
    participants.map((p, i) => (serves(p) ? (pods[i] ?? 0) * (rates[i] ?? 0) : 0)),
    service.headroom / 2,
  );
  return {
    weighting: "adjusted-throughput",
    pods,
    weights,
    shares: weightShares(weights),
    capacityRps: capacityOf(pods),
    perPodRps: rates,
  };
}

/**
 * The highest per-pod rate at which a unit meets the SLO, from the one point the config
 * gives (latencyMs at maxRps): maxRps when that latency is within the objective, else
 * maxRps scaled down by objective ÷ latency. Latency falls faster than load below the
 * breaking point, so the scaled rate errs on the safe side of the SLO once the plan's
 * headroom is taken off.
 */
export function sloServingRps(unit: Pick<DeploymentUnit, "maxRps" | "latencyMs">, sloMs: number): number {
  return unit.latencyMs <= sloMs ? unit.maxRps : (unit.maxRps * sloMs) / unit.latencyMs;
}

function notesFor(
  service: InferenceService,
  participants: readonly Participant[],
  shape: PlanShape,
  requiredRps: number,
  demandRps: number,
  shortfallRps: number,
): string[] {
  const notes: string[] = [];
  if (participants.every((p) => p.forced)) {
    notes.push("every unit is unavailable: routing to the pods that run rather than to none");
  }
  participants.forEach((p, i) => {
    if (p.unavailable !== undefined && !p.forced) {
      const pods = shape.pods[i] ?? 0;
      notes.push(
        p.unavailable === "no-capacity"
          ? `${p.unit.name} ${REASON_TEXT[p.unavailable]}: frozen at ${pods} of its ${p.heldPods} running pod${p.heldPods === 1 ? "" : "s"}, which keep serving; no new pod is planned for it`
          : `${p.unit.name} ${REASON_TEXT[p.unavailable]}: no traffic of its own, keeps its ${pods} running pod${pods === 1 ? "" : "s"}`,
      );
    }
  });
  if (shape.weighting === "fixed") {
    notes.push("weights fixed by the config (fixedWeights); pods sized to carry them");
  }
  if (shortfallRps > EPSILON) {
    const headroom = Math.round(service.headroom * 100);
    notes.push(
      `needs ${round1(requiredRps)} RPS (${round1(demandRps)} demand + ${headroom} % headroom) but the most these units can serve is ${round1(shape.capacityRps)}: short by ${round1(shortfallRps)} RPS; every unit that can scale is at its maxReplicaCount`,
    );
  }
  return notes;
}
