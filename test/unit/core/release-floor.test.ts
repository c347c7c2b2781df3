import {
  type FloorAction,
  floorWrites,
  HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS,
  type ReleaseFloor,
  releaseFloor,
  replicaFloorPatch,
  type ScaledObjectState,
  SWITCHYARD_ANNOTATIONS,
  scaleDownWindowSeconds,
  unitFloorAction,
} from "@switchyard/core";
import jsonPatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { service } from "../../support/decision-fixtures.ts";

const T = Date.parse("2024-11-14T00:39:11Z");
const SECOND = 1000;
const MARK = SWITCHYARD_ANNOTATIONS.replicaFloor;

describe("Function: releaseFloor", () => {
  it("keeps the pods the unit's planned share needs for one stabilization window of the new HPA and one sync", () => {
    // The HPA's default window (--horizontal-pod-autoscaler-downscale-stabilization 5m) and sync period (15 s).
    expect(HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS).toBe(300);
    expect(releaseFloor({ plannedPods: 9, heldReplicas: 9, object: {}, releasedAt: T })).toEqual({
      pods: 9,
      until: T + 315 * SECOND,
    });
  });

  it.each([
    ["a hold above the plan (it ran more when held) keeps only the plan's pods", 6, 9, 6],
    ["never more than it was held at", 12, 9, 9],
    ["a plan without the unit keeps the held count", undefined, 7, 7],
  ])("%s", (_, plannedPods, heldReplicas, pods) => {
    expect(releaseFloor({ plannedPods, heldReplicas, object: {}, releasedAt: T }).pods).toBe(pods);
  });

  it("follows the ScaledObject's own scale-down window, which KEDA copies into the HPA", () => {
    const behavior = (stabilizationWindowSeconds: unknown) => ({
      spec: {
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds } } },
        },
      },
    });
    expect(scaleDownWindowSeconds(behavior(600))).toBe(600);
    expect(scaleDownWindowSeconds(behavior(0))).toBe(0);
    // Outside the API's 0–3600 or not a whole number: the HPA default.
    expect(scaleDownWindowSeconds(behavior(7200))).toBe(300);
    expect(scaleDownWindowSeconds(behavior("600"))).toBe(300);
    expect(
      releaseFloor({ plannedPods: 3, heldReplicas: 3, object: behavior(600), releasedAt: T }).until,
    ).toBe(T + 615 * SECOND);
  });
});

describe("Function: unitFloorAction", () => {
  const release: ReleaseFloor = { pods: 9, until: T + 315 * SECOND };
  const during = T + 60 * SECOND;
  const after = T + 315 * SECOND;
  const raise = (pods: number): FloorAction => ({ kind: "raise", pods });

  it.each<[string, FloorAction | null, ReleaseFloor | null, number, FloorAction | null]>([
    ["no forecast, no release: nothing to write", null, null, during, null],
    ["the forecast alone acts as before", raise(4), null, during, raise(4)],
    [
      "during the window the release floor wins over a lower forecast",
      raise(4),
      release,
      during,
      { kind: "raise", pods: 9, release },
    ],
    [
      "during the window a higher forecast wins",
      raise(12),
      release,
      during,
      { kind: "raise", pods: 12, release },
    ],
    [
      "a forecast that has no floor does not lower the release's",
      { kind: "restore" },
      release,
      during,
      { kind: "hold-release", release },
    ],
    [
      "without an acting forecast (off, forecast-only, pinned) the release floor stands",
      null,
      release,
      during,
      { kind: "hold-release", release },
    ],
    [
      "after the window the forecast's floor alone (the mark loses the window)",
      raise(4),
      release,
      after,
      raise(4),
    ],
    [
      "after the window without an acting forecast: the owner's value back",
      null,
      release,
      after,
      { kind: "restore" },
    ],
  ])("%s", (_, forecast, releaseFloor, now, expected) => {
    expect(unitFloorAction(forecast, releaseFloor, now)).toEqual(expected);
  });
});

describe("Function: replicaFloorPatch — a lifted hold's floor", () => {
  const object = (minReplicaCount: number, annotations?: Record<string, string>) => ({
    metadata: { resourceVersion: "7", ...(annotations === undefined ? {} : { annotations }) },
    spec: { minReplicaCount, maxReplicaCount: 20 },
  });
  type Floored = {
    metadata: { resourceVersion: string; annotations?: Record<string, string> };
    spec: { minReplicaCount: number; maxReplicaCount: number };
  };
  const apply = (doc: Floored, ops: readonly unknown[]): Floored =>
    jsonPatch.applyPatch(structuredClone(doc), ops as jsonPatch.Operation[]).newDocument;
  const release: ReleaseFloor = { pods: 9, until: Date.parse("2024-11-14T00:44:26Z") };
  const windowMark = "release=9@2024-11-14T00:44:26.000Z";

  it("raises the owner's value to the release floor and marks the window and the owner's value", () => {
    const patch = replicaFloorPatch(object(1, { "team/owner": "ml" }), { kind: "hold-release", release });
    expect(patch).toMatchObject({ outcome: "raised", from: 1, to: 9 });
    const after = apply(object(1, { "team/owner": "ml" }), patch.ops);
    expect(after.spec.minReplicaCount).toBe(9);
    expect(after.metadata.annotations).toEqual({ "team/owner": "ml", [MARK]: `9;base=1;${windowMark}` });
  });

  it("never lowers a higher floor of its own (the forecast's), and keeps its owner's value", () => {
    const patch = replicaFloorPatch(object(12, { [MARK]: "12;base=2" }), { kind: "hold-release", release });
    expect(patch).toMatchObject({ outcome: "raised", from: 12, to: 12 });
    expect(apply(object(12, { [MARK]: "12;base=2" }), patch.ops).metadata.annotations?.[MARK]).toBe(
      `12;base=2;${windowMark}`,
    );
  });

  it("writes nothing when the owner's own value already covers the release floor", () => {
    expect(replicaFloorPatch(object(10), { kind: "hold-release", release })).toMatchObject({
      outcome: "unchanged",
      ops: [],
    });
  });

  it("is idempotent: the same release again writes nothing (a retried ReleaseReceivers)", () => {
    const marked = object(9, { [MARK]: `9;base=1;${windowMark}` });
    expect(replicaFloorPatch(marked, { kind: "hold-release", release }).ops).toEqual([]);
    expect(replicaFloorPatch(marked, { kind: "raise", pods: 9, release }).ops).toEqual([]);
  });

  it("drops the window from the mark once it is over, and restores the owner's value without a floor", () => {
    const marked = object(9, { [MARK]: `9;base=1;${windowMark}` });
    const moved = replicaFloorPatch(marked, { kind: "raise", pods: 4 });
    expect(apply(marked, moved.ops).metadata.annotations?.[MARK]).toBe("4;base=1");
    const restored = apply(marked, replicaFloorPatch(marked, { kind: "restore" }).ops);
    expect(restored.spec.minReplicaCount).toBe(1);
    expect(restored.metadata.annotations).toEqual({});
  });

  it("leaves a value someone else set since alone: only its mark goes", () => {
    const changed = object(5, { [MARK]: `9;base=1;${windowMark}` });
    const patch = replicaFloorPatch(changed, { kind: "hold-release", release });
    expect(patch.outcome).toBe("changed-by-someone-else");
    expect(apply(changed, patch.ops)).toMatchObject({
      spec: { minReplicaCount: 5 },
      metadata: { annotations: {} },
    });
  });
});

describe("Function: floorWrites", () => {
  const svc = service();
  const objects = (marks: Record<string, string>): Record<string, ScaledObjectState> =>
    Object.fromEntries(
      svc.units.map((u) => [
        u.name,
        {
          name: u.scaledObject.name,
          resourceVersion: "1",
          target: "50",
          object: {
            metadata: { annotations: marks[u.name] === undefined ? {} : { [MARK]: marks[u.name] as string } },
          },
        },
      ]),
    );
  const inf2 = svc.units[0]?.name ?? "";

  it("without an acting forecast writes only the units a lifted hold left a floor on, and says until when", () => {
    const read = objects({ [inf2]: "9;base=1;release=9@2024-11-14T00:44:26.000Z" });
    const writes = floorWrites(svc, null, read, T + 60 * SECOND);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ unit: inf2, action: { kind: "hold-release" } });
    expect(writes[0]?.why).toMatch(/a lifted hold keeps .* at 9 pods or more until 00:44:26 UTC/);
    const later = floorWrites(svc, null, read, Date.parse("2024-11-14T00:45:00Z"));
    expect(later).toEqual([
      { unit: inf2, action: { kind: "restore" }, why: expect.stringMatching(/ended at 00:44:26 UTC/) },
    ]);
  });

  it("writes nothing at all with no forecast acting and no release floor", () => {
    expect(floorWrites(svc, null, objects({}), T)).toEqual([]);
    expect(floorWrites(svc, null, null, T)).toEqual([]);
  });
});
