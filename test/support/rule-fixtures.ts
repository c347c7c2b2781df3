import type { Policy } from "../../packages/core/src/config/types.ts";
import { type Observations, observe } from "../../packages/core/src/decision/observations.ts";
import type { DecisionSignals, ServiceState } from "../../packages/core/src/decision/types.ts";
import * as fixtures from "./decision-fixtures.ts";

// What the tests of single decision rules share: the bundled SD2.1 service at T0, and
// the few shapes of signals and cluster state the rules are driven with.

const { calmSignals, capacityError, MINUTE, minutes, state, T0, UNITS } = fixtures;

export const svc = fixtures.service();
export const policy = fixtures.policyOf(svc);

export function withCapacity(
  signals: DecisionSignals,
  ...capacity: DecisionSignals["capacity"]
): DecisionSignals {
  return { ...signals, capacity: [...signals.capacity, ...capacity] };
}

/** An inf2 capacity error `minutesAgo` before T0 (one by default), on top of `signals` (calm by default). */
export function inf2Error(signals: DecisionSignals = calmSignals(), minutesAgo = 1): DecisionSignals {
  return withCapacity(signals, capacityError("inf2.xlarge", T0 - minutesAgo * MINUTE));
}

/** `count` minutes of `total` RPS (or `total(i)` in minute i) split over the five units, at 600 ms. */
export function demand(total: number | ((i: number) => number), count = 30): DecisionSignals {
  const at = typeof total === "number" ? () => total : total;
  return {
    minutes: Object.fromEntries(
      UNITS.map((u) => [u, minutes(count, (i) => ({ rps: at(i) / UNITS.length }))]),
    ),
    capacity: [],
  };
}

/** Calm signals with `unit` at `latencyMs` for half an hour. */
export function slow(unit: string, latencyMs: number): DecisionSignals {
  const signals = calmSignals();
  return { ...signals, minutes: { ...signals.minutes, [unit]: minutes(30, () => ({ latencyMs })) } };
}

type Runtime = ServiceState["units"][string];

/** `s` (the healthy cost-mode state by default) with `unit`'s pods changed. */
export function withRuntime(
  unit: string,
  runtime: Partial<Runtime>,
  s: ServiceState = state(),
): ServiceState {
  return { ...s, units: { ...s.units, [unit]: { ...(s.units[unit] as Runtime), ...runtime } } };
}

/** What `decide` observes of `s` under `signals` at T0. */
export function observed(s: ServiceState, signals: DecisionSignals, p: Policy = policy): Observations {
  return observe(s, signals, p, T0);
}
