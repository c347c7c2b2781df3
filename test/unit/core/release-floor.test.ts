import { type FloorAction, floorWrites, releaseFloorAction, type ScaledObjectState } from "@switchyard/core";
import { KEDA_PAUSED_REPLICAS, replicaFloorPatch, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import jsonPatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { unitFloorAction } from "../../../packages/core/src/forecast/release-floor.ts";
import type { ReleaseFloor } from "../../../packages/core/src/forecast/replica-floor.ts";
import {
  firstWindowEnd,
  HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS,
  HPA_SYNC_PERIOD_SECONDS,
  scaleDownWindowSeconds,
} from "../../../packages/core/src/manifests/hpa-behavior.ts";
import { service } from "../../support/decision-fixtures.ts";

const T = Date.parse("2024-11-14T00:39:11Z");
const SECOND = 1000;
const MARK = SWITCHYARD_ANNOTATIONS.replicaFloor;
const OWNER = "sd21-rebalance-20241114002700";

describe("Function: releaseFloorAction", () => {
  it.each([
    ["the pods the unit's planned share needs", 9, 9, 9],
    ["a hold above the plan (it ran more when held) keeps only the plan's pods", 6, 9, 6],
    ["never more than it was held at", 12, 9, 9],
    ["a plan without the unit keeps the held count", undefined, 7, 7],
  ])("%s", (_, plannedPods, heldReplicas, pods) => {
    expect(releaseFloorAction({ plannedPods, heldReplicas, releasedAt: T, owner: OWNER })).toEqual({
      kind: "hold-release",
      pods,
      releasedAt: T,
      owner: OWNER,
    });
  });
});

describe("Function: firstWindowEnd", () => {
  const behavior = (stabilizationWindowSeconds: unknown) => ({
    spec: {
      advanced: {
        horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds } } },
      },
    },
  });

  it("is one sync period and one scale-down stabilization window of the HPA KEDA makes anew after the release", () => {
    // The HPA's defaults: --horizontal-pod-autoscaler-downscale-stabilization 5m, --horizontal-pod-autoscaler-sync-period 15s.
    expect(HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS).toBe(300);
    expect(HPA_SYNC_PERIOD_SECONDS).toBe(15);
    expect(firstWindowEnd({}, T)).toBe(T + 315 * SECOND);
  });

  it("follows the ScaledObject's own scale-down window, which KEDA copies into the HPA", () => {
    expect(scaleDownWindowSeconds(behavior(600))).toBe(600);
    expect(scaleDownWindowSeconds(behavior(0))).toBe(0);
    // Outside the API's 0–3600 or not a whole number: the HPA default.
    expect(scaleDownWindowSeconds(behavior(7200))).toBe(300);
    expect(scaleDownWindowSeconds(behavior("600"))).toBe(300);
    expect(firstWindowEnd(behavior(600), T)).toBe(T + 615 * SECOND);
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
      { kind: "keep-release", release },
    ],
    [
      "without an acting forecast (off, forecast-only, pinned) the release floor stands",
      null,
      release,
      during,
      { kind: "keep-release", release },
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
  const HELD = { [KEDA_PAUSED_REPLICAS]: "9", [SWITCHYARD_ANNOTATIONS.heldReplicas]: `9@${OWNER}` };
  type Floored = {
    metadata: { resourceVersion: string; annotations?: Record<string, string> };
    spec: { minReplicaCount: number; maxReplicaCount: number; advanced?: object };
  };
  const object = (minReplicaCount: number, annotations: Record<string, string> = HELD): Floored => ({
    metadata: { resourceVersion: "7", annotations },
    spec: { minReplicaCount, maxReplicaCount: 20 },
  });
  const apply = (doc: Floored, ops: readonly unknown[]): Floored =>
    jsonPatch.applyPatch(structuredClone(doc), ops as jsonPatch.Operation[]).newDocument;
  const lift = (pods = 9): FloorAction => ({ kind: "hold-release", pods, releasedAt: T, owner: OWNER });
  // Released at 00:39:11: one sync and the default 300 s window later.
  const windowMark = "release=9@2024-11-14T00:44:26.000Z";

  it("raises the owner's value to the release floor, marking the owner's value and the window's end", () => {
    const before = object(1, { ...HELD, "team/owner": "ml" });
    const patch = replicaFloorPatch(before, lift());
    expect(patch).toMatchObject({ outcome: "raised", from: 1, to: 9 });
    const after = apply(before, patch.ops);
    expect(after.spec.minReplicaCount).toBe(9);
    expect(after.metadata.annotations).toEqual({
      ...HELD,
      "team/owner": "ml",
      [MARK]: `9;base=1;${windowMark}`,
    });
  });

  it("counts the window the ScaledObject's own HPA behavior sets", () => {
    const before = {
      ...object(1),
      spec: {
        minReplicaCount: 1,
        maxReplicaCount: 20,
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } },
        },
      },
    };
    expect(apply(before, replicaFloorPatch(before, lift()).ops).metadata.annotations?.[MARK]).toBe(
      "9;base=1;release=9@2024-11-14T00:49:26.000Z",
    );
  });

  it("never lowers a higher floor of its own (the forecast's), and keeps its owner's value", () => {
    const before = object(12, { ...HELD, [MARK]: "12;base=2" });
    const patch = replicaFloorPatch(before, lift());
    expect(patch).toMatchObject({ outcome: "raised", from: 12, to: 12 });
    expect(apply(before, patch.ops).metadata.annotations?.[MARK]).toBe(`12;base=2;${windowMark}`);
  });

  it("writes nothing when the owner's own value already covers the release floor", () => {
    expect(replicaFloorPatch(object(10), lift())).toMatchObject({ outcome: "unchanged", ops: [] });
  });

  it.each([
    ["no hold at all (a retried ReleaseReceivers after the hold went)", {}],
    [
      "a hold another switch took over",
      { ...HELD, [SWITCHYARD_ANNOTATIONS.heldReplicas]: "9@sd21-reroute-20241114004000" },
    ],
    ["paused-replicas someone else changed since", { ...HELD, [KEDA_PAUSED_REPLICAS]: "3" }],
  ])("gives no floor to a unit this release does not unpause: %s", (_, annotations) => {
    expect(replicaFloorPatch(object(1, annotations), lift())).toMatchObject({
      outcome: "unchanged",
      ops: [],
    });
  });

  it("is idempotent: the same floor again writes nothing", () => {
    const marked = object(9, { ...HELD, [MARK]: `9;base=1;${windowMark}` });
    expect(replicaFloorPatch(marked, lift()).ops).toEqual([]);
    const release: ReleaseFloor = { pods: 9, until: Date.parse("2024-11-14T00:44:26Z") };
    expect(replicaFloorPatch(marked, { kind: "keep-release", release }).ops).toEqual([]);
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
    const changed = object(5, { ...HELD, [MARK]: `9;base=1;${windowMark}` });
    const patch = replicaFloorPatch(changed, lift());
    expect(patch.outcome).toBe("changed-by-someone-else");
    expect(apply(changed, patch.ops)).toMatchObject({
      spec: { minReplicaCount: 5 },
      metadata: { annotations: HELD },
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
    expect(writes[0]).toMatchObject({ unit: inf2, action: { kind: "keep-release" } });
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
