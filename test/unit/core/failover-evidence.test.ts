import { describe, expect, it } from "vitest";
import * as loss from "../../../packages/core/src/decision/failover-evidence.ts";
import type { DecisionSignals, ServiceState } from "../../../packages/core/src/decision/types.ts";
import {
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  state,
  T0,
} from "../../support/decision-fixtures.ts";
import {
  inf2Error,
  observed,
  policy,
  slow,
  svc,
  withCapacity,
  withRuntime,
} from "../../support/rule-fixtures.ts";

const L4_MAX = svc.units.find((u) => u.name === "sd21-l4-triton")?.maxReplicaCount ?? 0;
/** L4 at its maxReplicaCount: it cannot scale out. */
const l4AtMax = withRuntime("sd21-l4-triton", { desiredReplicas: L4_MAX, readyReplicas: L4_MAX });

/** Every unit at its maxReplicaCount: none can scale out. */
const everyUnitAtMax = svc.units.reduce(
  (s, u) => withRuntime(u.name, { desiredReplicas: u.maxReplicaCount, readyReplicas: u.maxReplicaCount }, s),
  state(),
);

function evidenceOf(s: ServiceState, signals: DecisionSignals) {
  return loss.failoverEvidence(observed(s, signals), policy, svc.slo.latencyMs);
}

describe("Function: failoverEvidence", () => {
  it.each([
    { case: "a calm service: nothing to report", state: state(), signals: calmSignals(), expected: [] },
    {
      case: "capacity errors for the instance type of a unit that carries traffic: breached",
      state: state(),
      signals: withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE, 3)),
      expected: [
        {
          rule: "capacity-errors",
          unit: "sd21-inf2",
          instanceType: "inf2.xlarge",
          observed: 3,
          threshold: 1,
          breached: true,
          detail: `sd21-inf2 (weight ${COST_WEIGHTS["sd21-inf2"]}) cannot get inf2.xlarge capacity: 3 InsufficientInstanceCapacity (cloudtrail-create-fleet) in the last 5 min`,
        },
      ],
    },
    {
      case: "capacity errors of a unit with weight 0: reported, not breached",
      state: state({ weights: { ...COST_WEIGHTS, "sd21-inf2": 0 } }),
      signals: inf2Error(),
      expected: [
        {
          rule: "capacity-errors",
          unit: "sd21-inf2",
          observed: 1,
          threshold: 1,
          breached: false,
          detail:
            "sd21-inf2 has capacity errors (1 InsufficientInstanceCapacity (cloudtrail-create-fleet)) but carries no traffic (weight 0): no failover",
        },
      ],
    },
    {
      case: "capacity errors older than the window: nothing",
      state: state(),
      signals: withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - 6 * MINUTE)),
      expected: [],
    },
    {
      case: "a pod unschedulable inside the grace period: reported, not breached",
      state: withRuntime("sd21-trn1", { unschedulableSince: T0 - 60_000, unschedulablePods: 1 }),
      signals: calmSignals(),
      expected: [
        {
          rule: "unschedulable-pods",
          unit: "sd21-trn1",
          observed: 60,
          threshold: 120,
          breached: false,
          detail: "sd21-trn1 has 1 unschedulable pod, the oldest waiting 60 s (grace 120 s)",
        },
      ],
    },
    {
      case: "pods unschedulable past the grace period: breached",
      state: withRuntime("sd21-trn1", { unschedulableSince: T0 - 200_000, unschedulablePods: 2 }),
      signals: calmSignals(),
      expected: [
        expect.objectContaining({
          rule: "unschedulable-pods",
          observed: 200,
          breached: true,
          detail: "sd21-trn1 has 2 unschedulable pods, the oldest waiting 200 s (grace 120 s)",
        }),
      ],
    },
    {
      case: "latency over the SLO while the unit can still scale out: not breached",
      state: state(),
      signals: slow("sd21-l4-triton", 1400),
      expected: [
        {
          rule: "latency-breach",
          unit: "sd21-l4-triton",
          observed: 5,
          threshold: 3,
          breached: false,
          detail:
            "sd21-l4-triton latency over the 900 ms SLO in 5 of the last 5 min (worst 1400 ms, needs 3 to count) and it can still scale out",
        },
      ],
    },
    {
      case: "latency over the SLO at maxReplicaCount while others can scale out: breached",
      state: l4AtMax,
      signals: slow("sd21-l4-triton", 1400),
      expected: [
        expect.objectContaining({
          rule: "latency-breach",
          breached: true,
          detail: expect.stringMatching(
            new RegExp(`and cannot scale out \\(at maxReplicaCount ${L4_MAX}\\)$`),
          ),
        }),
      ],
    },
    {
      case: "latency over the SLO when no unit can scale out: capacity mode would add nothing",
      state: everyUnitAtMax,
      signals: slow("sd21-l4-triton", 1400),
      expected: [
        expect.objectContaining({
          rule: "latency-breach",
          breached: false,
          detail: expect.stringMatching(
            /but no other unit can scale out either: capacity mode would add no capacity$/,
          ),
        }),
      ],
    },
  ])("$case", ({ state: s, signals, expected }) => {
    expect(evidenceOf(s, signals)).toEqual(expected);
  });

  it("gives one piece of evidence per instance type of a unit, and breaks every unit on a shared type", () => {
    const signals = withCapacity(calmSignals(), capacityError("g5.xlarge", T0 - MINUTE));
    expect(evidenceOf(state(), signals).map((e) => [e.unit, e.instanceType, e.breached])).toEqual([
      ["sd21-a10g-triton", "g5.xlarge", true],
      ["sd21-a10g-cuda", "g5.xlarge", true],
    ]);
  });
});

describe("Function: lossCauses", () => {
  it("names each unit a breached rule names, once, in the order found; never one that is only reported", () => {
    const s = withRuntime(
      "sd21-a10g-cuda",
      { unschedulableSince: T0 - 200_000, unschedulablePods: 1 },
      state({ weights: { ...COST_WEIGHTS, "sd21-trn1": 0 } }),
    );
    const signals = withCapacity(
      calmSignals(),
      capacityError("g5.xlarge", T0 - MINUTE),
      capacityError("trn1.2xlarge", T0 - MINUTE),
    );
    expect(loss.lossCauses(evidenceOf(s, signals))).toEqual(["sd21-a10g-triton", "sd21-a10g-cuda"]);
  });
});

describe("Function: lossUrgency", () => {
  const spotWarning = withCapacity(calmSignals(), {
    ...capacityError("inf2.xlarge", T0 - MINUTE),
    source: "spot-interruption",
    code: "SpotInterruption",
  });
  it.each([
    {
      case: "a cause that still serves and only cannot grow: not urgent",
      state: state(),
      signals: inf2Error(),
      expected: { why: null, losing: false, podsLost: false },
    },
    {
      case: "a cause with pods desired and none ready: urgent, losing, its pods lost",
      state: withRuntime("sd21-inf2", { desiredReplicas: 1, readyReplicas: 0 }),
      signals: inf2Error(),
      expected: { why: { unit: "sd21-inf2", because: "no-ready-pod" }, losing: true, podsLost: true },
    },
    {
      case: "a cause KEDA scaled to zero: not urgent (nothing was asked of it), but it runs no pod",
      state: withRuntime("sd21-inf2", { desiredReplicas: 0, readyReplicas: 0 }),
      signals: inf2Error(),
      expected: { why: null, losing: false, podsLost: true },
    },
    {
      // Its ready pods all go within two minutes: planned as gone already.
      case: "a cause whose instances are being reclaimed: urgent, losing, its pods as good as lost",
      state: state(),
      signals: spotWarning,
      expected: { why: { unit: "sd21-inf2", because: "reclaimed" }, losing: true, podsLost: true },
    },
    {
      case: "a cause over the SLO that cannot scale out: urgent, yet still serving",
      state: l4AtMax,
      signals: slow("sd21-l4-triton", 1400),
      expected: { why: { unit: "sd21-l4-triton", because: "breaks-slo" }, losing: false, podsLost: false },
    },
  ])("$case", ({ state: s, signals, expected }) => {
    const observations = observed(s, signals);
    const evidence = loss.failoverEvidence(observations, policy, svc.slo.latencyMs);
    expect(loss.lossUrgency(loss.lossCauses(evidence), evidence, observations)).toEqual(expected);
  });
});
