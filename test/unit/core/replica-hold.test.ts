import { KEDA_PAUSED_REPLICAS, replicaHoldPatch, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";

const MARK = SWITCHYARD_ANNOTATIONS.heldReplicas;
const OWNER = "sd21-fallback-202611141310";

describe("Function: replicaHoldPatch", () => {
  it("holds a unit with KEDA's paused-replicas and marks the hold as this switch's", () => {
    expect(replicaHoldPatch({ team: "ml" }, 3, OWNER)).toEqual({
      outcome: "held",
      patch: { metadata: { annotations: { [KEDA_PAUSED_REPLICAS]: "3", [MARK]: `3@${OWNER}` } } },
    });
  });

  it("releases only its own hold, removing both annotations", () => {
    const held = { [KEDA_PAUSED_REPLICAS]: "3", [MARK]: `3@${OWNER}` };
    expect(replicaHoldPatch(held, null, OWNER)).toEqual({
      outcome: "released",
      patch: { metadata: { annotations: { [KEDA_PAUSED_REPLICAS]: null, [MARK]: null } } },
    });
    expect(replicaHoldPatch(held, null, "sd21-failover-202611141322")).toEqual({
      outcome: "held-by-another-switch",
      patch: null,
    });
  });

  it("lets a later switch take over a Switchyard hold", () => {
    const held = { [KEDA_PAUSED_REPLICAS]: "3", [MARK]: `3@${OWNER}` };
    expect(replicaHoldPatch(held, 4, "sd21-failover-202611141322").patch?.metadata.annotations).toEqual({
      [KEDA_PAUSED_REPLICAS]: "4",
      [MARK]: "4@sd21-failover-202611141322",
    });
  });

  it("never touches a pause an operator set, holding or releasing", () => {
    const paused = { [KEDA_PAUSED_REPLICAS]: "0" };
    expect(replicaHoldPatch(paused, 3, OWNER)).toEqual({
      outcome: "paused-by-someone-else",
      patch: null,
      pausedBy: [`${KEDA_PAUSED_REPLICAS}=0`],
    });
    expect(replicaHoldPatch(paused, null, OWNER)).toEqual({ outcome: "unchanged", patch: null });
  });

  // KEDA obeys paused-replicas over the other pauses (scaledobject_controller.go
  // reconcileScaledObject), so a hold written over them would undo the operator's pause.
  it.each([
    [{ "autoscaling.keda.sh/paused": "true" }, ["autoscaling.keda.sh/paused=true"]],
    // getBoolAnnotation: a value that is not a boolean counts as true.
    [{ "autoscaling.keda.sh/paused": "yes" }, ["autoscaling.keda.sh/paused=yes"]],
    [{ "autoscaling.keda.sh/paused-scale-in": "True" }, ["autoscaling.keda.sh/paused-scale-in=True"]],
    [{ "autoscaling.keda.sh/paused-scale-out": "1" }, ["autoscaling.keda.sh/paused-scale-out=1"]],
    [
      // A Switchyard hold an operator then paused on top: a later switch must not take it over.
      { [KEDA_PAUSED_REPLICAS]: "3", [MARK]: `3@${OWNER}`, "autoscaling.keda.sh/paused": "t" },
      ["autoscaling.keda.sh/paused=t"],
    ],
  ])("does not hold a ScaledObject an operator paused with %o", (annotations, pausedBy) => {
    expect(replicaHoldPatch(annotations, 3, "sd21-failover-202611141322")).toEqual({
      outcome: "paused-by-someone-else",
      patch: null,
      pausedBy,
    });
  });

  it.each([
    { "autoscaling.keda.sh/paused": "false" },
    { "autoscaling.keda.sh/paused-scale-in": "0" },
    { "autoscaling.keda.sh/paused-scale-out": "F" },
  ])("holds a ScaledObject whose pause annotation KEDA reads as false: %o", (annotations) => {
    expect(replicaHoldPatch(annotations, 3, OWNER).outcome).toBe("held");
  });

  it("removes only its mark when someone changed the pause it set", () => {
    const changed = { [KEDA_PAUSED_REPLICAS]: "0", [MARK]: `3@${OWNER}` };
    expect(replicaHoldPatch(changed, null, OWNER)).toEqual({
      outcome: "paused-by-someone-else",
      patch: { metadata: { annotations: { [MARK]: null } } },
    });
  });

  it("writes nothing when the hold is already as wanted, and refuses a negative count", () => {
    expect(
      replicaHoldPatch({ [KEDA_PAUSED_REPLICAS]: "2", [MARK]: `2@${OWNER}` }, 2, OWNER).patch,
    ).toBeNull();
    expect(() => replicaHoldPatch({}, -1, OWNER)).toThrow(RangeError);
  });
});
