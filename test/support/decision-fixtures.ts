import type { CapacitySignal, InferenceService, Mode, SwitchRecord, UnitMinute } from "@switchyard/core";
import { planService } from "@switchyard/core";
import type { Policy } from "../../packages/core/src/config/types.ts";
import type { DecisionSignals, ServiceState, UnitRuntime } from "../../packages/core/src/decision/types.ts";
import { sd21Service } from "./sd21.ts";

export const MINUTE = 60_000;
/** 21:20 UTC on 14 November 2026: the seed's inf2 outage, two years on. */
export const T0 = Date.parse("2026-11-14T21:20:00Z");

export const UNITS = [
  "sd21-inf2",
  "sd21-trn1",
  "sd21-a10g-triton",
  "sd21-l4-triton",
  "sd21-a10g-cuda",
] as const;

/** Calm demand: every unit at 40 RPS. */
export const CALM_RPS = 40 * 5;

/** The cost-optimal weights at `rps`, as a cost-mode annotation would hold them. */
export function optimalWeights(rps: number, s: InferenceService = service()): Record<string, number> {
  const plan = planService({ service: s, mode: "cost", demandRps: rps });
  return Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0]));
}

/** The weights of a service that is at its optimum under calm demand. */
export const COST_WEIGHTS: Record<string, number> = optimalWeights(CALM_RPS);

export function service(overrides: Partial<InferenceService> = {}): InferenceService {
  return sd21Service(overrides);
}

export function policyOf(s: InferenceService, overrides: Partial<Policy> = {}): Policy {
  return { ...s.policy, ...overrides };
}

const healthyUnit: UnitRuntime = {
  desiredReplicas: 2,
  readyReplicas: 2,
  unschedulableSince: null,
  unschedulablePods: 0,
};

export function state(overrides: Partial<ServiceState> & { mode?: Mode } = {}): ServiceState {
  const svc = overrides.service ?? service();
  const mode = overrides.mode ?? "cost";
  return {
    service: svc,
    mode,
    modeRecorded: true,
    lastTransitionAt: T0 - 120 * MINUTE,
    pin: null,
    failoverCause: mode === "capacity" ? ["sd21-inf2"] : [],
    weights: mode === "cost" ? COST_WEIGHTS : Object.fromEntries(svc.units.map((u) => [u.name, 100])),
    actionProblem: null,
    actionForeign: null,
    units: Object.fromEntries(svc.units.map((u) => [u.name, healthyUnit])),
    switches: [],
    switchesSince: null,
    holds: [],
    ...overrides,
  };
}

export interface MinuteShape {
  readonly rps?: number;
  readonly latencyMs?: number | null;
  readonly healthyHosts?: number | null;
}

/** `count` minutes ending at `end` (exclusive) for one unit, each shaped by `shape(i)`. */
export function minutes(
  count: number,
  shape: (i: number) => MinuteShape = () => ({}),
  end = T0,
): UnitMinute[] {
  return Array.from({ length: count }, (_, i) => {
    const s = shape(i);
    const rps = s.rps ?? 40;
    return {
      at: end - (count - i) * MINUTE,
      requests: rps * 60,
      count2xx: rps * 60,
      count5xx: 0,
      latencyMs: s.latencyMs === undefined ? 600 : s.latencyMs,
      latencyAvgMs: s.latencyMs === undefined ? 500 : s.latencyMs,
      healthyHosts: s.healthyHosts === undefined ? 2 : s.healthyHosts,
    };
  });
}

/** Every unit healthy, at 40 RPS and 600 ms, for `count` minutes. */
export function calmSignals(count = 30, end = T0): DecisionSignals {
  return {
    minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(count, () => ({}), end)])),
    capacity: [],
  };
}

export function capacityError(instanceType: string, at: number, count = 1): CapacitySignal {
  return { instanceType, at, source: "cloudtrail-create-fleet", code: "InsufficientInstanceCapacity", count };
}

export function switchRecord(
  move: SwitchRecord["move"],
  startedAt: number,
  status: SwitchRecord["status"] = "SUCCEEDED",
): SwitchRecord {
  return { name: `sd21-${move}-${startedAt}`, move, startedAt, status };
}
