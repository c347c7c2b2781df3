import { type Decision, decide, parsePin, planService } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { observe } from "../../../packages/core/src/decision/observations.ts";
import type { DecisionSignals, ServiceState } from "../../../packages/core/src/decision/types.ts";
import {
  CALM_RPS,
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  minutes,
  optimalWeights,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
  UNITS,
} from "../../support/decision-fixtures.ts";

const svc = service();
const policy = policyOf(svc);
/**
 * The seed's answer to every loss: fail over to capacity mode. Tests of what triggers a
 * failover use it; the default ("compare") answers a loss the other pools absorb inside
 * cost mode (see "the response fits the loss").
 */
const failoverPolicy = policyOf(svc, { lossResponse: "failover" });
const failoverState = (overrides: Parameters<typeof state>[0] = {}) =>
  state({ service: service({ policy: failoverPolicy }), ...overrides });

/** Every unit at most 2 pods: 892 RPS in all, so a frozen unit's pods decide whether cost mode covers demand. */
const tight = service({ units: svc.units.map((u) => ({ ...u, maxReplicaCount: 2 })) });

/** `rps` per unit for 30 minutes at 600 ms. */
function busySignals(rpsPerUnit: number, latencyMs = 600): DecisionSignals {
  return {
    minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: rpsPerUnit, latencyMs }))])),
    capacity: [],
  };
}

function withCapacity(signals: DecisionSignals, ...capacity: DecisionSignals["capacity"]): DecisionSignals {
  return { ...signals, capacity: [...signals.capacity, ...capacity] };
}

function withUnitMinutes(
  signals: DecisionSignals,
  unit: string,
  rows: ReturnType<typeof minutes>,
): DecisionSignals {
  return { ...signals, minutes: { ...signals.minutes, [unit]: rows } };
}

/** The seed's units with `unit` at these replica counts; its pods all schedule unless `unschedulable` says. */
function unitsWith(
  unit: string,
  desiredReplicas: number,
  readyReplicas: number,
  unschedulable: { since: number; pods: number } | null = null,
): ServiceState["units"] {
  return {
    ...state().units,
    [unit]: {
      desiredReplicas,
      readyReplicas,
      unschedulableSince: unschedulable?.since ?? null,
      unschedulablePods: unschedulable?.pods ?? 0,
    },
  };
}

const kinds = (d: Decision) => d.kind;

describe("Function: decide", () => {
  describe("failover (cost → capacity)", () => {
    it("fails over when a unit that carries traffic has capacity errors for its instance type", () => {
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - 2 * MINUTE, 3));
      const decision = decide(failoverState(), signals, failoverPolicy, T0);
      expect(decision.kind).toBe("failover");
      if (decision.kind !== "failover") return;
      expect(decision.causes).toEqual(["sd21-inf2"]);
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "capacity-errors",
          unit: "sd21-inf2",
          instanceType: "inf2.xlarge",
          observed: 3,
          breached: true,
        }),
      );
      const weight = COST_WEIGHTS["sd21-inf2"];
      expect(decision.reasons[0]).toBe(
        `sd21-inf2 (weight ${weight}) cannot get inf2.xlarge capacity: 3 InsufficientInstanceCapacity (cloudtrail-create-fleet) in the last 5 min`,
      );
      expect(decision.conditions["sd21-inf2"]).toMatchObject({ unavailable: "no-capacity" });
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "response",
          observed: "capacity",
          passed: true,
          detail: expect.stringMatching(/fail over to capacity mode \(policy lossResponse: failover\)$/),
        }),
      );
    });

    it("fails over every unit on a shared instance type (g5.xlarge runs Triton and CUDA)", () => {
      const signals = withCapacity(calmSignals(), capacityError("g5.xlarge", T0 - MINUTE));
      const decision = decide(failoverState(), signals, failoverPolicy, T0);
      expect(decision.kind === "failover" && decision.causes).toEqual(["sd21-a10g-triton", "sd21-a10g-cuda"]);
    });

    it("ignores capacity errors older than the window", () => {
      const old = T0 - (failoverPolicy.capacityErrorWindowMinutes + 1) * MINUTE;
      expect(
        decide(
          failoverState(),
          withCapacity(calmSignals(), capacityError("inf2.xlarge", old)),
          failoverPolicy,
          T0,
        ).kind,
      ).toBe("stay");
    });

    it("does not fail over for a unit with weight 0, and says why", () => {
      const weights = { ...COST_WEIGHTS, "sd21-inf2": 0 };
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
      const decision = decide(failoverState({ weights }), signals, failoverPolicy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "capacity-errors", unit: "sd21-inf2", breached: false }),
      );
    });

    it("fails over when pods stay unschedulable past the grace period, not before", () => {
      const stuck = (seconds: number) =>
        failoverState({
          units: unitsWith("sd21-trn1", 3, 1, { since: T0 - seconds * 1000, pods: 2 }),
        });
      expect(
        decide(stuck(failoverPolicy.unschedulableGraceSeconds - 10), calmSignals(), failoverPolicy, T0).kind,
      ).toBe("stay");
      const decision = decide(
        stuck(failoverPolicy.unschedulableGraceSeconds + 10),
        calmSignals(),
        failoverPolicy,
        T0,
      );
      expect(decision.kind === "failover" && decision.causes).toEqual(["sd21-trn1"]);
    });

    it("fails over on K of the last M minutes over the SLO while the unit cannot scale out", () => {
      const slow = minutes(30, (i) => ({ latencyMs: i >= 27 ? 1400 : 600 }));
      const atMax = failoverState({
        units: unitsWith("sd21-l4-triton", 100, 100),
      });
      const decision = decide(
        atMax,
        withUnitMinutes(calmSignals(), "sd21-l4-triton", slow),
        failoverPolicy,
        T0,
      );
      expect(decision.kind === "failover" && decision.causes).toEqual(["sd21-l4-triton"]);
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "latency-breach", observed: 3, threshold: 3, breached: true }),
      );
    });

    it("does not fail over on latency while the unit can still scale out", () => {
      const slow = minutes(30, () => ({ latencyMs: 1400 }));
      const decision = decide(
        failoverState(),
        withUnitMinutes(calmSignals(), "sd21-l4-triton", slow),
        failoverPolicy,
        T0,
      );
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "latency-breach", breached: false }),
      );
    });

    it("treats missing latency as unknown: never a breach", () => {
      const unknown = minutes(30, () => ({ latencyMs: null, rps: 0 }));
      const atMax = failoverState({
        units: unitsWith("sd21-inf2", 100, 100),
      });
      expect(
        decide(atMax, withUnitMinutes(calmSignals(), "sd21-inf2", unknown), failoverPolicy, T0).kind,
      ).toBe("stay");
    });

    it("answers a loss with the lossResponse of the policy it is given", () => {
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
      expect(state().service.policy.lossResponse).toBe("compare");
      expect(decide(state(), signals, failoverPolicy, T0).kind).toBe("failover");
      expect(decide(failoverState(), signals, policy, T0).kind).not.toBe("failover");
    });

    it("is never delayed by the dwell time or the switch cap", () => {
      const justFellBack = failoverState({
        lastTransitionAt: T0 - MINUTE,
        switches: [
          switchRecord("fallback", T0 - MINUTE),
          switchRecord("failover", T0 - 20 * MINUTE),
          switchRecord("fallback", T0 - 40 * MINUTE),
        ],
      });
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - 30_000));
      expect(decide(justFellBack, signals, failoverPolicy, T0).kind).toBe("failover");
    });
  });

  describe("fallback (capacity → cost)", () => {
    const inCapacity = (overrides: Parameters<typeof state>[0] = {}) =>
      state({ mode: "capacity", lastTransitionAt: T0 - 30 * MINUTE, ...overrides });
    /**
     * Capacity mode on the tight service at 750 RPS (825 with headroom): cost mode covers
     * it only if sd21-inf2 grows past its 1 ready pod (787 RPS with it frozen, 892 without),
     * so only inf2's recovery can bring the service back. inf2 wants 2 pods and has 1
     * ready: a launch is being tried.
     */
    const needsInf2 = (overrides: Parameters<typeof state>[0] = {}) =>
      inCapacity({
        service: tight,
        units: unitsWith("sd21-inf2", 2, 1),
        ...overrides,
      });
    const busy = busySignals(150);

    it("falls back when every causing unit has recovered (quiet for the quiet period while launching) and the SLO holds", () => {
      const signals = withCapacity(busy, capacityError("inf2.xlarge", T0 - 12 * MINUTE));
      const decision = decide(needsInf2(), signals, policy, T0);
      expect(decision.kind).toBe("fallback");
      expect(decision.reasons[0]).toMatch(
        /^every unit that caused the failover \(sd21-inf2\) has recovered: sd21-inf2: last capacity error 12 min ago \(quiet period 10 min\); launches were tried/,
      );
      expect(
        decision.evidence
          .filter((e) => e.rule !== "action-annotation")
          .every((e) => "passed" in e && e.passed),
      ).toBe(true);
    });

    it("waits while a causing unit had an error inside the quiet period and cost mode cannot route around it", () => {
      const signals = withCapacity(busy, capacityError("inf2.xlarge", T0 - 8 * MINUTE));
      const decision = decide(needsInf2(), signals, policy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.reasons).toContain(
        "sd21-inf2: last capacity error 8 min ago (quiet period 10 min); not quiet for long enough yet",
      );
    });

    it("doubles the quiet period after a fallback that had to be undone", () => {
      const undone = needsInf2({
        switches: [switchRecord("failover", T0 - 70 * MINUTE), switchRecord("fallback", T0 - 90 * MINUTE)],
      });
      const signals = withCapacity(busy, capacityError("inf2.xlarge", T0 - 15 * MINUTE));
      expect(decide(undone, signals, policy, T0).kind).toBe("stay");
      const later = withCapacity(busySignals(150), capacityError("inf2.xlarge", T0 - 15 * MINUTE));
      const shifted: DecisionSignals = {
        ...later,
        minutes: Object.fromEntries(
          UNITS.map((u) => [u, minutes(30, () => ({ rps: 150 }), T0 + 6 * MINUTE)]),
        ),
      };
      expect(decide(undone, shifted, policy, T0 + 6 * MINUTE).kind).toBe("fallback");
    });

    it("waits while a causing unit's pods cannot be scheduled and cost mode cannot route around it", () => {
      const stuck = needsInf2({
        units: unitsWith("sd21-inf2", 2, 1, { since: T0 - 30_000, pods: 1 }),
      });
      const decision = decide(stuck, busy, policy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.reasons).toContain("sd21-inf2: 1 pod cannot be scheduled");
      // The route-around plan does not count on the pod that is waiting to be scheduled.
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "route-around", passed: false, observed: 787 }),
      );
    });

    it("routes around a causing unit whose pods cannot be scheduled when cost mode covers demand without it", () => {
      const stuck = inCapacity({
        units: unitsWith("sd21-inf2", 2, 1, { since: T0 - 30_000, pods: 1 }),
      });
      const decision = decide(stuck, calmSignals(), policy, T0);
      expect(decision.kind).toBe("fallback");
      expect(decision.reasons[0]).toMatch(/^cost mode with sd21-inf2 frozen at its running pods serves/);
    });

    it("only waits for the units that caused the failover", () => {
      const signals = withCapacity(calmSignals(), capacityError("g6.xlarge", T0 - MINUTE));
      const decision = decide(inCapacity(), signals, policy, T0);
      expect(decision.kind).toBe("fallback");
      // The plan of the fallback keeps the unit that has errors now frozen in the cost weights.
      expect(decision.conditions["sd21-l4-triton"]).toMatchObject({ unavailable: "no-capacity" });
    });

    it("waits when the SLO is broken and cost mode could not serve the demand either", () => {
      const slow = withUnitMinutes(
        busy,
        "sd21-trn1",
        minutes(30, () => ({ rps: 150, latencyMs: 1200 })),
      );
      const signals = withCapacity(slow, capacityError("inf2.xlarge", T0 - 8 * MINUTE));
      const decision = decide(needsInf2(), signals, policy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "slo-holds",
          passed: false,
          detail: "SLO 900 ms broken by sd21-trn1",
        }),
      );
    });

    it("with no latency data, falls back only because cost mode covers what the running pods serve", () => {
      const silent: DecisionSignals = {
        minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ latencyMs: null, rps: 0 }))])),
        capacity: [],
      };
      const decision = decide(inCapacity(), silent, policy, T0);
      expect(decision.kind).toBe("fallback");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "slo-holds",
          observed: "no latency data",
          passed: true,
          detail: expect.stringMatching(
            /^no latency reported in the last 5 min, but cost mode covers the demand/,
          ),
        }),
      );
    });

    it("is held back by the minimum time in a mode, and says so", () => {
      const decision = decide(inCapacity({ lastTransitionAt: T0 - 4 * MINUTE }), calmSignals(), policy, T0);
      expect(decision).toMatchObject({ kind: "stay", heldBack: "fallback" });
      expect(decision.reasons).toContain("4 min in capacity mode; the minimum is 10 min");
    });

    it("is held back by the switch cap, leaving room for a failover that may undo it", () => {
      const busy = inCapacity({
        switches: [
          switchRecord("failover", T0 - 30 * MINUTE),
          switchRecord("fallback", T0 - 45 * MINUTE),
          switchRecord("failover", T0 - 55 * MINUTE),
        ],
      });
      const decision = decide(busy, calmSignals(), policy, T0);
      expect(decision).toMatchObject({ kind: "stay", heldBack: "fallback" });
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "switch-cap", observed: 3, threshold: 2, passed: false }),
      );
    });
  });

  describe("rebalance (cost → cost)", () => {
    const optimal = (rps: number) => {
      const signals: DecisionSignals = {
        minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: rps / UNITS.length }))])),
        capacity: [],
      };
      return signals;
    };

    it("rebalances when demand has moved the cost-optimal weights past the dead-band for the sustain window", () => {
      const decision = decide(state(), optimal(1500), policy, T0);
      expect(decision.kind).toBe("rebalance");
      if (decision.kind !== "rebalance") return;
      expect(decision.weights?.current).toEqual(COST_WEIGHTS);
      expect(decision.weights?.target["sd21-inf2"]).toBeGreaterThan(COST_WEIGHTS["sd21-inf2"] ?? 0);
      expect(decision.demandRps).toBeCloseTo(1500, 6);
    });

    it("stays when the move has not lasted the sustain window", () => {
      const lately: DecisionSignals = {
        minutes: Object.fromEntries(
          UNITS.map((u) => [u, minutes(30, (i) => ({ rps: (i >= 25 ? 1500 : CALM_RPS) / UNITS.length }))]),
        ),
        capacity: [],
      };
      const decision = decide(state(), lately, policy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "rebalance-dead-band", passed: false }),
      );
    });

    it("stays inside the dead-band", () => {
      const atOptimum = state({
        weights: {
          "sd21-inf2": 38,
          "sd21-trn1": 24,
          "sd21-a10g-triton": 16,
          "sd21-l4-triton": 11,
          "sd21-a10g-cuda": 11,
        },
      });
      expect(decide(atOptimum, optimal(446), policy, T0).kind).toBe("stay");
    });

    it("does not rebalance to the weights it has: a frozen unit's pods above the plan are no saving", () => {
      // inf2's last error is 7 min old: out of the window, inside the quiet period, so it
      // is frozen at its 2 running pods while the plan needs 1 — and the plan's weights
      // are the current ones: a rebalance would change no pod and no weight.
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - 7 * MINUTE));
      const decision = decide(state(), signals, policy, T0);
      expect(decision.conditions["sd21-inf2"]).toMatchObject({ unavailable: "no-capacity", runningPods: 2 });
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "rebalance-dead-band", observed: 0, passed: false }),
      );
    });

    it("is held back by the minimum time in a mode", () => {
      const decision = decide(state({ lastTransitionAt: T0 - 2 * MINUTE }), optimal(1500), policy, T0);
      expect(decision).toMatchObject({ kind: "stay", heldBack: "rebalance" });
    });
  });

  describe("the action annotation", () => {
    it("rewrites an unreadable annotation at once, reporting it in the evidence", () => {
      const problem =
        "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing: is not valid JSON";
      const decision = decide(
        state({ weights: null, actionProblem: problem, lastTransitionAt: T0 - MINUTE }),
        calmSignals(),
        policy,
        T0,
      );
      expect(decision).toMatchObject({ kind: "repair", from: "cost", to: "cost" });
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "action-annotation", observed: problem }),
      );
    });

    it("leaves a valid action Switchyard did not write alone, even through a loss, and says why in the evidence", () => {
      const foreign =
        "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing holds a fixed-response action (status 503)";
      const signals = withCapacity(calmSignals(), capacityError("trn1.2xlarge", T0 - MINUTE));
      for (const decision of [
        decide(state({ weights: null, actionForeign: foreign }), calmSignals(), policy, T0),
        decide(failoverState({ weights: null, actionForeign: foreign }), signals, failoverPolicy, T0),
        decide(state({ mode: "capacity", weights: null, actionForeign: foreign }), calmSignals(), policy, T0),
      ]) {
        expect(decision.kind).toBe("stay");
        expect(decision.reasons).toEqual([
          `${foreign}, a valid action of the AWS Load Balancer Controller that Switchyard did not write (it writes only a forward with forwardConfig): it is left as it is, and Switchyard moves no traffic while it is there; to hand the routing back, write a forward action with forwardConfig over the service's Services (e.g. with \`switchyard plan --out-dir\`)`,
        ]);
        expect(decision.evidence).toContainEqual(
          expect.objectContaining({ rule: "action-annotation", observed: foreign, breached: false }),
        );
      }
    });

    it("fails over rather than repairs when a unit cannot get capacity (the failover rewrites it too)", () => {
      const signals = withCapacity(calmSignals(), capacityError("trn1.2xlarge", T0 - MINUTE));
      const decision = decide(
        failoverState({ weights: null, actionProblem: "missing" }),
        signals,
        failoverPolicy,
        T0,
      );
      expect(decision.kind).toBe("failover");
    });

    it("routes around a unit that cannot get capacity rather than repairs, when cost mode covers demand", () => {
      const signals = withCapacity(calmSignals(), capacityError("trn1.2xlarge", T0 - MINUTE));
      const decision = decide(state({ weights: null, actionProblem: "missing" }), signals, policy, T0);
      expect(decision).toMatchObject({ kind: "reroute", from: "cost", to: "cost", causes: ["sd21-trn1"] });
      if (decision.kind !== "reroute") return;
      expect(decision.weights?.target["sd21-trn1"]).toBeGreaterThan(0);
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "action-annotation", breached: true }),
      );
    });
  });

  describe("a pin", () => {
    it("holds the service: it observes and reports, but never moves", () => {
      const pinned = state({ pin: parsePin("cost", "cost") });
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
      const decision = decide(pinned, signals, policy, T0);
      expect(decision.kind).toBe("pinned");
      expect(decision.reasons[0]).toBe(
        "pinned to cost mode by switchyard.io/pin without expiry: observing only",
      );
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({ rule: "capacity-errors", breached: true }),
      );
    });

    it("stops holding when it expires", () => {
      const expiring = failoverState({ pin: parsePin("cost until 2026-11-14T21:00:00Z", "cost") });
      const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
      expect(decide(expiring, signals, failoverPolicy, T0).kind).toBe("failover");
    });

    it("still holds when its value cannot be read, saying what is wrong", () => {
      const typo = state({ pin: parsePin("capacty", "cost") });
      const decision = decide(typo, calmSignals(), policy, T0);
      expect(decision.kind).toBe("pinned");
      expect(decision.reasons[1]).toMatch(/switchyard.io\/pin "capacty" is not "cost", "capacity"/);
    });
  });

  describe("no datapoint is not zero demand", () => {
    // Every unit runs 2 ready pods: each sized by KEDA for maxRps / (1 + headroom).
    const podsDemand = svc.units.reduce((sum, u) => sum + (2 * u.maxRps) / (1 + svc.headroom), 0);
    const empty: DecisionSignals = { minutes: Object.fromEntries(UNITS.map((u) => [u, []])), capacity: [] };
    const silent: DecisionSignals = {
      minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: 0, latencyMs: null }))])),
      capacity: [],
    };
    it.each([
      ["no minutes at all", empty],
      ["30 minutes in which no target group reported (requests 0, latency null)", silent],
    ])("with %s, plans for what the ready pods serve and does not rebalance", (_, signals) => {
      const observed = observe(state(), signals, policy, T0);
      expect(observed.demandSource).toBe("running-pods");
      expect(observed.demandByMinute).toEqual([]);
      expect(observed.demandRps).toBeCloseTo(podsDemand, 9);
      const decision = decide(state(), signals, policy, T0);
      expect(kinds(decision)).toBe("stay");
      expect(decision.demandRps).toBeCloseTo(podsDemand, 9);
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "rebalance-dead-band",
          passed: false,
          detail: "0 of the 15 measured minutes a rebalance needs: demand is not known for long enough",
        }),
      );
    });

    it("leaves a gap out: a rebalance needs the sustain window in measured minutes", () => {
      // A fresh deploy: 20 minutes without a datapoint, then 10 at 1500 RPS — enough
      // to move the plan, not long enough to be sure of it.
      const fresh: DecisionSignals = {
        minutes: Object.fromEntries(
          UNITS.map((u) => [
            u,
            minutes(30, (i) => (i < 20 ? { rps: 0, latencyMs: null } : { rps: 1500 / UNITS.length })),
          ]),
        ),
        capacity: [],
      };
      const observed = observe(state(), fresh, policy, T0);
      expect(observed.demandSource).toBe("measured");
      expect(observed.demandByMinute).toHaveLength(10);
      const decision = decide(state(), fresh, policy, T0);
      expect(decision.kind).toBe("stay");
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "rebalance-dead-band",
          detail: "10 of the 15 measured minutes a rebalance needs: demand is not known for long enough",
        }),
      );
    });
  });
});

describe("Function: decide — unit conditions", () => {
  it("marks a unit whose pods are all unready as without healthy targets, but not one KEDA scaled to zero", () => {
    const units = {
      ...state().units,
      "sd21-trn1": { desiredReplicas: 2, readyReplicas: 0, unschedulableSince: null, unschedulablePods: 0 },
      "sd21-a10g-cuda": {
        desiredReplicas: 0,
        readyReplicas: 0,
        unschedulableSince: null,
        unschedulablePods: 0,
      },
    };
    const decision = decide(state({ units }), calmSignals(), policy, T0);
    expect(decision.conditions["sd21-trn1"]).toMatchObject({ unavailable: "no-healthy-targets" });
    expect(decision.conditions["sd21-a10g-cuda"]?.unavailable).toBeUndefined();
  });
});

describe("Function: decide — failover urgency and limits", () => {
  it("marks a failover on capacity errors urgent only when the unit stops serving", () => {
    const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
    const serving = decide(failoverState(), signals, failoverPolicy, T0);
    expect(serving).toMatchObject({ kind: "failover", urgent: false });
    expect(serving.reasons.at(-1)).toMatch(/not urgent: sd21-inf2 still serves and only cannot grow/);
    const lost = failoverState({
      units: unitsWith("sd21-inf2", 1, 0),
    });
    const urgent = decide(lost, signals, failoverPolicy, T0);
    expect(urgent).toMatchObject({ kind: "failover", urgent: true });
    expect(urgent.reasons.at(-1)).toMatch(/urgent: sd21-inf2 has no ready pod, so traffic moves at once/);
  });

  it("routes around a unit that lost its pods at once, inside cost mode, when the others cover demand", () => {
    const signals = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - MINUTE));
    const lost = state({
      units: unitsWith("sd21-inf2", 1, 0),
    });
    const decision = decide(lost, signals, policy, T0);
    expect(decision).toMatchObject({ kind: "reroute", causes: ["sd21-inf2"], urgent: true });
    if (decision.kind !== "reroute") return;
    expect(decision.weights?.target["sd21-inf2"]).toBe(0);
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "routing-risk", breached: true }),
    );
    expect(decision.reasons.at(-1)).toMatch(/urgent: sd21-inf2 has no ready pod, so traffic moves at once/);
  });

  it("does not fail over on latency when no other unit can scale out: capacity mode would add nothing", () => {
    const atMax = {
      desiredReplicas: 100,
      readyReplicas: 100,
      unschedulableSince: null,
      unschedulablePods: 0,
    };
    const everyUnitAtMax = state({ units: Object.fromEntries(UNITS.map((u) => [u, atMax])) });
    const slow = withUnitMinutes(
      calmSignals(),
      "sd21-l4-triton",
      minutes(30, () => ({ latencyMs: 1400 })),
    );
    const decision = decide(everyUnitAtMax, slow, policy, T0);
    expect(decision.kind).toBe("stay");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({
        rule: "latency-breach",
        breached: false,
        detail: expect.stringMatching(/no other unit can scale out either/),
      }),
    );
  });

  it("waits with a fallback until the causing unit has a ready pod, while cost mode needs it", () => {
    const starting = state({
      mode: "capacity",
      service: tight,
      units: unitsWith("sd21-inf2", 1, 0),
    });
    // 800 RPS (880 with headroom): the others serve 682 at most.
    const decision = decide(starting, busySignals(160), policy, T0);
    expect(decision.kind).toBe("stay");
    expect(decision.reasons).toContain("sd21-inf2: its pods schedule but none is ready yet");
  });
});

describe("Function: decide — capacity mode reads the consolidated Service's group", () => {
  // In capacity mode the units' own target groups carry nothing: the ALB sends all
  // traffic through the consolidated Service's group.
  const silentUnits = Object.fromEntries(
    UNITS.map((u) => [u, minutes(30, () => ({ rps: 0, latencyMs: null }))]),
  );
  const inCapacity = state({ mode: "capacity", lastTransitionAt: T0 - 30 * MINUTE });
  /** 30 minutes of `rps` at `latencyMs` through the consolidated group, none through the units'. */
  const throughConsolidated = (rps: number, latencyMs: number): DecisionSignals => ({
    minutes: silentUnits,
    consolidated: minutes(30, () => ({ rps, latencyMs })),
    capacity: [],
  });

  it("falls back on the consolidated group's latency, and counts its requests as demand", () => {
    const signals = throughConsolidated(300, 640);
    const decision = decide(inCapacity, signals, policy, T0);
    expect(decision.kind).toBe("fallback");
    expect(decision.demandRps).toBeCloseTo(300, 6);
  });

  it("stays while the consolidated group breaks the SLO and cost mode could not serve the demand either", () => {
    // 850 RPS (935 with headroom) is more than the tight service serves in cost mode (892).
    const signals = throughConsolidated(850, 1500);
    const decision = decide({ ...inCapacity, service: tight }, signals, policy, T0);
    expect(decision.kind).toBe("stay");
    expect(decision.reasons).toContain("SLO 900 ms broken by the consolidated Service sd21");
  });

  it("falls back through a breach of capacity mode's own when cost mode covers the demand (no absorbing state)", () => {
    const signals = throughConsolidated(300, 1500);
    const decision = decide(inCapacity, signals, policy, T0);
    expect(decision.kind).toBe("fallback");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({
        rule: "slo-holds",
        passed: true,
        detail:
          "SLO 900 ms broken by the consolidated Service sd21 in capacity mode, but cost mode covers the demand: the breach does not hold the fallback back",
      }),
    );
  });
});

describe("Function: decide — a loss in a surge is answered for the demand now (issue 17)", () => {
  // 1,000 RPS for 26 minutes, then a ramp of 150 RPS a minute to 1,600 in the newest
  // minute; L4 cannot get g6 capacity. The newest minute is `lag` minutes old.
  const ramp = (end: number): DecisionSignals => ({
    minutes: Object.fromEntries(
      UNITS.map((u) => [u, minutes(30, (i) => ({ rps: i < 26 ? 200 : 200 + 30 * (i - 25) }), end)]),
    ),
    capacity: [capacityError("g6.xlarge", T0 - MINUTE)],
  });
  const l4Stuck = state({ units: unitsWith("sd21-l4-triton", 2, 1) });

  it.each([
    { lag: 1, expected: 1600 + 150 },
    { lag: 3, expected: 1600 + 3 * 150 },
  ])(
    "a reroute with the newest minute $lag min old is sized for $expected RPS, not the 1,600 measured",
    ({ lag, expected }) => {
      const decision = decide(l4Stuck, ramp(T0 - (lag - 1) * MINUTE), policy, T0);
      expect(decision.kind).toBe("reroute");
      expect(decision.demandRps).toBeCloseTo(expected, 6);
      expect(decision.reasons).toContain(
        `sized for ${expected} RPS now: 1600 measured, the newest minute ${lag} min old, rising 150 RPS/min`,
      );
    },
  );

  it("a flat demand is answered for what was measured", () => {
    const decision = decide(
      l4Stuck,
      withCapacity(busySignals(200), capacityError("g6.xlarge", T0 - MINUTE)),
      policy,
      T0,
    );
    expect(decision.kind).toBe("reroute");
    expect(decision.demandRps).toBe(1000);
    expect(decision.reasons.some((r) => r.startsWith("sized for"))).toBe(false);
  });
});

describe("Function: decide — the response fits the loss", () => {
  // 1000 RPS; L4 (the smallest share) cannot get g6 capacity and has 1 ready pod, 61 RPS.
  // The weights are still the calm ones, which send it 13.7 % of 1100 RPS.
  const signals = withCapacity(busySignals(200), capacityError("g6.xlarge", T0 - MINUTE));
  const l4Stuck = (overrides: Parameters<typeof state>[0] = {}) =>
    state({
      units: unitsWith("sd21-l4-triton", 2, 1),
      ...overrides,
    });
  const round1 = (v: number) => Math.round(v * 10) / 10;

  it("routes around a small unit that cannot grow inside cost mode, with both plans' figures in the evidence", () => {
    const decision = decide(l4Stuck(), signals, policy, T0);
    expect(decision).toMatchObject({
      kind: "reroute",
      from: "cost",
      to: "cost",
      causes: ["sd21-l4-triton"],
      urgent: false,
    });
    if (decision.kind !== "reroute") return;
    const request = { service: svc, demandRps: 1000, conditions: decision.conditions };
    const cost = planService({ ...request, mode: "cost" });
    const capacity = planService({ ...request, mode: "capacity" });
    expect(cost.feasible).toBe(true);
    const response = decision.evidence.find((e) => e.rule === "response");
    expect(response).toMatchObject({ observed: "cost", passed: false, threshold: 1100 });
    expect(response?.detail).toContain(
      `cost mode around sd21-l4-triton serves ${round1(cost.capacityRps)} of 1100 RPS needed at $${cost.hourlyCost.toFixed(2)}/h`,
    );
    expect(response?.detail).toContain(
      `capacity mode serves ${round1(capacity.capacityRps)} at $${capacity.hourlyCost.toFixed(2)}/h`,
    );
    expect(response?.detail).toMatch(/: route around the loss in cost mode$/);
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "routing-risk", breached: true }),
    );
    // The new weights send L4 no more than its one pod serves.
    const target = decision.weights?.target ?? {};
    const sum = Object.values(target).reduce((s, w) => s + w, 0);
    expect(((target["sd21-l4-triton"] ?? 0) / sum) * 1000).toBeLessThanOrEqual(61);
    expect(target["sd21-l4-triton"]).toBeGreaterThan(0);
  });

  it("fails over instead with policy lossResponse: failover", () => {
    const decision = decide(
      l4Stuck({ service: service({ policy: failoverPolicy }) }),
      signals,
      failoverPolicy,
      T0,
    );
    expect(decision).toMatchObject({ kind: "failover", causes: ["sd21-l4-triton"] });
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "response", observed: "capacity", passed: true }),
    );
  });

  it("stays once the weights route around it: the move is not repeated", () => {
    const first = decide(l4Stuck(), signals, policy, T0);
    if (first.kind !== "reroute") {
      throw new Error(`expected a reroute, got ${first.kind}`);
    }
    const next = decide(l4Stuck({ weights: first.weights.target }), signals, policy, T0);
    expect(next.kind).toBe("stay");
    expect(next.evidence).toContainEqual(expect.objectContaining({ rule: "routing-risk", breached: false }));
  });
});

describe("Function: decide — the rebalance dead band is on cost above the floor, not weight points", () => {
  const sharesOf = (weights: Readonly<Record<string, number>>) => {
    const sum = Object.values(weights).reduce((s, w) => s + w, 0);
    return Object.fromEntries(UNITS.map((u) => [u, ((weights[u] ?? 0) / sum) * 100]));
  };
  const largestShift = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
    const [sa, sb] = [sharesOf(a), sharesOf(b)];
    return Math.max(...UNITS.map((u) => Math.abs((sa[u] ?? 0) - (sb[u] ?? 0))));
  };

  it("rebalances when the weights barely move but a small unit's pods double", () => {
    // At 780 RPS the plan runs CUDA's one pod at 59.4 of 60 RPS; 5 more weight points
    // (0.3 points of 100) send it 60.2, so KEDA runs a second pod: $1.006/h on $3.03/h above the floor.
    const optimal = optimalWeights(780);
    const current = { ...optimal, "sd21-a10g-cuda": (optimal["sd21-a10g-cuda"] ?? 0) + 5 };
    const decision = decide(state({ weights: current }), busySignals(780 / UNITS.length), policy, T0);
    expect(decision.kind).toBe("rebalance");
    if (decision.kind !== "rebalance") return;
    expect(decision.weights?.target).toEqual(optimal);
    expect(largestShift(current, optimal)).toBeLessThan(0.5);
    const band = decision.evidence.find((e) => e.rule === "rebalance-dead-band");
    expect(band?.observed).toBeCloseTo((1.006 / (7.952 - 4.918)) * 100, 0);
  });

  it("stays when the weights move a lot but no pod and no dollar would change", () => {
    // Calm 200 RPS: every unit runs its one floor pod under either set of weights.
    const current = {
      "sd21-inf2": 450,
      "sd21-trn1": 540,
      "sd21-a10g-triton": 5,
      "sd21-l4-triton": 3,
      "sd21-a10g-cuda": 2,
    };
    expect(largestShift(current, COST_WEIGHTS)).toBeGreaterThan(20);
    const decision = decide(state({ weights: current }), calmSignals(), policy, T0);
    expect(decision.kind).toBe("stay");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "rebalance-dead-band", observed: 0, passed: false }),
    );
  });
});

describe("Function: decide — a rising demand is planned ahead", () => {
  /** 30 minutes of demand rising 20 RPS a minute to 900 RPS, split over the five units; `last` replaces the newest minute. */
  const rising = (last?: number): DecisionSignals => ({
    minutes: Object.fromEntries(
      UNITS.map((u) => [
        u,
        minutes(30, (i) => ({ rps: (i === 29 && last !== undefined ? last : 320 + 20 * i) / UNITS.length })),
      ]),
    ),
    capacity: [],
  });
  const slopeOf = (decision: ReturnType<typeof decide>): number =>
    Number(/rising ([\d.]+) RPS\/min/.exec(decision.reasons.join(" "))?.[1] ?? Number.NaN);

  it("plans for where the trend of the sustain window leads, two windows ahead", () => {
    const decision = decide(state(), rising(), policy, T0);

    expect(decision.kind).toBe("rebalance");
    expect(slopeOf(decision)).toBeCloseTo(20, 5);
    // The highest of the last three minutes (900 RPS) plus 20 RPS/min × 30 min.
    expect(decision.demandRps).toBeCloseTo(900 + 20 * 2 * policy.rebalanceSustainMinutes, 5);
  });

  it("reads the trend by least squares, so one noisy minute at the end barely moves it", () => {
    // The newest minute 150 RPS above the line: first-to-last would read 30.7 RPS/min.
    const decision = decide(state(), rising(1050), policy, T0);

    expect(decision.kind).toBe("rebalance");
    expect(slopeOf(decision)).toBeGreaterThan(20);
    expect(slopeOf(decision)).toBeLessThan(25);
  });
});

describe("Function: decide — quiet is not recovered", () => {
  const inCapacity = (
    inf2: { desiredReplicas: number; readyReplicas: number },
    overrides: Parameters<typeof state>[0] = {},
  ) =>
    state({
      mode: "capacity",
      lastTransitionAt: T0 - 30 * MINUTE,
      units: { ...state().units, "sd21-inf2": { ...inf2, unschedulableSince: null, unschedulablePods: 0 } },
      ...overrides,
    });
  const quietFor12 = withCapacity(calmSignals(), capacityError("inf2.xlarge", T0 - 12 * MINUTE));

  it.each([
    { desiredReplicas: 2, readyReplicas: 2, recovery: "unproven", passed: false },
    { desiredReplicas: 1, readyReplicas: 2, recovery: "unproven", passed: false },
    { desiredReplicas: 3, readyReplicas: 2, recovery: "recovered", passed: true },
  ])(
    "a cause quiet for the quiet period with $desiredReplicas desired and $readyReplicas ready is $recovery",
    ({ desiredReplicas, readyReplicas, recovery, passed }) => {
      const current = inCapacity({ desiredReplicas, readyReplicas });
      const observed = observe(current, quietFor12, policy, T0);
      expect(observed.units.find((u) => u.unit.name === "sd21-inf2")?.recovery).toBe(recovery);
      expect(observed.conditions["sd21-inf2"]?.unavailable).toBe(passed ? undefined : "no-capacity");
      const decision = decide(current, quietFor12, policy, T0);
      expect(decision.evidence).toContainEqual(
        expect.objectContaining({
          rule: "quiet-period",
          unit: "sd21-inf2",
          observed: 12,
          threshold: 10,
          passed,
          detail: expect.stringContaining(passed ? "launches were tried" : "recovery is unproven"),
        }),
      );
    },
  );

  it("falls back around an unproven cause when cost mode covers demand with it frozen (no absorbing state)", () => {
    const decision = decide(inCapacity({ desiredReplicas: 2, readyReplicas: 2 }), quietFor12, policy, T0);
    expect(decision.kind).toBe("fallback");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "quiet-period", passed: false }),
    );
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "route-around", passed: true, threshold: 220 }),
    );
    expect(decision.reasons[0]).toMatch(
      /^cost mode with sd21-inf2 frozen at its running pods serves 446 of 220 RPS/,
    );
    expect(decision.conditions["sd21-inf2"]).toMatchObject({ unavailable: "no-capacity", runningPods: 2 });
  });

  it("stays with an unproven cause when cost mode needs it to grow", () => {
    // Tight service at 750 RPS: with inf2 frozen at 1 pod cost mode serves 787 of 825.
    const signals = withCapacity(busySignals(150), capacityError("inf2.xlarge", T0 - 12 * MINUTE));
    const unproven = decide(
      inCapacity({ desiredReplicas: 1, readyReplicas: 1 }, { service: tight }),
      signals,
      policy,
      T0,
    );
    expect(unproven.kind).toBe("stay");
    expect(unproven.reasons).toContain(
      "sd21-inf2: last capacity error 12 min ago (quiet period 10 min); no launch was tried since: quiet, but recovery is unproven",
    );
    const launching = decide(
      inCapacity({ desiredReplicas: 2, readyReplicas: 1 }, { service: tight }),
      signals,
      policy,
      T0,
    );
    expect(launching.kind).toBe("fallback");
  });

  it("falls back through a latency breach of capacity mode's own when cost mode covers demand", () => {
    const slow = withUnitMinutes(
      quietFor12,
      "sd21-l4-triton",
      minutes(30, () => ({ latencyMs: 1400 })),
    );
    const decision = decide(inCapacity({ desiredReplicas: 2, readyReplicas: 2 }), slow, policy, T0);
    expect(decision.kind).toBe("fallback");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "slo-holds", observed: "sd21-l4-triton", passed: true }),
    );
  });
});
