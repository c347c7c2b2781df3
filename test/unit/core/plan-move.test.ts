import { ManifestError, MOVES, planService } from "@switchyard/core";
import { actionAnnotationKey, parseForwardAction } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import * as planning from "../../../packages/core/src/workflow/plan-move.ts";
import { healthyWorkloads, seedCostIngress, seedCostTargets } from "../../support/controller-fixtures.ts";
import { service } from "../../support/decision-fixtures.ts";

const svc = service();
const { receiverReadyTimeoutSeconds: urgentWait, calmMoveReadyTimeoutSeconds: calmWait } = svc.policy;

describe("Function: readyTimeoutSeconds", () => {
  it.each([
    { move: "failover", urgent: true, seconds: urgentWait },
    { move: "failover", urgent: false, seconds: calmWait },
    { move: "reroute", urgent: true, seconds: urgentWait },
    { move: "reroute", urgent: false, seconds: calmWait },
    { move: "fallback", urgent: true, seconds: calmWait },
    { move: "rebalance", urgent: false, seconds: calmWait },
    { move: "repair", urgent: false, seconds: calmWait },
  ] as const)("a $move, urgent $urgent, waits $seconds s for its receivers", ({ move, urgent, seconds }) => {
    expect(planning.readyTimeoutSeconds(move, urgent, svc)).toBe(seconds);
  });

  it("covers every move", () => {
    for (const move of MOVES) {
      expect(planning.readyTimeoutSeconds(move, false, svc)).toBe(calmWait);
    }
  });
});

function scaledObjects(targets = seedCostTargets()): planning.MoveRequest["scaledObjects"] {
  return Object.fromEntries(
    svc.units.map((u) => [
      u.name,
      { name: u.scaledObject.name, resourceVersion: "1", target: targets[u.name], object: {} },
    ]),
  );
}

/** The seed's cost-mode Ingress and ScaledObjects, every unit at 2 ready pods, 200 RPS. */
function request(overrides: Partial<planning.MoveRequest> = {}): planning.MoveRequest {
  const ingress = seedCostIngress();
  const value = ingress.annotations[actionAnnotationKey(svc.action)] ?? "";
  return {
    service: svc,
    move: "failover",
    to: "capacity",
    demandRps: 200,
    urgent: false,
    conditions: {},
    cluster: { ingress, units: healthyWorkloads() },
    scaledObjects: scaledObjects(),
    currentAction: parseForwardAction(value, "the seed's Ingress"),
    ...overrides,
  };
}

describe("Function: planMove", () => {
  it("plans the target mode with the pods that run now, and changes each KEDA target that differs", () => {
    const planned = planning.planMove(request());
    const expected = planService({
      service: svc,
      mode: "capacity",
      demandRps: 200,
      conditions: Object.fromEntries(svc.units.map((u) => [u.name, { runningPods: 2 }])),
    });
    expect(planned.target).toMatchObject({
      mode: "capacity",
      hourlyCost: expected.hourlyCost,
      routing: expected.routing,
    });
    const targets = seedCostTargets();
    expect(planned.scaling).toEqual(
      expected.units
        .filter((u) => targets[u.name] !== u.kedaTarget)
        .map((u) => ({ unit: u.name, scaledObject: u.name, from: targets[u.name], to: u.kedaTarget })),
    );
    expect(planned.scaling.length).toBeGreaterThan(0);
    expect(planned.readyTimeoutSeconds).toBe(calmWait);
  });

  it("holds each unit that gains traffic at the plan's pods, or the pods it runs when that is more", () => {
    const planned = planning.planMove(request({ move: "rebalance", to: "cost", demandRps: 1500 }));
    expect(planned.receivers.length).toBeGreaterThan(0);
    for (const hold of planned.holds) {
      const pods = planned.target.units.find((u) => u.name === hold.unit)?.pods ?? 0;
      expect(hold.replicas).toBe(Math.max(pods, 2));
    }
    expect(planned.holds.map((h) => h.unit)).toEqual(planned.receivers);
  });

  it("plans a fallback's returning causes at the pods they have ready", () => {
    const ingress = seedCostIngress();
    const cluster = {
      ingress: {
        ...ingress,
        annotations: {
          ...ingress.annotations,
          "switchyard.io/mode": "capacity",
          "switchyard.io/failover-cause": "sd21-inf2",
        },
      },
      units: {
        ...healthyWorkloads(),
        "sd21-inf2": { desiredReplicas: 3, readyReplicas: 1, deploymentFound: true, unschedulablePods: [] },
      },
    };
    const planned = planning.planMove(request({ move: "fallback", to: "cost", demandRps: 1500, cluster }));
    expect(planned.target.units.find((u) => u.name === "sd21-inf2")?.pods).toBe(1);
    const rebalance = planning.planMove(request({ move: "rebalance", to: "cost", demandRps: 1500, cluster }));
    expect(rebalance.target.units.find((u) => u.name === "sd21-inf2")?.pods).toBeGreaterThan(1);
  });

  it("keeps the target-group order of the action in force", () => {
    const planned = planning.planMove(request({ to: "cost", move: "rebalance" }));
    const order = (value: string) =>
      parseForwardAction(value, "x").forwardConfig.targetGroups.map((g) => g.serviceName);
    expect(order(planned.target.annotationValue)).toEqual(
      order(seedCostIngress().annotations[actionAnnotationKey(svc.action)] ?? ""),
    );
  });

  it("refuses a unit without its ScaledObject, naming it and the fix", () => {
    const { "sd21-trn1": _, ...others } = scaledObjects();
    const plan = () => planning.planMove(request({ scaledObjects: others }));
    expect(plan).toThrow(ManifestError);
    expect(plan).toThrow(
      /ScaledObject default\/sd21-trn1.*not found for unit sd21-trn1; create it or fix scaledObject.name in the config/,
    );
  });
});

describe("Function: planMove — holds follow the move that owns them", () => {
  /** The ScaledObjects with `unit` held at `replicas` by switch `owner`, as a superseded move left it. */
  function heldBy(unit: string, replicas: number, owner: string): planning.MoveRequest["scaledObjects"] {
    const objects = scaledObjects();
    const object = objects[unit];
    if (object === undefined) throw new Error(`no ScaledObject for ${unit}`);
    return {
      ...objects,
      [unit]: {
        ...object,
        object: {
          metadata: {
            name: object.name,
            annotations: {
              "autoscaling.keda.sh/paused-replicas": String(replicas),
              "switchyard.io/held-replicas": `${replicas}@${owner}`,
            },
          },
        },
      },
    };
  }

  it("takes over a hold another switch set on a unit whose share does not fall, at no fewer pods than it held", () => {
    // The superseded reroute held a10g-triton at 6 pods for traffic it moved there.
    const objects = heldBy("sd21-a10g-triton", 6, "sd21-reroute-202611142119");
    const planned = planning.planMove(
      request({ move: "rebalance", to: "cost", demandRps: 200, scaledObjects: objects }),
    );
    const share = (name: string) => planned.target.units.find((u) => u.name === name)?.trafficShare ?? 0;
    const before = seedCostIngress();
    expect(share("sd21-a10g-triton")).toBeGreaterThan(0);
    expect(planned.holds).toContainEqual({
      unit: "sd21-a10g-triton",
      scaledObject: "sd21-a10g-triton",
      replicas: 6,
    });
    // Without it the superseded switch's rollback lifts the hold, and KEDA scales the unit
    // down while its weight stands: the hold would be no one's.
    expect(before.annotations["switchyard.io/held-replicas"]).toBeUndefined();
  });

  it("lets go of a hold on a unit whose share falls: KEDA may scale it down", () => {
    const objects = heldBy("sd21-a10g-cuda", 6, "sd21-reroute-202611142119");
    // A calm 200 RPS cost plan gives a10g-cuda less than the seed's 15 %.
    const planned = planning.planMove(
      request({ move: "rebalance", to: "cost", demandRps: 200, scaledObjects: objects }),
    );
    expect(planned.holds.map((h) => h.unit)).not.toContain("sd21-a10g-cuda");
  });

  it("keeps the hold of a unit whose pods are being reclaimed, though its share falls: lifted, KEDA would delete pods that stay", () => {
    const objects = heldBy("sd21-a10g-cuda", 6, "sd21-rebalance-202611142119");
    const planned = planning.planMove(
      request({
        move: "reroute",
        to: "cost",
        urgent: true,
        demandRps: 200,
        scaledObjects: objects,
        conditions: { "sd21-a10g-cuda": { reclaimingPods: 1, reclaimingZones: ["us-west-2a"] } },
        causes: ["sd21-a10g-cuda"],
      }),
    );
    expect(planned.holds).toContainEqual({
      unit: "sd21-a10g-cuda",
      scaledObject: "sd21-a10g-cuda",
      replicas: 6,
    });
  });

  it("moves traffic at once when it supersedes a running urgent move, which would otherwise move first and make it stand down", () => {
    const hurried = planning.planMove(
      request({ move: "reroute", to: "cost", urgent: true, supersedesUrgent: true }),
    );
    expect(hurried.readyTimeoutSeconds).toBe(0);
    const urgent = planning.planMove(request({ move: "reroute", to: "cost", urgent: true }));
    expect(urgent.readyTimeoutSeconds).toBe(urgentWait);
  });
});
