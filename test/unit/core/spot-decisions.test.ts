import {
  type CapacitySignal,
  decide,
  type InferenceService,
  planService,
  type SwitchRecord,
} from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { observe } from "../../../packages/core/src/decision/observations.ts";
import { answersNewLoss, supersedes } from "../../../packages/core/src/decision/supersede.ts";
import type {
  DecisionSignals,
  ServiceState,
  UnitRuntime,
} from "../../../packages/core/src/decision/types.ts";
import {
  blocksEveryOffering,
  placedPods,
  reclaimingPods,
  signalConcerns,
  warnedCells,
} from "../../../packages/core/src/decision/unit-capacity.ts";
import { MINUTE, minutes, state, T0, UNITS } from "../../support/decision-fixtures.ts";
import { sd21Service } from "../../support/sd21.ts";

const ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"];
const DEMAND = 3000;

/** The SD2.1 service with room to scale (150 pods a unit), inf2 on `capacityTypes`, in `zones` when given. */
function spotService(
  capacityTypes: readonly ("spot" | "on-demand")[] = ["spot"],
  zones?: readonly string[],
  maxLossShare = 0.1,
): InferenceService {
  const base = sd21Service();
  return {
    ...base,
    policy: { ...base.policy, hedge: { maxLossShare } },
    units: base.units.map((u) => ({
      ...u,
      maxReplicaCount: 150,
      ...(u.name === "sd21-inf2" ? { capacityTypes, ...(zones === undefined ? {} : { zones }) } : {}),
    })),
  };
}

/** The service settled on its cost plan at DEMAND: the plan's weights, its pods all ready. */
function settled(service: InferenceService, overrides: Partial<ServiceState> = {}): ServiceState {
  const plan = planService({ service, mode: "cost", demandRps: DEMAND });
  const units: Record<string, UnitRuntime> = Object.fromEntries(
    plan.units.map((u) => [
      u.name,
      { desiredReplicas: u.pods, readyReplicas: u.pods, unschedulableSince: null, unschedulablePods: 0 },
    ]),
  );
  return state({
    service,
    weights: Object.fromEntries(plan.units.map((u) => [u.name, u.weight ?? 0])),
    units,
    ...overrides,
  });
}

/** Half an hour at DEMAND, split as the weights in force route it. */
function traffic(s: ServiceState, capacity: readonly CapacitySignal[] = []): DecisionSignals {
  const weights = s.weights ?? {};
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return {
    minutes: Object.fromEntries(
      UNITS.map((u) => [
        u,
        minutes(30, () => ({ rps: total > 0 ? (DEMAND * (weights[u] ?? 0)) / total : 0 })),
      ]),
    ),
    capacity,
  };
}

function warning(zone?: string, at = T0 - 20_000): CapacitySignal {
  return {
    instanceType: "inf2.xlarge",
    at,
    source: "spot-interruption",
    code: "SpotInterruption",
    count: 1,
    capacityType: "spot",
    ...(zone === undefined ? {} : { availabilityZone: zone }),
  };
}

function launchError(capacityType: "spot" | "on-demand", zone?: string, at = T0 - MINUTE): CapacitySignal {
  return {
    instanceType: "inf2.xlarge",
    at,
    source: "cloudtrail-create-fleet",
    code: "InsufficientInstanceCapacity",
    count: 1,
    capacityType,
    ...(zone === undefined ? {} : { availabilityZone: zone }),
  };
}

describe("Function: decide — a Spot interruption warning", () => {
  it("moves the warned unit's traffic onto the pods already standing at once: an urgent reroute, inf2 at weight 0", () => {
    // maxLossShare 0: the pods standing elsewhere serve all of demand.
    const s = settled(spotService(["spot"], undefined, 0));
    const decision = decide(s, traffic(s, [warning()]), s.service.policy, T0);
    expect(decision.kind).toBe("reroute");
    if (decision.kind !== "reroute") throw new Error("not a reroute");
    expect(decision.urgent).toBe(true);
    expect(decision.causes).toEqual(["sd21-inf2"]);
    expect(decision.weights.target["sd21-inf2"]).toBe(0);
    expect(decision.conditions["sd21-inf2"]).toMatchObject({
      reclaimingPods: s.units["sd21-inf2"]?.readyReplicas,
    });
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "spot-interruption", unit: "sd21-inf2", breached: true }),
    );
    // The pods left standing carry the demand: each receiver is routed no more than its ready pods serve.
    const plan = planService({
      service: s.service,
      mode: "cost",
      demandRps: DEMAND,
      conditions: decision.conditions,
      routeToReadyPods: true,
    });
    expect(plan.weighting).toBe("ready-pods");
    plan.units.forEach((u, i) => {
      const ready =
        (s.units[u.name]?.readyReplicas ?? 0) - (decision.conditions[u.name]?.reclaimingPods ?? 0);
      // Whole weight points: the others' weights round down, so a unit's share may gain up
      // to one point of the total from each of them.
      const points = plan.units.reduce((sum, p) => sum + (p.weight ?? 0), 0);
      const tolerance = Math.max(1, (DEMAND * plan.units.length) / points);
      expect(u.plannedRps).toBeLessThanOrEqual(
        Math.max(0, ready) * (s.service.units[i]?.maxRps ?? 0) + tolerance,
      );
    });
  });

  it("takes a warned zone's cell as going (the unit's ready pods ÷ its zones) and plans the unit at the rest", () => {
    const s = settled(spotService(["spot"], ZONES));
    const ready = s.units["sd21-inf2"]?.readyReplicas ?? 0;
    const decision = decide(s, traffic(s, [warning("us-west-2b")]), s.service.policy, T0);
    expect(decision.kind).toBe("reroute");
    expect(decision.conditions["sd21-inf2"]).toEqual({
      runningPods: ready,
      reclaimingPods: Math.ceil(ready / 3),
      reclaimingZones: ["us-west-2b"],
      impairedZones: ["us-west-2b"],
      maxPods: ready - Math.ceil(ready / 3),
    });
    if (decision.kind === "reroute") {
      expect(decision.weights.target["sd21-inf2"]).toBeGreaterThan(0);
    }
  });

  it("takes a warned zone's cell from where the cluster's nodes say the pods stand: all of them when they all stand there", () => {
    // After 2a and 2c lost their Spot capacity, every inf2 pod came back in 2b: a warning
    // there takes them all, not a third of them.
    const s = settled(spotService(["spot"], ZONES));
    const ready = s.units["sd21-inf2"]?.readyReplicas ?? 0;
    const nodes = [
      {
        instanceType: "inf2.xlarge",
        availabilityZone: "us-west-2b",
        capacityType: "spot" as const,
        nodes: ready,
      },
    ];
    const decision = decide(s, { ...traffic(s, [warning("us-west-2b")]), nodes }, s.service.policy, T0);
    expect(decision.kind).toBe("reroute");
    expect(decision.conditions["sd21-inf2"]).toMatchObject({
      reclaimingPods: ready,
      placedPods: { "us-west-2a": 0, "us-west-2b": ready, "us-west-2c": 0 },
    });
    if (decision.kind === "reroute") {
      expect(decision.weights.target["sd21-inf2"]).toBe(0);
    }
    // Without the nodes, a third of them.
    const spread = decide(s, traffic(s, [warning("us-west-2b")]), s.service.policy, T0);
    expect(spread.conditions["sd21-inf2"]?.reclaimingPods).toBe(Math.ceil(ready / 3));
  });

  it("places a unit's ready pods by its Spot nodes per zone, of all its instance types' nodes", () => {
    const unit = spotService(["spot", "on-demand"], ZONES).units[0] as InferenceService["units"][number];
    const node = (
      zone: string,
      capacityType: "spot" | "on-demand",
      nodes: number,
      instanceType = "inf2.xlarge",
    ) => ({
      instanceType,
      availabilityZone: zone,
      capacityType,
      nodes,
    });
    // 10 nodes: 6 Spot in 2a, 2 Spot in 2b, 2 on-demand in 2c; a g5 node is another unit's.
    const nodes = [
      node("us-west-2a", "spot", 6),
      node("us-west-2b", "spot", 2),
      node("us-west-2c", "on-demand", 2),
      node("us-west-2c", "spot", 9, "g5.xlarge"),
    ];
    expect(placedPods(unit, nodes, 10)).toEqual({ "us-west-2a": 6, "us-west-2b": 2, "us-west-2c": 0 });
    // Ready pods apportioned by largest remainder: 7 × 6/10 = 4.2, 7 × 2/10 = 1.4 → 4 and 2 (5.6 rounds to 6).
    expect(placedPods(unit, nodes, 7)).toEqual({ "us-west-2a": 4, "us-west-2b": 2, "us-west-2c": 0 });
    expect(placedPods(unit, [], 7)).toBeNull();
    expect(placedPods(unit, undefined, 7)).toBeNull();
    const { zones: _zones, ...unzoned } = unit;
    expect(placedPods(unzoned, nodes, 7)).toBeNull();
    expect(
      reclaimingPods(unit, { zones: ["us-west-2a"], wholeUnit: false }, 10, placedPods(unit, nodes, 10)),
    ).toBe(6);
  });

  it("counts the cells a running reroute was started for in the last two minutes with its own", () => {
    const service = spotService(["spot"], ZONES);
    const first = settled(service);
    const ready = first.units["sd21-inf2"]?.readyReplicas ?? 0;
    const running: SwitchRecord = {
      name: "sd21-reroute-202611142119",
      move: "reroute",
      startedAt: T0 - MINUTE,
      status: "RUNNING",
      answered: {
        causes: ["sd21-inf2"],
        conditions: {
          "sd21-inf2": {
            runningPods: ready,
            reclaimingPods: Math.ceil(ready / 3),
            reclaimingZones: ["us-west-2a"],
          },
        },
      },
    };
    const s = { ...first, switches: [running] };
    const decision = decide(s, traffic(s, [warning("us-west-2c")]), service.policy, T0);
    expect(decision.conditions["sd21-inf2"]).toMatchObject({
      reclaimingPods: 2 * Math.ceil(ready / 3),
      reclaimingZones: ["us-west-2a", "us-west-2c"],
    });
    // A second zone is a loss the running reroute was not planned for: it supersedes it.
    if (decision.kind !== "reroute") throw new Error("not a reroute");
    expect(answersNewLoss(decision.causes, decision.conditions, running)).toBe(true);
    expect(supersedes("reroute", running, null, undefined, true)).toBe(true);
    expect(supersedes("reroute", running, null, undefined, false)).toBe(false);
  });

  it("counts a warning for a unit that does not say it runs on Spot, when no unit of its type does: the instance is Spot", () => {
    const onDemand = sd21Service();
    expect(
      signalConcerns(onDemand.units[0] as InferenceService["units"][number], warning(), onDemand.units),
    ).toBe(true);
    const spot = spotService();
    const withSpotPeer = [
      ...onDemand.units,
      { ...(spot.units[0] as InferenceService["units"][number]), name: "x" },
    ];
    expect(
      signalConcerns(onDemand.units[0] as InferenceService["units"][number], warning(), withSpotPeer),
    ).toBe(false);
  });
});

describe("Function: answersNewLoss", () => {
  const running = (reclaimingPods: number): SwitchRecord => ({
    name: "sd21-reroute-202611142119",
    move: "reroute",
    startedAt: T0 - MINUTE,
    status: "RUNNING",
    answered: { causes: ["sd21-inf2"], conditions: { "sd21-inf2": { runningPods: 12, reclaimingPods } } },
  });
  it.each([
    {
      case: "the same cell warned again (another instance of it)",
      now: { runningPods: 12, reclaimingPods: 4 },
      causes: ["sd21-inf2"],
      expected: false,
    },
    {
      case: "a second cell warned",
      now: { runningPods: 12, reclaimingPods: 8 },
      causes: ["sd21-inf2"],
      expected: true,
    },
    {
      case: "the warned pods gone, as planned",
      now: { runningPods: 8 },
      causes: ["sd21-inf2"],
      expected: false,
    },
    {
      case: "more pods gone than planned (a crowded zone)",
      now: { runningPods: 6 },
      causes: ["sd21-inf2"],
      expected: true,
    },
    {
      case: "a cause it did not name",
      now: { runningPods: 8 },
      causes: ["sd21-inf2", "sd21-trn1"],
      expected: true,
    },
  ])("$case: $expected", ({ now, causes, expected }) => {
    expect(answersNewLoss(causes, { "sd21-inf2": now }, running(4))).toBe(expected);
  });

  it("is false for a running move whose input was not read", () => {
    const { answered: _answered, ...unread } = running(4);
    expect(answersNewLoss(["sd21-inf2"], { "sd21-inf2": { runningPods: 0 } }, unread)).toBe(false);
  });
});

describe("Function: decide — an empty target group", () => {
  it("gives a unit that carries traffic with no ready pod weight 0 in the evaluation that sees it, with no capacity error yet", () => {
    const base = settled(spotService());
    const inf2 = base.units["sd21-inf2"] as UnitRuntime;
    const s = { ...base, units: { ...base.units, "sd21-inf2": { ...inf2, readyReplicas: 0 } } };
    const decision = decide(s, traffic(s), s.service.policy, T0);
    expect(decision.kind).toBe("reroute");
    if (decision.kind !== "reroute") throw new Error("not a reroute");
    expect(decision.urgent).toBe(true);
    expect(decision.weights.target["sd21-inf2"]).toBe(0);
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "empty-target-group", unit: "sd21-inf2", breached: true }),
    );
  });

  it("leaves the routing alone when every unit has no ready pod: there is nowhere better to send it", () => {
    const base = settled(sd21Service());
    const s = {
      ...base,
      units: Object.fromEntries(
        Object.entries(base.units).map(([name, u]) => [name, { ...u, desiredReplicas: 2, readyReplicas: 0 }]),
      ),
    };
    const decision = decide(s, traffic(s), s.service.policy, T0);
    expect(decision.evidence.some((e) => e.rule === "empty-target-group")).toBe(false);
  });
});

describe("Function: blocksEveryOffering — what stops a unit from growing", () => {
  const unitOf = (service: InferenceService) => service.units[0] as InferenceService["units"][number];
  it.each([
    {
      case: "on-demand only, any error",
      unit: unitOf(sd21Service()),
      signals: [launchError("on-demand")],
      blocked: true,
    },
    {
      case: "Spot only, a Spot error",
      unit: unitOf(spotService(["spot"])),
      signals: [launchError("spot")],
      blocked: true,
    },
    {
      case: "Spot with on-demand fallback, a Spot error (Karpenter falls back to on-demand)",
      unit: unitOf(spotService(["spot", "on-demand"])),
      signals: [launchError("spot")],
      blocked: false,
    },
    {
      case: "Spot with on-demand fallback, both fail",
      unit: unitOf(spotService(["spot", "on-demand"])),
      signals: [launchError("spot"), launchError("on-demand")],
      blocked: true,
    },
    {
      case: "three zones, one fails (Karpenter launches in the others)",
      unit: unitOf(spotService(["spot"], ZONES)),
      signals: [launchError("spot", "us-west-2a")],
      blocked: false,
    },
    {
      case: "three zones, all fail",
      unit: unitOf(spotService(["spot"], ZONES)),
      signals: ZONES.map((z) => launchError("spot", z)),
      blocked: true,
    },
    {
      case: "three zones, an error naming none",
      unit: unitOf(spotService(["spot"], ZONES)),
      signals: [launchError("spot")],
      blocked: true,
    },
  ])("$case: $blocked", ({ unit, signals, blocked }) => {
    expect(blocksEveryOffering(unit, signals)).toBe(blocked);
  });

  it("does not freeze a unit that falls back to on-demand on a Spot-only error, and does freeze a Spot-only one", () => {
    for (const [capacityTypes, frozen] of [
      [["spot", "on-demand"], false],
      [["spot"], true],
    ] as const) {
      const s = settled(spotService(capacityTypes));
      const observations = observe(s, traffic(s, [launchError("spot")]), s.service.policy, T0);
      expect(observations.conditions["sd21-inf2"]?.unavailable).toBe(frozen ? "no-capacity" : undefined);
      const decision = decide(s, traffic(s, [launchError("spot")]), s.service.policy, T0);
      expect(
        decision.evidence.some((e) => e.rule === "capacity-errors" && "breached" in e && e.breached),
      ).toBe(frozen);
    }
  });

  it("marks a zone that lost Spot capacity in the quiet period as impaired, for the hedge's cells", () => {
    const s = settled(spotService(["spot"], ZONES));
    const observations = observe(
      s,
      traffic(s, [launchError("spot", "us-west-2c", T0 - 8 * MINUTE)]),
      s.service.policy,
      T0,
    );
    expect(observations.conditions["sd21-inf2"]?.impairedZones).toEqual(["us-west-2c"]);
  });
});

describe("Functions: warnedCells, reclaimingPods", () => {
  const zoned = spotService(["spot"], ZONES).units[0] as InferenceService["units"][number];
  it("names the warned zones, or the whole unit when a warning names none", () => {
    expect(warnedCells(zoned, [warning("us-west-2b"), warning("us-west-2b")], [])).toEqual({
      zones: ["us-west-2b"],
      wholeUnit: false,
    });
    expect(warnedCells(zoned, [warning()], []).wholeUnit).toBe(true);
  });
  it.each([
    { zones: ["us-west-2a"], ready: 9, pods: 3 },
    { zones: ["us-west-2a"], ready: 10, pods: 4 },
    { zones: ["us-west-2a", "us-west-2c"], ready: 9, pods: 6 },
    { zones: ZONES, ready: 9, pods: 9 },
  ])("$zones of 9-10 ready pods over three zones: $pods", ({ zones, ready, pods }) => {
    expect(reclaimingPods(zoned, { zones, wholeUnit: false }, ready)).toBe(pods);
  });
});

describe("Function: decide — the hedge in force", () => {
  it("names the hedge as the reason when the weights are both exposed and dearer: that is why anti-flap does not hold it", () => {
    const service = spotService();
    // inf2 (Spot) carries 60 %, the dearest unit the rest: one Spot loss leaves more of
    // demand than the hedge allows, and the cost plan saves well past the dead band.
    const dear = [...service.units].sort((a, b) => b.hourlyPrice / b.maxRps - a.hourlyPrice / a.maxRps)[0]
      ?.name;
    const weights = Object.fromEntries(
      service.units.map((u) => [u.name, u.name === "sd21-inf2" ? 600 : u.name === dear ? 400 : 0]),
    );
    const s = settled(service, { weights, lastTransitionAt: T0 - 2 * MINUTE });
    const decision = decide(s, traffic(s), service.policy, T0);
    expect(decision.kind).toBe("rebalance");
    expect(decision.reasons[0]).toMatch(/than the hedge allows \(policy\.hedge\.maxLossShare 0\.1\)/);
  });

  it("rebalances to the hedged plan at once when the weights leave more of demand to one Spot loss than the budget", () => {
    const service = spotService();
    const unhedged = planService({
      service: { ...service, policy: { ...service.policy, hedge: { maxLossShare: 1 } } },
      mode: "cost",
      demandRps: DEMAND,
    });
    const s = settled(service, {
      weights: Object.fromEntries(unhedged.units.map((u) => [u.name, u.weight ?? 0])),
      // Just moved: anti-flap would hold a calm rebalance back.
      lastTransitionAt: T0 - 2 * MINUTE,
    });
    const decision = decide(s, traffic(s), service.policy, T0);
    expect(decision.kind).toBe("rebalance");
    expect(decision.reasons[0]).toMatch(/than the hedge allows \(policy\.hedge\.maxLossShare 0\.1\)/);
    if (decision.kind === "rebalance") {
      expect(decision.weights.target["sd21-inf2"] ?? 999).toBeLessThan(
        decision.weights.current["sd21-inf2"] ?? 0,
      );
    }
  });
});
