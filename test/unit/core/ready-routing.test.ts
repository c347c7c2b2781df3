import { type InferenceService, type Mode, planService, type UnitCondition } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readyRouting } from "../../../packages/core/src/planning/ready-routing.ts";
import { sd21Service } from "../../support/sd21.ts";

const svc = sd21Service();
const names = svc.units.map((u) => u.name);

/** Requests/s one pod of a unit serves in a mode: maxRps in cost mode; in capacity mode its adjusted, SLO-safe rate. */
function rate(service: InferenceService, mode: Mode, i: number): number {
  const unit = service.units[i];
  if (unit === undefined) return 0;
  if (mode === "cost") return unit.maxRps;
  const mean = service.units.reduce((sum, u) => sum + u.maxRps, 0) / service.units.length;
  const slo =
    unit.latencyMs <= service.slo.latencyMs
      ? unit.maxRps
      : (unit.maxRps * service.slo.latencyMs) / unit.latencyMs;
  return Math.min(mean, unit.maxRps, slo);
}

const fleetArb = fc.record({
  mode: fc.constantFrom<Mode>("cost", "capacity"),
  demand: fc.double({ min: 1, max: 3000, noNaN: true }),
  ready: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: names.length, maxLength: names.length }),
  frozen: fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
});

describe("Properties: routing to the pods ready now (a move that cannot wait)", () => {
  it("never sends a ready pod past its rate while the ready pods can carry demand, however few pods a unit has — in capacity mode too", () => {
    fc.assert(
      fc.property(fleetArb, ({ mode, demand, ready, frozen }) => {
        const service = { ...svc, units: svc.units.map((u) => ({ ...u, maxReplicaCount: 150 })) };
        const conditions: Record<string, UnitCondition> = Object.fromEntries(
          names.map((name, i) => [
            name,
            frozen[i] === true
              ? { runningPods: ready[i] ?? 0, unavailable: "no-capacity" as const }
              : { runningPods: ready[i] ?? 0 },
          ]),
        );
        const plan = planService({ service, mode, demandRps: demand, conditions, routeToReadyPods: true });
        const capacity = names.reduce((sum, _, i) => sum + (ready[i] ?? 0) * rate(service, mode, i), 0);
        if (capacity <= 0) {
          return;
        }
        expect(plan.weighting).toBe("ready-pods");
        // Whole weight points: a weight rounds down when rounding up would overshoot, so a
        // unit's share may gain up to one point of the total from each of the others.
        const points = plan.units.reduce((sum, p) => sum + (p.weight ?? 0), 0);
        const tolerance = Math.max(1, (demand * plan.units.length) / points);
        plan.units.forEach((u, i) => {
          const serves = (ready[i] ?? 0) * rate(service, mode, i);
          if (demand <= capacity) {
            expect(u.plannedRps).toBeLessThanOrEqual(serves + tolerance);
          } else {
            // Short of demand: every ready pod equally loaded, or a unit that cannot grow
            // at its rate and the rest shared out by what the growing units' pods serve.
            const capped = names.reduce(
              (sum, _, j) => sum + (frozen[j] === true ? (ready[j] ?? 0) * rate(service, mode, j) : 0),
              0,
            );
            const growing = capacity - capped;
            const bound =
              frozen[i] === true || growing <= 0
                ? Math.max(serves, (serves * demand) / capacity)
                : Math.max((serves * demand) / capacity, ((demand - capped) * serves) / growing);
            expect(u.plannedRps).toBeLessThanOrEqual(bound + tolerance);
          }
        });
      }),
    );
  });

  it("round-robin through the consolidated Service would send single l4/cuda pods past their breaking points; the ready routing does not", () => {
    // inf2 gone, trn1 at 26 pods, one pod of each of the others, after a reclaim.
    const conditions: Record<string, UnitCondition> = {
      "sd21-inf2": { runningPods: 0, unavailable: "no-capacity" },
      "sd21-trn1": { runningPods: 26 },
      "sd21-a10g-triton": { runningPods: 1 },
      "sd21-l4-triton": { runningPods: 1 },
      "sd21-a10g-cuda": { runningPods: 1 },
    };
    const service = { ...svc, units: svc.units.map((u) => ({ ...u, maxReplicaCount: 150 })) };
    const demand = 2400;
    // Round-robin: every ready pod gets demand ÷ 29 ready pods, 82.8 RPS.
    const roundRobin = demand / 29;
    const plan = planService({
      service,
      mode: "capacity",
      demandRps: demand,
      conditions,
      routeToReadyPods: true,
    });
    expect(plan.weighting).toBe("ready-pods");
    for (const [name, breakingPoint] of [
      ["sd21-a10g-triton", 90],
      ["sd21-l4-triton", 61],
      ["sd21-a10g-cuda", 60],
    ] as const) {
      const routed = plan.units.find((u) => u.name === name)?.plannedRps ?? 0;
      expect(routed).toBeLessThanOrEqual(breakingPoint);
    }
    expect(roundRobin).toBeGreaterThan(61);
  });
});

describe("Function: readyRouting", () => {
  const unit = (perPodRps: number, readyPods: number, max: number) => ({
    perPodRps,
    readyPods,
    serves: true,
    min: 0,
    max,
  });

  it("loads every ready pod alike when they can carry demand, and plans the pods each share needs", () => {
    const routing = readyRouting([unit(100, 4, 10), unit(50, 4, 10)], 300, 0.1);
    expect(routing?.loads).toEqual([200, 100]);
    expect(routing?.pods).toEqual([4, 4]);
  });

  it("routes a unit that cannot grow what its pods serve, and the rest to the units that can", () => {
    // The first is capped at its 4 ready pods (400 RPS); 900 RPS is more than 600 ready.
    const routing = readyRouting([unit(100, 4, 4), unit(50, 4, 30)], 900, 0.1);
    expect(routing?.loads).toEqual([400, 500]);
    // The growing unit is held at the pods its 500 RPS need with headroom: 11.
    expect(routing?.pods).toEqual([4, 11]);
  });

  it("is null when no ready pod serves", () => {
    expect(readyRouting([unit(100, 0, 4)], 100, 0.1)).toBeNull();
  });
});
