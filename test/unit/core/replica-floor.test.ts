import { DAY, type DemandHistory, type FloorAction, replicaFloors } from "@switchyard/core";
import { parseFloorMark, replicaFloorPatch, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import jsonPatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import {
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  minutes,
  service,
  state,
  T0,
  UNITS,
} from "../../support/decision-fixtures.ts";

/** `days` days of the service's history at a constant `rps` (5-minute periods), ending before now. */
function flatHistory(rps: number, days: number, end = T0 - 2 * MINUTE): DemandHistory {
  const periodMs = 5 * MINUTE;
  return { start: end - days * DAY, periodMs, rps: new Array(Math.round((days * DAY) / periodMs)).fill(rps) };
}

/** Each unit's share of CALM weights times `rps`, in 30 measured minutes. */
function signalsAt(totalRps: (minute: number) => number) {
  const total = Object.values(COST_WEIGHTS).reduce((sum, w) => sum + w, 0);
  return {
    ...calmSignals(),
    minutes: Object.fromEntries(
      UNITS.map((unit) => [
        unit,
        minutes(30, (i) => ({ rps: (totalRps(i) * (COST_WEIGHTS[unit] ?? 0)) / total })),
      ]),
    ),
  };
}

describe("Function: replicaFloors", () => {
  it("starts each unit's pods a start-up ahead of a rise: its weight's share of the forecast at its safe rate", () => {
    // 200 RPS now and rising 10 RPS a minute: inf2 (9 min start-up) must carry its share
    // of what demand will be 9 minutes on, not now.
    const rising = signalsAt((i) => 200 + 10 * i);
    const floors = replicaFloors(state(), rising, null, T0);
    expect(floors.acts).toBe(true);
    const inf2 = floors.units.find((u) => u.unit === "sd21-inf2");
    const share = (COST_WEIGHTS["sd21-inf2"] ?? 0) / Object.values(COST_WEIGHTS).reduce((a, b) => a + b, 0);
    // The newest measured minute (from T0-1 min) is 490 RPS at its middle; a pod started
    // now is ready at T0+9 min, and the floor covers the minute after: 490 + 10.5 × 10 = 595.
    expect(inf2?.forecastRps).toBeCloseTo(share * 595, 6);
    expect(inf2?.action).toEqual({ kind: "raise", pods: Math.ceil((share * 595) / 105) });
    expect(inf2?.why).toMatch(/9 min start-up ahead/);
  });

  it("holds the pods the level now needs on a flat day, no more: within what KEDA asks for already", () => {
    const flat = signalsAt(() => 1000);
    const floors = replicaFloors(state(), flat, flatHistory(1000, 3), T0);
    for (const floor of floors.units) {
      const unit = service().units.find((u) => u.name === floor.unit);
      const load = floor.forecastRps ?? 0;
      // KEDA's target is the safe rate ÷ 1.1: it asks for ceil(load ÷ target) pods.
      const keda = Math.ceil(load / ((unit?.maxRps ?? 1) / 1.1));
      expect(floor.action.kind).toBe("raise");
      expect(floor.action.kind === "raise" ? floor.action.pods : 0).toBeLessThanOrEqual(keda);
    }
  });

  it("holds a unit that cannot add pods at the pods it runs: none queued where EC2 has none, none drained", () => {
    const rising = {
      ...signalsAt((i) => 200 + 10 * i),
      capacity: [capacityError("inf2.xlarge", T0 - 2 * MINUTE)],
    };
    // inf2 runs 2 ready pods (the fixture's); the rise alone would ask for more.
    const floors = replicaFloors(state(), rising, null, T0);
    const inf2 = floors.units.find((u) => u.unit === "sd21-inf2");
    expect(inf2?.action).toEqual({ kind: "raise", pods: 2 });
    expect(inf2?.why).toBe("sd21-inf2 cannot add pods now: its floor holds the 2 pods that run");
    expect(floors.units.find((u) => u.unit === "sd21-trn1")?.action.kind).toBe("raise");
  });

  it("restores the owner's value when there is no forecast (no history, too few measured minutes)", () => {
    const floors = replicaFloors(state(), { minutes: {}, capacity: [] }, null, T0);
    expect(floors.units.every((u) => u.action.kind === "restore")).toBe(true);
  });

  it("records but does not act in forecast-only mode", () => {
    const s = service();
    const only = state({ service: { ...s, forecast: { ...s.forecast, mode: "forecast-only" } } });
    const floors = replicaFloors(
      only,
      signalsAt((i) => 200 + 10 * i),
      null,
      T0,
    );
    expect(floors.acts).toBe(false);
    expect(floors.units.some((u) => u.action.kind === "raise")).toBe(true);
  });

  it("shares demand by pods through the consolidated Service in capacity mode", () => {
    const capacity = state({
      mode: "capacity",
      units: Object.fromEntries(
        UNITS.map((u, i) => [
          u,
          { desiredReplicas: i + 1, readyReplicas: i + 1, unschedulableSince: null, unschedulablePods: 0 },
        ]),
      ),
    });
    const floors = replicaFloors(
      capacity,
      signalsAt(() => 600),
      flatHistory(600, 2),
      T0,
    );
    const loads = floors.units.map((u) => u.forecastRps ?? 0);
    // 15 pods in all: the fifth unit's 5 carry a third of the demand.
    expect(loads[4]).toBeCloseTo((loads[0] ?? 0) * 5, 6);
    expect((loads[4] ?? 0) / loads.reduce((a, b) => a + b, 0)).toBeCloseTo(1 / 3, 6);
  });
});

describe("Function: replicaFloorPatch", () => {
  const raise = (pods: number): FloorAction => ({ kind: "raise", pods });
  const object = (minReplicaCount: number | undefined, annotations?: Record<string, string>) => ({
    metadata: { resourceVersion: "7", ...(annotations === undefined ? {} : { annotations }) },
    spec: { maxReplicaCount: 20, ...(minReplicaCount === undefined ? {} : { minReplicaCount }) },
  });
  const apply = (doc: object, ops: readonly unknown[]) =>
    jsonPatch.applyPatch(structuredClone(doc), ops as jsonPatch.Operation[]).newDocument;

  it.each([
    ["raises the owner's 1 to 6 and marks it", object(1), raise(6), "raised", 6, "6;base=1"],
    [
      "moves its own floor",
      object(6, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" }),
      raise(9),
      "raised",
      9,
      "9;base=1",
    ],
    [
      "keeps its own floor when it is right",
      object(6, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" }),
      raise(6),
      "unchanged",
      6,
      "6;base=1",
    ],
    [
      "puts the owner's value back when the floor falls to it",
      object(6, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" }),
      raise(1),
      "restored",
      1,
      undefined,
    ],
    [
      "puts the owner's value back on restore",
      object(6, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=2" }),
      { kind: "restore" } as FloorAction,
      "restored",
      2,
      undefined,
    ],
    ["never lowers the owner's value", object(4), raise(2), "unchanged", 4, undefined],
    [
      "never goes past maxReplicaCount (KEDA's webhook refuses min > max)",
      object(1),
      raise(50),
      "raised",
      20,
      "20;base=1",
    ],
    [
      "drops its mark only when someone else set minReplicaCount since",
      object(3, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" }),
      raise(9),
      "changed-by-someone-else",
      3,
      undefined,
    ],
    [
      "keeps: writes nothing",
      object(6, { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" }),
      { kind: "keep" } as FloorAction,
      "unchanged",
      6,
      "6;base=1",
    ],
  ])("%s", (_, before, action, outcome, min, mark) => {
    const patch = replicaFloorPatch(before, action);
    expect(patch.outcome).toBe(outcome);
    const after = apply(before, patch.ops) as ReturnType<typeof object>;
    expect(after.spec.minReplicaCount).toBe(min);
    expect(after.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor]).toBe(mark);
    expect(patch.to).toBe(min);
  });

  it("restores an absent minReplicaCount by removing it again, and leaves other annotations alone", () => {
    const before = object(undefined, { "team/owner": "ml" });
    const raised = apply(before, replicaFloorPatch(before, raise(5)).ops) as ReturnType<typeof object>;
    expect(raised.metadata.annotations).toEqual({
      "team/owner": "ml",
      [SWITCHYARD_ANNOTATIONS.replicaFloor]: "5;base=-",
    });
    const restored = apply(raised, replicaFloorPatch(raised, { kind: "restore" }).ops) as ReturnType<
      typeof object
    >;
    expect(restored.spec).toEqual({ maxReplicaCount: 20 });
    expect(restored.metadata.annotations).toEqual({ "team/owner": "ml" });
  });

  it("guards every write with the resourceVersion read: a concurrent write makes the server refuse it", () => {
    const before = object(1);
    const ops = replicaFloorPatch(before, raise(4)).ops;
    expect(ops[0]).toEqual({ op: "test", path: "/metadata/resourceVersion", value: "7" });
    const moved = { ...before, metadata: { ...before.metadata, resourceVersion: "8" } };
    expect(() => apply(moved, ops)).toThrow();
  });

  it("reads its mark and nothing else", () => {
    expect(parseFloorMark("12;base=3")).toEqual({ floor: 12, base: 3, release: null });
    expect(parseFloorMark("12;base=-")).toEqual({ floor: 12, base: null, release: null });
    expect(parseFloorMark("9;base=1;release=9@2024-11-14T00:44:26.000Z")).toEqual({
      floor: 9,
      base: 1,
      release: { pods: 9, until: Date.parse("2024-11-14T00:44:26.000Z") },
    });
    // A window that cannot be read is no window: the floor and the owner's value still are.
    expect(parseFloorMark("9;base=1;release=9@soon")).toEqual({ floor: 9, base: 1, release: null });
    expect(parseFloorMark("twelve")).toBeNull();
    expect(parseFloorMark(undefined)).toBeNull();
  });
});
