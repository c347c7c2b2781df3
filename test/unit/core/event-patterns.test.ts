import { readFileSync } from "node:fs";
import { classifyEvent, EVALUATE_EVENT_RULES } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import {
  CREATE_FLEET_CAPACITY_PATTERN,
  RUN_INSTANCES_CAPACITY_PATTERN,
  SPOT_INTERRUPTION_PATTERN,
} from "../../../packages/core/src/signals/event-patterns.ts";
import { matchesPattern } from "../../support/event-pattern.ts";
import { repoPath } from "../../support/paths.ts";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));

/** The rules an event would trigger, by rule name. */
function rulesMatching(event: unknown): string[] {
  return Object.entries(EVALUATE_EVENT_RULES).flatMap(([name, pattern]) =>
    matchesPattern(pattern, event) ? [name] : [],
  );
}

describe("EventBridge rules: the events that trigger an immediate evaluation", () => {
  it("matches a CreateFleet with one capacity error (errorSet.item an object)", () => {
    expect(rulesMatching(fixture("create-fleet-one-error"))).toEqual(["CreateFleetCapacityErrors"]);
  });

  it("matches a CreateFleet with several errors (errorSet.item an array, one of them not a capacity error)", () => {
    expect(rulesMatching(fixture("create-fleet-several-errors"))).toEqual(["CreateFleetCapacityErrors"]);
  });

  it("matches a partial success (the pattern cannot see fleetInstanceSet; evaluate drops the launched types)", () => {
    expect(rulesMatching(fixture("create-fleet-partial-success"))).toEqual(["CreateFleetCapacityErrors"]);
  });

  it.each(["VcpuLimitExceeded", "InsufficientFreeAddressesInSubnet", "MaxFleetCountExceeded"])(
    "matches a CreateFleet refused with %s, so evaluate can alert it",
    (errorCode) => {
      const event = fixture("create-fleet-one-error") as {
        detail: { responseElements: { CreateFleetResponse: { errorSet: { item: { errorCode: string } } } } };
      };
      event.detail.responseElements.CreateFleetResponse.errorSet.item.errorCode = errorCode;
      expect(matchesPattern(CREATE_FLEET_CAPACITY_PATTERN, event)).toBe(true);
    },
  );

  it("matches a RunInstances refused with Client.VcpuLimitExceeded (the caller's fault prefix)", () => {
    const event = fixture("run-instances-insufficient-capacity") as { detail: Record<string, unknown> };
    expect(
      matchesPattern(RUN_INSTANCES_CAPACITY_PATTERN, {
        ...event,
        detail: { ...event.detail, errorCode: "Client.VcpuLimitExceeded" },
      }),
    ).toBe(true);
  });

  it("does not match a fulfilled CreateFleet", () => {
    expect(rulesMatching(fixture("create-fleet-success"))).toEqual([]);
  });

  it("does not match a CreateFleet whose only error is not about capacity", () => {
    const event = fixture("create-fleet-one-error") as {
      detail: { responseElements: { CreateFleetResponse: { errorSet: { item: { errorCode: string } } } } };
    };
    event.detail.responseElements.CreateFleetResponse.errorSet.item.errorCode =
      "InvalidLaunchTemplateName.NotFoundException";
    expect(matchesPattern(CREATE_FLEET_CAPACITY_PATTERN, event)).toBe(false);
  });

  it("matches a RunInstances that failed with Server.InsufficientInstanceCapacity", () => {
    expect(rulesMatching(fixture("run-instances-insufficient-capacity"))).toEqual([
      "RunInstancesCapacityErrors",
    ]);
  });

  it("does not match a RunInstances that failed for another reason, or succeeded", () => {
    const event = fixture("run-instances-insufficient-capacity") as { detail: Record<string, unknown> };
    expect(
      matchesPattern(RUN_INSTANCES_CAPACITY_PATTERN, {
        ...event,
        detail: { ...event.detail, errorCode: "Client.UnauthorizedOperation" },
      }),
    ).toBe(false);
    const { errorCode: _, errorMessage: __, ...succeeded } = event.detail;
    expect(matchesPattern(RUN_INSTANCES_CAPACITY_PATTERN, { ...event, detail: succeeded })).toBe(false);
  });

  it("matches the Spot interruption warning and nothing matches the schedule's own event", () => {
    expect(rulesMatching(fixture("spot-interruption-warning"))).toEqual(["SpotInterruptionWarnings"]);
    expect(matchesPattern(SPOT_INTERRUPTION_PATTERN, fixture("create-fleet-one-error"))).toBe(false);
    expect(rulesMatching(fixture("scheduled-event"))).toEqual([]);
  });

  it("sends evaluate only events it classifies", () => {
    for (const name of [
      "create-fleet-one-error",
      "create-fleet-several-errors",
      "create-fleet-partial-success",
      "run-instances-insufficient-capacity",
      "spot-interruption-warning",
    ]) {
      expect(classifyEvent(fixture(name)).kind).not.toBe("unknown");
    }
  });
});

describe("Test matcher: matchesPattern", () => {
  it.each([
    ["an exact value", { a: ["x"] }, { a: "x" }, true],
    ["another value", { a: ["x"] }, { a: "y" }, false],
    ["an array by intersection", { a: ["x", "z"] }, { a: ["y", "z"] }, true],
    ["a missing field", { a: ["x"] }, {}, false],
    ["a prefix", { a: [{ prefix: "Server." }] }, { a: "Server.InsufficientInstanceCapacity" }, true],
    ["exists on a leaf", { a: [{ exists: true }] }, { a: 1 }, true],
    ["exists on an object (not a leaf)", { a: [{ exists: true }] }, { a: { b: 1 } }, false],
    ["a nested pattern over an array of objects", { a: { b: ["x"] } }, { a: [{ b: "y" }, { b: "x" }] }, true],
    [
      "two fields from different elements",
      { a: { b: ["x"], c: ["z"] } },
      { a: [{ b: "x" }, { c: "z" }] },
      false,
    ],
  ])("matches %s correctly", (_, pattern, event, expected) => {
    expect(matchesPattern(pattern as never, event)).toBe(expected);
  });

  it("refuses operators it does not implement instead of guessing", () => {
    expect(() => matchesPattern({ a: [{ numeric: [">", 1] }] } as never, { a: 2 })).toThrow(
      /does not implement/,
    );
  });
});
