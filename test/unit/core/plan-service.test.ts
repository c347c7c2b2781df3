import {
  adjustedThroughput,
  type InferenceService,
  type Mode,
  planService,
  type ServicePlan,
  type UnitCondition,
} from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PlanningError } from "../../../packages/core/src/errors.ts";
import type { UnavailableReason } from "../../../packages/core/src/planning/types.ts";
import { sd21Service } from "../../support/sd21.ts";

const names = sd21Service().units.map((u) => u.name);
const noHeadroom = (extra: Partial<InferenceService> = {}) => sd21Service({ headroom: 0, ...extra });
const pods = (plan: ReturnType<typeof planService>) =>
  Object.fromEntries(plan.units.map((u) => [u.name, u.pods]));
const weights = (plan: ReturnType<typeof planService>) =>
  Object.fromEntries(plan.units.map((u) => [u.name, u.weight]));

describe("Function: planService", () => {
  describe("in cost mode", () => {
    it("fills the floor pods first: at 300 RPS the minimum pods (446 RPS) cost nothing extra", () => {
      const plan = planService({ service: noHeadroom(), mode: "cost", demandRps: 300 });
      expect(Object.values(pods(plan))).toEqual([1, 1, 1, 1, 1]);
      expect(plan.hourlyCost).toBeCloseTo(0.7582 + 1.3438 + 1.006 + 0.8048 + 1.006, 10);
      expect(plan.feasible).toBe(true);
    });

    it("adds the cheapest whole pods above the floor at 1000 RPS: 7/1/1/1/1 at $9.468/h", () => {
      const plan = planService({ service: noHeadroom(), mode: "cost", demandRps: 1000 });
      expect(Object.values(pods(plan))).toEqual([7, 1, 1, 1, 1]);
      expect(plan.hourlyCost).toBeCloseTo(9.468, 10);
      expect(plan.costPerMillion).toBeCloseTo((9.468 / (1000 * 3600)) * 1e6, 10);
    });

    it("weights units by their planned capacity over the ALB's range, so each runs at the same utilization", () => {
      const plan = planService({ service: noHeadroom(), mode: "cost", demandRps: 1000 });
      // 735/130/90/61/60 RPS of pods: the largest gets 999, the others the floor of their
      // proportion (176.7, 122.3, 82.9, 81.6): with no headroom, rounding may add nothing.
      expect(weights(plan)).toEqual({
        "sd21-inf2": 999,
        "sd21-trn1": 176,
        "sd21-a10g-triton": 122,
        "sd21-l4-triton": 82,
        "sd21-a10g-cuda": 81,
      });
      expect(plan.routing.targetGroups.map((g) => g.serviceName)).toEqual(names);
      const service = noHeadroom();
      for (const unit of plan.units) {
        const maxRps = service.units.find((u) => u.name === unit.name)?.maxRps ?? 0;
        // 1000 RPS over 1076 RPS of pods: 92.9 % each, less for the units whose point
        // was rounded down (l4: 82 of 82.9 points, 92.1 %), never more than 0.4 % above.
        const utilization = unit.plannedRps / (unit.pods * maxRps);
        expect(utilization).toBeLessThanOrEqual((1000 / 1076) * (1 + 4 / 995));
        expect(utilization).toBeGreaterThan(1000 / 1076 - 0.01);
      }
    });

    it("covers demand × (1 + headroom)", () => {
      const plan = planService({ service: sd21Service({ headroom: 0.25 }), mode: "cost", demandRps: 800 });
      expect(plan.requiredRps).toBe(1000);
      expect(plan.capacityRps).toBeGreaterThanOrEqual(1000);
    });

    it("sets KEDA targets so the HPA asks for the next pod at each unit's SLO-safe rate, past its 10 % tolerance", () => {
      const plan = planService({ service: sd21Service({ headroom: 0.1 }), mode: "cost", demandRps: 446 });
      // l4 and a10g-cuda answer over the 900 ms SLO at maxRps: their safe rates are 57.2 and 58.7.
      expect(plan.units.map((u) => u.safeRps)).toEqual([105, 130, 90, (61 * 900) / 960, (60 * 900) / 920]);
      expect(plan.units.map((u) => u.kedaTarget)).toEqual(["95.5", "118.2", "81.8", "52", "53.4"]);
      expect(plan.targetAllowance).toEqual({ scaleUpTolerance: 0.1, startupAllowance: 0 });
      // The headroom is the plan's spare capacity; the HPA still asks at the safe rate.
      const exact = planService({ service: noHeadroom(), mode: "cost", demandRps: 446 });
      expect(exact.units.map((u) => u.kedaTarget)).toEqual(["95.5", "118.2", "81.8", "52", "53.4"]);
    });

    it("leaves the headroom for demand to grow while a pod starts when no forecast floor acts", () => {
      const s = sd21Service({ headroom: 0.1 });
      const only = { ...s, forecast: { ...s.forecast, mode: "forecast-only" as const } };
      const plan = planService({ service: only, mode: "cost", demandRps: 446 });
      expect(plan.units.map((u) => u.kedaTarget)).toEqual(["86.8", "107.4", "74.4", "47.3", "48.5"]);
      // With a per-HPA tolerance of 0 (Kubernetes 1.35+) and no headroom, the target is the safe rate.
      const exact = planService({
        service: { ...only, headroom: 0, scaleUpTolerance: 0 },
        mode: "cost",
        demandRps: 446,
      });
      expect(exact.units.map((u) => u.kedaTarget)).toEqual(["105", "130", "90", "57.2", "58.7"]);
    });

    it("freezes a unit without capacity at the pods it runs: they keep serving, and no pod is added", () => {
      const plan = planService({
        service: noHeadroom(),
        mode: "cost",
        demandRps: 600,
        conditions: { "sd21-inf2": { unavailable: "no-capacity", runningPods: 2 } },
      });
      const inf2 = plan.units.find((u) => u.name === "sd21-inf2");
      // Without the loss, inf2 (the cheapest per request) would take 3 pods of 600 RPS.
      expect(planService({ service: noHeadroom(), mode: "cost", demandRps: 600 }).units[0]?.pods).toBe(3);
      expect(inf2).toMatchObject({ pods: 2, unavailable: "no-capacity" });
      expect(inf2?.weight).toBeGreaterThan(0);
      expect(inf2?.plannedRps).toBeGreaterThan(0);
      expect(inf2?.plannedRps).toBeLessThanOrEqual(2 * 105);
      expect(plan.feasible).toBe(true);
      expect(plan.notes).toContain(
        "sd21-inf2 cannot get EC2 capacity: frozen at 2 of its 2 running pods, which keep serving; no new pod is planned for it",
      );
    });

    it("gives a unit without healthy targets weight 0 and keeps the pods it runs", () => {
      const plan = planService({
        service: noHeadroom(),
        mode: "cost",
        demandRps: 600,
        conditions: { "sd21-inf2": { unavailable: "no-healthy-targets", runningPods: 3 } },
      });
      expect(plan.units[0]).toMatchObject({ weight: 0, pods: 3, plannedRps: 0 });
      expect(plan.notes).toContain(
        "sd21-inf2 has no healthy targets: no traffic of its own, keeps its 3 running pods",
      );
    });

    it("says by how much demand exceeds all capacity and uses every pod", () => {
      const service = noHeadroom({
        units: sd21Service().units.map((u) => ({ ...u, maxReplicaCount: 2 })),
      });
      const plan = planService({ service, mode: "cost", demandRps: 1000 });
      expect(plan.feasible).toBe(false);
      expect(Object.values(pods(plan))).toEqual([2, 2, 2, 2, 2]);
      expect(plan.capacityRps).toBe(892);
      expect(plan.shortfallRps).toBe(108);
      expect(plan.notes.join("\n")).toContain("short by 108 RPS");
    });

    it("routes to what runs when every unit is unavailable, rather than to nothing", () => {
      const conditions = Object.fromEntries(
        names.map((n) => [n, { unavailable: "no-healthy-targets" as const, runningPods: 1 }]),
      );
      const plan = planService({ service: noHeadroom(), mode: "cost", demandRps: 100, conditions });
      // One pod each, weighted by what it serves: trn1's 130 RPS gets 999.
      expect(plan.routing.targetGroups.map((g) => g.weight)).toEqual([806, 999, 691, 468, 461]);
      expect(plan.notes[0]).toMatch(/every unit is unavailable/);
    });

    it("uses fixed weights from the config and sizes pods to carry them", () => {
      const fixedWeights = {
        "sd21-inf2": 40,
        "sd21-trn1": 20,
        "sd21-a10g-triton": 15,
        "sd21-l4-triton": 10,
        "sd21-a10g-cuda": 15,
      };
      const plan = planService({ service: noHeadroom({ fixedWeights }), mode: "cost", demandRps: 1000 });
      expect(plan.weighting).toBe("fixed");
      expect(weights(plan)).toEqual(fixedWeights);
      // 400 RPS on inf2 needs 4 pods; 150 on g5 CUDA needs 3.
      expect(pods(plan)).toEqual({
        "sd21-inf2": 4,
        "sd21-trn1": 2,
        "sd21-a10g-triton": 2,
        "sd21-l4-triton": 2,
        "sd21-a10g-cuda": 3,
      });
      expect(plan.capacityRps).toBeCloseTo(1050, 6);
    });

    it("drops an unavailable unit from fixed weights and renormalizes the rest to 100", () => {
      const plan = planService({
        service: noHeadroom({ fixedWeights: { "sd21-inf2": 40, "sd21-trn1": 20, "sd21-a10g-triton": 40 } }),
        mode: "cost",
        demandRps: 100,
        conditions: { "sd21-inf2": { unavailable: "no-capacity" } },
      });
      expect(weights(plan)).toMatchObject({ "sd21-inf2": 0, "sd21-trn1": 33, "sd21-a10g-triton": 67 });
    });

    it("refuses a negative demand and a condition for an unknown unit", () => {
      expect(() => planService({ service: noHeadroom(), mode: "cost", demandRps: -1 })).toThrow(
        PlanningError,
      );
      expect(() =>
        planService({ service: noHeadroom(), mode: "cost", demandRps: 1, conditions: { "sd21-h100": {} } }),
      ).toThrow(/no unit "sd21-h100"/);
    });
  });

  describe("in capacity mode", () => {
    it("routes everything to the consolidated Service at weight 100", () => {
      const plan = planService({ service: sd21Service(), mode: "capacity", demandRps: 446 });
      expect(plan.routing.targetGroups).toEqual([{ serviceName: "sd21", servicePort: 80, weight: 100 }]);
      expect(plan.units.every((u) => u.weight === null)).toBe(true);
      expect(plan.weighting).toBe("consolidated");
    });

    it("spreads pods evenly and holds every pod to the smallest rate at which a unit meets the SLO", () => {
      const plan = planService({ service: noHeadroom(), mode: "capacity", demandRps: 446 });
      // L4 meets 900 ms at 61 × 900/960 = 57.19 RPS: 5 pods serve 286 < 446, so two per unit.
      expect(Object.values(pods(plan))).toEqual([2, 2, 2, 2, 2]);
      expect(plan.capacityRps).toBeCloseTo(10 * ((61 * 900) / 960), 9);
      expect(plan.units.map((u) => u.trafficShare)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    });

    it("gives every unit the same KEDA target through the consolidated Service, so the mix cannot drift", () => {
      const exact = planService({
        service: noHeadroom({ scaleUpTolerance: 0 }),
        mode: "capacity",
        demandRps: 446,
      });
      expect(exact.units.map((u) => u.kedaTarget)).toEqual(["57.2", "57.2", "57.2", "57.2", "57.2"]);
      // SD2.1 past the HPA's 10 % tolerance: 57.19 / 1.1 = 52.
      const sd21 = planService({ service: sd21Service(), mode: "capacity", demandRps: 446 });
      expect(sd21.units.map((u) => u.kedaTarget)).toEqual(["52", "52", "52", "52", "52"]);
    });

    it("without a consolidated Service weights units by their rate × pods over the ALB's range", () => {
      const { consolidatedService: _omitted, ...rest } = noHeadroom({ scaleUpTolerance: 0 });
      const plan = planService({ service: rest, mode: "capacity", demandRps: 300 });
      expect(plan.weighting).toBe("adjusted-throughput");
      expect(Object.values(pods(plan))).toEqual([1, 1, 1, 1, 1]);
      // 89.2 × 3, then L4 at 57.19 and CUDA at 60 × 900/920 = 58.70 (both slower than the SLO at maxRps).
      expect(plan.routing.targetGroups.map((g) => g.weight)).toEqual([999, 999, 999, 640, 657]);
      expect(plan.capacityRps).toBeCloseTo(3 * 89.2 + (61 * 900) / 960 + (60 * 900) / 920, 6);
      // Each unit runs at its own rate: the targets differ.
      expect(plan.units.map((u) => u.kedaTarget)).toEqual(["89.2", "89.2", "89.2", "57.2", "58.7"]);
    });

    it("keeps serving through the pods of a unit that lost capacity, without adding any", () => {
      const plan = planService({
        service: noHeadroom(),
        mode: "capacity",
        demandRps: 446,
        conditions: { "sd21-inf2": { unavailable: "no-capacity", runningPods: 1 } },
      });
      expect(pods(plan)["sd21-inf2"]).toBe(1);
      expect(plan.units[0]?.trafficShare).toBeGreaterThan(0);
      expect(plan.feasible).toBe(true);
    });
  });
});

const modeArb = fc.constantFrom<Mode>("cost", "capacity");
const reasonArb = fc.constantFrom<UnavailableReason | undefined>(
  undefined,
  undefined,
  "no-capacity",
  "no-healthy-targets",
);
const conditionsArb = fc
  .array(fc.record({ unavailable: reasonArb, runningPods: fc.integer({ min: 0, max: 5 }) }), {
    minLength: names.length,
    maxLength: names.length,
  })
  .map((list) =>
    Object.fromEntries(
      list.map((c, i): [string, UnitCondition] => [
        names[i] as string,
        c.unavailable === undefined
          ? { runningPods: c.runningPods }
          : { runningPods: c.runningPods, unavailable: c.unavailable },
      ]),
    ),
  );
const boundsArb = fc.array(
  fc.record({ min: fc.integer({ min: 0, max: 3 }), span: fc.integer({ min: 0, max: 20 }) }),
  { minLength: names.length, maxLength: names.length },
);

/** Requests/s at which a unit meets the SLO, from its one measured point: latencyMs at maxRps. */
function sloRate(unit: { maxRps: number; latencyMs: number }, sloMs: number): number {
  return unit.latencyMs <= sloMs ? unit.maxRps : (unit.maxRps * sloMs) / unit.latencyMs;
}

/**
 * What each unit's planned pods serve in the plan's mode: the load the plan means it to
 * carry is demand in proportion. Cost mode: pods × maxRps. Capacity mode: pods × the
 * unit's rate (adjusted throughput, no faster than it meets the SLO) — through the
 * consolidated Service every serving pod at the same rate, so pods alone.
 */
function servingRates(plan: ServicePlan, service: InferenceService, mode: Mode): number[] {
  const adjusted = adjustedThroughput(service.units);
  return plan.units.map((u, i) => {
    const unit = service.units[i];
    // A unit without healthy targets serves nothing (one forced to serve has no reason set).
    if (unit === undefined || u.unavailable === "no-healthy-targets") {
      return 0;
    }
    if (mode === "cost") {
      return u.pods * unit.maxRps;
    }
    if (plan.weighting === "consolidated") {
      return u.pods;
    }
    return u.pods * Math.min(adjusted[i] ?? unit.maxRps, sloRate(unit, service.slo.latencyMs));
  });
}

describe("Properties: planService", () => {
  const arbitrary = fc.record({
    mode: modeArb,
    demand: fc.double({ min: 0, max: 5000, noNaN: true }),
    headroom: fc.double({ min: 0, max: 0.5, noNaN: true }),
    conditions: conditionsArb,
    bounds: boundsArb,
    consolidated: fc.boolean(),
  });
  type PropertyInput = typeof arbitrary extends fc.Arbitrary<infer T> ? T : never;
  const serviceFor = (input: {
    headroom: number;
    bounds: { min: number; span: number }[];
    consolidated: boolean;
  }) => {
    const { consolidatedService, ...rest } = sd21Service({ headroom: input.headroom });
    return {
      ...rest,
      ...(input.consolidated && consolidatedService !== undefined ? { consolidatedService } : {}),
      units: rest.units.map((u, i) => {
        const b = input.bounds[i] ?? { min: 1, span: 0 };
        return { ...u, minReplicaCount: b.min, maxReplicaCount: Math.max(1, b.min + b.span) };
      }),
    };
  };

  /** The plan for one generated input, on `service` (the input's own by default) in `mode`. */
  const planFor = (
    input: PropertyInput,
    service: InferenceService = serviceFor(input),
    mode: Mode = input.mode,
  ) => planService({ service, mode, demandRps: input.demand, conditions: input.conditions });

  it("writes integer weights 0-999, the largest 999 (one group at 100 through the consolidated Service)", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const plan = planFor(input);
        const groups = plan.routing.targetGroups;
        for (const g of groups) {
          expect(Number.isInteger(g.weight) && g.weight >= 0 && g.weight <= 999).toBe(true);
        }
        if (plan.weighting === "consolidated") {
          expect(groups.map((g) => g.weight)).toEqual([100]);
        } else if (groups.some((g) => g.weight > 0)) {
          expect(Math.max(...groups.map((g) => g.weight))).toBe(999);
        }
      }),
    );
  });

  it("never routes to a unit without healthy targets while another unit is available", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const plan = planFor(input);
        const someAvailable = plan.units.some((u) => u.unavailable === undefined);
        for (const unit of plan.units) {
          if (unit.unavailable === "no-healthy-targets" && someAvailable) {
            expect(unit.weight ?? 0).toBe(0);
            expect(unit.trafficShare).toBe(0);
          }
        }
      }),
    );
  });

  it("keeps a frozen unit (no capacity) serving with a share for the pods it keeps, never more pods than it runs", () => {
    fc.assert(
      fc.property(
        arbitrary,
        fc.nat({ max: names.length - 1 }),
        fc.integer({ min: 1, max: 5 }),
        (input, at, running) => {
          const frozen = names[at] as string;
          const conditions = {
            ...input.conditions,
            [frozen]: { unavailable: "no-capacity" as const, runningPods: running },
          };
          const service = serviceFor(input);
          const plan = planService({ service, mode: input.mode, demandRps: input.demand, conditions });
          const unit = service.units[at];
          const planned = plan.units[at];
          if (unit === undefined || planned === undefined) {
            throw new Error("plan lost a unit");
          }
          const held = Math.min(running, unit.maxReplicaCount);
          expect(planned.pods).toBeLessThanOrEqual(held);
          // Its floor pods stay (up to what it runs): a frozen pool is never drained.
          expect(planned.pods).toBeGreaterThanOrEqual(Math.min(held, unit.minReplicaCount));
          if (planned.pods > 0) {
            expect(planned.trafficShare).toBeGreaterThan(0);
            if (planned.weight !== null) {
              expect(planned.weight).toBeGreaterThan(0);
            }
            // Its share is what its pods serve of what all serving pods serve.
            const served = servingRates(plan, service, input.mode);
            const total = served.reduce((sum, r) => sum + r, 0);
            expect(planned.trafficShare).toBeCloseTo((served[at] ?? 0) / total, 2);
          }
        },
      ),
    );
  });

  it("routes every unit within max(1 RPS, 0.5 % of demand) of its planned load, and never more than its pods serve", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const service = serviceFor(input);
        const plan = planFor(input, service);
        const served = servingRates(plan, service, input.mode);
        const total = served.reduce((sum, r) => sum + r, 0);
        // A unit is rounded to the nearest point, or down when up would add more than half
        // the headroom: under one point each, at most four of at least 995 points in all.
        const tolerance = Math.max(1, 0.005 * input.demand);
        plan.units.forEach((unit, i) => {
          const maxRps = service.units[i]?.maxRps ?? 0;
          const routed = unit.trafficShare * input.demand;
          const load = total > 0 ? (input.demand * (served[i] ?? 0)) / total : 0;
          expect(Math.abs(routed - load)).toBeLessThanOrEqual(tolerance);
          // With the plan's headroom (10 % in the example) whole weight points never push
          // a unit past its pods (the property over random fleets below goes to 100,000 RPS).
          if (plan.feasible && input.headroom >= 0.1) {
            // Floating point only: 1e-9 of demand.
            expect(routed).toBeLessThanOrEqual(unit.pods * maxRps + 1e-9 * input.demand);
          }
        });
      }),
    );
  });

  it("holds every unit to one KEDA target through the consolidated Service, no higher than the slowest serving unit's SLO rate", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const service = serviceFor({ ...input, consolidated: true });
        const plan = planFor(input, service, "capacity");
        expect(plan.weighting).toBe("consolidated");
        expect(new Set(plan.units.map((u) => u.kedaTarget)).size).toBe(1);
        const serving = plan.units
          .map((u, i) => ({ plan: u, unit: service.units[i] }))
          .filter(({ plan: u }) => u.pods > 0 && u.unavailable !== "no-healthy-targets");
        const slowest = Math.min(
          ...serving.map(({ unit }) =>
            unit === undefined ? Number.POSITIVE_INFINITY : sloRate(unit, service.slo.latencyMs),
          ),
        );
        if (Number.isFinite(slowest)) {
          // The HPA asks at target × (1 + tolerance): never past the slowest unit's SLO rate.
          // kedaTarget has one decimal: allow its rounding.
          expect(Number(plan.units[0]?.kedaTarget)).toBeLessThanOrEqual(
            slowest / (1 + service.scaleUpTolerance) + 0.05,
          );
        }
      }),
    );
  });

  it("keeps pods within minReplicaCount..maxReplicaCount, or at what runs for an unavailable unit", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const service = serviceFor(input);
        const plan = planFor(input, service);
        plan.units.forEach((unitPlan, i) => {
          const unit = service.units[i];
          const condition = input.conditions[unitPlan.name];
          if (unit === undefined) {
            return;
          }
          if (unitPlan.unavailable === undefined && condition?.unavailable === undefined) {
            expect(unitPlan.pods).toBeGreaterThanOrEqual(unit.minReplicaCount);
          }
          expect(unitPlan.pods).toBeLessThanOrEqual(unit.maxReplicaCount);
        });
      }),
    );
  });

  it("when feasible, covers demand × (1 + headroom); when not, says by how much", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const plan = planFor(input);
        expect(plan.requiredRps).toBeCloseTo(input.demand * (1 + input.headroom), 9);
        if (plan.feasible) {
          expect(plan.capacityRps).toBeGreaterThanOrEqual(plan.requiredRps - 1e-6);
          expect(plan.shortfallRps).toBe(0);
        } else {
          expect(plan.shortfallRps).toBeCloseTo(plan.requiredRps - plan.capacityRps, 6);
        }
      }),
    );
  });
});

describe("Function: planService — a unit capped at the pods it has ready", () => {
  it("plans a unit that just got capacity back at its ready pods, and the others around it", () => {
    const service = sd21Service({ headroom: 0 });
    const uncapped = planService({ service, mode: "cost", demandRps: 600 });
    const capped = planService({
      service,
      mode: "cost",
      demandRps: 600,
      conditions: { "sd21-inf2": { runningPods: 1, maxPods: 1 } },
    });
    expect(uncapped.units[0]?.pods).toBeGreaterThan(1);
    expect(capped.units[0]?.pods).toBe(1);
    expect(capped.units[0]?.weight).toBeGreaterThan(0);
    expect(capped.feasible).toBe(true);
    expect(capped.hourlyCost).toBeGreaterThan(uncapped.hourlyCost);
  });

  it("never caps below minReplicaCount", () => {
    const plan = planService({
      service: sd21Service({ headroom: 0 }),
      mode: "cost",
      demandRps: 100,
      conditions: { "sd21-inf2": { maxPods: 0 } },
    });
    expect(plan.units[0]?.pods).toBe(1);
  });
});

describe("Properties: planService — weights never overload a pod by rounding (issue 17)", () => {
  /** A random fleet of one to five units, anything the config schema allows up to 1,000 pods a unit. */
  const fleetArb = fc.array(
    fc.record({
      maxRps: fc.double({ min: 0.5, max: 2000, noNaN: true }),
      hourlyPrice: fc.double({ min: 0.05, max: 100, noNaN: true }),
      minReplicaCount: fc.integer({ min: 0, max: 5 }),
      span: fc.integer({ min: 0, max: 995 }),
    }),
    { minLength: 1, maxLength: 5 },
  );
  const arbitrary = fc.record({
    fleet: fleetArb,
    demand: fc.double({ min: 0, max: 100_000, noNaN: true }),
    // Rounding adds a unit at most half the headroom (and the others lose under half a
    // point each): from 1 % headroom on, that stays within the plan's spare capacity.
    headroom: fc.double({ min: 0.01, max: 1, noNaN: true }),
  });
  const serviceOf = (input: {
    fleet: { maxRps: number; hourlyPrice: number; minReplicaCount: number; span: number }[];
    headroom: number;
  }): InferenceService => {
    const base = sd21Service({ headroom: input.headroom });
    const { consolidatedService: _unused, ...rest } = base;
    const template = base.units[0] as InferenceService["units"][number];
    return {
      ...rest,
      units: input.fleet.map((u, i) => ({
        ...template,
        name: `unit-${i}`,
        service: { name: `unit-${i}`, port: 80 },
        deployment: `unit-${i}`,
        scaledObject: { ...template.scaledObject, name: `unit-${i}` },
        maxRps: u.maxRps,
        hourlyPrice: u.hourlyPrice,
        minReplicaCount: u.minReplicaCount,
        maxReplicaCount: Math.max(1, u.minReplicaCount + u.span),
      })),
    };
  };

  it("sends no pod more than its breaking point when the plan covers demand, at any demand up to 100,000 RPS", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const service = serviceOf(input);
        const plan = planService({ service, mode: "cost", demandRps: input.demand });
        const totalWeight = plan.units.reduce((sum, u) => sum + (u.weight ?? 0), 0);
        plan.units.forEach((unit, i) => {
          const maxRps = service.units[i]?.maxRps ?? 0;
          const routed = totalWeight > 0 ? (input.demand * (unit.weight ?? 0)) / totalWeight : 0;
          if (plan.feasible) {
            // Floating point only: 1e-9 of demand.
            expect(routed).toBeLessThanOrEqual(unit.pods * maxRps + 1e-9 * input.demand);
          }
          // Whatever the demand, rounding never raises a unit's utilization over the
          // plan's by more than half the headroom and the half points the others lost.
          if (plan.capacityRps > 0 && unit.pods > 0) {
            const planned = input.demand / plan.capacityRps;
            expect(routed / (unit.pods * maxRps)).toBeLessThanOrEqual(
              planned * (1 + input.headroom / 2) * (1 + 2 / 997) + 1e-9,
            );
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
