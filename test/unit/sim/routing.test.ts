import { describe, expect, it } from "vitest";
import type { AppliedRule } from "../../../packages/sim/src/model/load-balancer.ts";
import { routeDemand } from "../../../packages/sim/src/model/routing.ts";
import { sd21Service } from "../../support/sd21.ts";

const service = sd21Service();
const rule = (weights: Record<string, number>): AppliedRule => ({
  weights: new Map(Object.entries(weights)),
  mode: "cost",
  appliedAt: 0,
});
const pods = (counts: Record<string, number>) => new Map(Object.entries(counts));
const ALL_ONE = {
  "sd21-inf2": 1,
  "sd21-trn1": 1,
  "sd21-a10g-triton": 1,
  "sd21-l4-triton": 1,
  "sd21-a10g-cuda": 1,
};

describe("Function: routeDemand", () => {
  it("splits demand by target-group weight, each unit's Service to its own pods", () => {
    const routed = routeDemand(
      400,
      rule({
        "sd21-inf2": 40,
        "sd21-trn1": 20,
        "sd21-a10g-triton": 15,
        "sd21-l4-triton": 10,
        "sd21-a10g-cuda": 15,
      }),
      service,
      pods({ ...ALL_ONE, "sd21-inf2": 2 }),
    );
    expect(Object.fromEntries(routed.unitRps)).toEqual({
      "sd21-inf2": 160,
      "sd21-trn1": 80,
      "sd21-a10g-triton": 60,
      "sd21-l4-triton": 40,
      "sd21-a10g-cuda": 60,
    });
    expect(routed.healthyHosts.get("sd21-inf2")).toBe(2);
    expect(routed.elbFailedRps.size).toBe(0);
  });

  it("spreads the consolidated Service's share per pod over every unit, so a unit's share follows its pods", () => {
    const routed = routeDemand(
      600,
      rule({ sd21: 100 }),
      service,
      pods({
        "sd21-inf2": 0,
        "sd21-trn1": 2,
        "sd21-a10g-triton": 1,
        "sd21-l4-triton": 2,
        "sd21-a10g-cuda": 1,
      }),
    );
    expect(routed.unitRps.get("sd21-inf2")).toBe(0);
    expect(routed.unitRps.get("sd21-trn1")).toBe(200);
    expect(routed.unitRps.get("sd21-a10g-triton")).toBe(100);
    expect(routed.healthyHosts.get("sd21")).toBe(6);
    expect(routed.byTargetGroup.get("sd21")?.get("sd21-l4-triton")).toBe(200);
  });

  it("answers a weighted group's share with ELB 503 when it has no ready pod", () => {
    const routed = routeDemand(
      100,
      rule({ "sd21-inf2": 50, "sd21-trn1": 50 }),
      service,
      pods({ ...ALL_ONE, "sd21-inf2": 0 }),
    );
    expect(routed.elbFailedRps.get("sd21-inf2")).toBe(50);
    expect(routed.unitRps.get("sd21-trn1")).toBe(50);
    expect(routed.healthyHosts.get("sd21-inf2")).toBe(0);
  });

  it("serves nothing when every weight is 0, and reports no health for groups outside the rule", () => {
    const routed = routeDemand(100, rule({ "sd21-inf2": 0 }), service, pods(ALL_ONE));
    expect([...routed.elbFailedRps.values()].reduce((a, b) => a + b, 0)).toBe(100);
    expect(routed.healthyHosts.has("sd21-trn1")).toBe(false);
  });
});
