import {
  type InferenceService,
  type Mode,
  PlanningError,
  planService,
  type UnavailableReason,
  type UnitCondition,
} from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
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

    it("weights units by their planned capacity, so each runs at the same utilization", () => {
      const plan = planService({ service: noHeadroom(), mode: "cost", demandRps: 1000 });
      expect(weights(plan)).toEqual({
        "sd21-inf2": 68,
        "sd21-trn1": 12,
        "sd21-a10g-triton": 8,
        "sd21-l4-triton": 6,
        "sd21-a10g-cuda": 6,
      });
      expect(plan.routing.targetGroups.map((g) => g.serviceName)).toEqual(names);
    });

    it("covers demand × (1 + headroom)", () => {
      const plan = planService({ service: sd21Service({ headroom: 0.25 }), mode: "cost", demandRps: 800 });
      expect(plan.requiredRps).toBe(1000);
      expect(plan.capacityRps).toBeGreaterThanOrEqual(1000);
    });

    it("sets KEDA targets at each unit's breaking point less the headroom", () => {
      const plan = planService({ service: sd21Service({ headroom: 0.1 }), mode: "cost", demandRps: 446 });
      expect(plan.units.map((u) => u.kedaTarget)).toEqual(["95.5", "118.2", "81.8", "55.5", "54.5"]);
      const exact = planService({ service: noHeadroom(), mode: "cost", demandRps: 446 });
      expect(exact.units.map((u) => u.kedaTarget)).toEqual(["105", "130", "90", "61", "60"]);
    });

    it("gives a unit without capacity weight 0 and keeps only the pods it runs", () => {
      const plan = planService({
        service: noHeadroom(),
        mode: "cost",
        demandRps: 600,
        conditions: { "sd21-inf2": { unavailable: "no-capacity", runningPods: 3 } },
      });
      const inf2 = plan.units.find((u) => u.name === "sd21-inf2");
      expect(inf2).toMatchObject({ weight: 0, pods: 3, unavailable: "no-capacity", plannedRps: 0 });
      expect(plan.feasible).toBe(true);
      expect(plan.notes).toContain(
        "sd21-inf2 cannot get EC2 capacity: no traffic of its own, keeps its 3 running pods",
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
      expect(plan.routing.targetGroups.reduce((s, g) => s + g.weight, 0)).toBe(100);
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

    it("spreads pods evenly and holds every pod to the smallest adjusted throughput", () => {
      const plan = planService({ service: noHeadroom(), mode: "capacity", demandRps: 446 });
      // 5 pods × 60 RPS = 300 < 446, so two pods per unit: 10 × 60 = 600.
      expect(Object.values(pods(plan))).toEqual([2, 2, 2, 2, 2]);
      expect(plan.capacityRps).toBe(600);
      expect(plan.units.map((u) => u.trafficShare)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    });

    it("sets KEDA targets to the adjusted throughput (Table 2)", () => {
      const plan = planService({ service: noHeadroom(), mode: "capacity", demandRps: 446 });
      expect(plan.units.map((u) => u.kedaTarget)).toEqual(["89.2", "89.2", "89.2", "61", "60"]);
    });

    it("without a consolidated Service weights units by adjusted throughput × pods", () => {
      const { consolidatedService: _omitted, ...rest } = noHeadroom();
      const plan = planService({ service: rest, mode: "capacity", demandRps: 300 });
      expect(plan.weighting).toBe("adjusted-throughput");
      expect(Object.values(pods(plan))).toEqual([1, 1, 1, 1, 1]);
      expect(plan.routing.targetGroups.map((g) => g.weight)).toEqual([23, 23, 23, 16, 15]);
      expect(plan.capacityRps).toBeCloseTo(388.6, 6);
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

describe("Properties: planService", () => {
  const arbitrary = fc.record({
    mode: modeArb,
    demand: fc.double({ min: 0, max: 5000, noNaN: true }),
    headroom: fc.double({ min: 0, max: 0.5, noNaN: true }),
    conditions: conditionsArb,
    bounds: boundsArb,
    consolidated: fc.boolean(),
  });
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

  it("writes integer weights 0-999 that sum to 100 whenever any target group carries traffic", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const plan = planService({
          service: serviceFor(input),
          mode: input.mode,
          demandRps: input.demand,
          conditions: input.conditions,
        });
        const groups = plan.routing.targetGroups;
        for (const g of groups) {
          expect(Number.isInteger(g.weight) && g.weight >= 0 && g.weight <= 999).toBe(true);
        }
        const sum = groups.reduce((s, g) => s + g.weight, 0);
        expect(sum === 100 || sum === 0).toBe(true);
      }),
    );
  });

  it("never routes to a unit marked unavailable while another unit is available", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const plan = planService({
          service: serviceFor(input),
          mode: input.mode,
          demandRps: input.demand,
          conditions: input.conditions,
        });
        const someAvailable = plan.units.some((u) => u.unavailable === undefined);
        for (const unit of plan.units) {
          if (unit.unavailable !== undefined && someAvailable && unit.weight !== null) {
            expect(unit.weight).toBe(0);
          }
        }
      }),
    );
  });

  it("keeps pods within minReplicaCount..maxReplicaCount, or at what runs for an unavailable unit", () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        const service = serviceFor(input);
        const plan = planService({
          service,
          mode: input.mode,
          demandRps: input.demand,
          conditions: input.conditions,
        });
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
        const plan = planService({
          service: serviceFor(input),
          mode: input.mode,
          demandRps: input.demand,
          conditions: input.conditions,
        });
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
