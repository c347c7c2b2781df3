import { type ClusterEvent, karpenterCapacitySignals } from "@switchyard/core";
import { describe, expect, it } from "vitest";

const AT = Date.parse("2026-11-14T21:04:00Z");

/** Karpenter's event on a NodeClaim: `NodeClaim <name> event: <launch error>`. */
function nodeClaimEvent(message: string, overrides: Partial<ClusterEvent> = {}): ClusterEvent {
  return {
    reason: "InsufficientCapacityError",
    message,
    type: "Warning",
    involvedObject: { kind: "NodeClaim", name: "inf2-pool-x7k2p" },
    at: AT,
    count: 1,
    ...overrides,
  };
}

/** EC2's CreateFleet error text (karpenter-provider-aws issues #4165, #4346). */
function ec2Text(instanceType: string, zone: string): string {
  return (
    `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). ` +
    "Our system will be working on provisioning additional capacity. " +
    `You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing us-west-2b, us-west-2c.`
  );
}

const FLEET =
  "NodeClaim inf2-pool-x7k2p event: creating instance, insufficient capacity, with fleet error(s), ";

describe("Function: karpenterCapacitySignals", () => {
  it("reads the instance type, zone and EC2 code from a NodeClaim's fleet error", () => {
    // Prepare
    const event = nodeClaimEvent(
      `${FLEET}InsufficientInstanceCapacity: ${ec2Text("inf2.xlarge", "us-west-2a")}`,
      {
        count: 4,
      },
    );

    // Act
    const signals = karpenterCapacitySignals([event]);

    // Assess
    expect(signals).toEqual([
      {
        instanceType: "inf2.xlarge",
        at: AT,
        source: "karpenter-event",
        code: "InsufficientInstanceCapacity",
        count: 4,
        availabilityZone: "us-west-2a",
        detail: "NodeClaim inf2-pool-x7k2p",
      },
    ]);
  });

  it("gives one signal per instance type and zone when Karpenter joins several fleet errors", () => {
    // Prepare
    const message =
      `${FLEET}InsufficientInstanceCapacity: ${ec2Text("g5.xlarge", "us-west-2a")}; ` +
      `InsufficientInstanceCapacity: ${ec2Text("g6.xlarge", "us-west-2a")}; ` +
      `InsufficientInstanceCapacity: ${ec2Text("g5.xlarge", "us-west-2b")}`;

    // Act
    const signals = karpenterCapacitySignals([nodeClaimEvent(message)]);

    // Assess
    expect(signals.map((s) => [s.instanceType, s.availabilityZone])).toEqual([
      ["g5.xlarge", "us-west-2a"],
      ["g6.xlarge", "us-west-2a"],
      ["g5.xlarge", "us-west-2b"],
    ]);
  });

  it("keeps the instance type when the message was truncated before the zone", () => {
    // Prepare
    const message = `${FLEET}InsufficientInstanceCapacity: We currently do not have sufficient trn1.2xlarge capacity in the Avail`;

    // Act
    const signals = karpenterCapacitySignals([nodeClaimEvent(message)]);

    // Assess
    expect(signals).toHaveLength(1);
    expect(signals[0]?.instanceType).toBe("trn1.2xlarge");
    expect(signals[0]).not.toHaveProperty("availabilityZone");
  });

  it.each([
    [
      "no launch was tried",
      "NodeClaim inf2-pool-x7k2p event: insufficient capacity, all requested instance types were unavailable during launch",
    ],
    [
      "a reservation error names no type",
      `${FLEET}ReservationCapacityExceeded: The requested reservation does not have sufficient compatible and available capacity for this request.`,
    ],
    [
      "Spot has no capacity for the request",
      `${FLEET}InsufficientInstanceCapacity: There is no Spot capacity available that matches your request.`,
    ],
  ])("skips an event whose message names no instance type: %s", (_case, message) => {
    // Act
    const signals = karpenterCapacitySignals([nodeClaimEvent(message)]);

    // Assess
    expect(signals).toEqual([]);
  });

  it("ignores events with another reason even when their text looks like a capacity error", () => {
    // Prepare
    const event = nodeClaimEvent(`InsufficientInstanceCapacity: ${ec2Text("inf2.xlarge", "us-west-2a")}`, {
      reason: "FailedScheduling",
    });

    // Act
    const signals = karpenterCapacitySignals([event]);

    // Assess
    expect(signals).toEqual([]);
  });

  it("keeps the events' order and each event's own time", () => {
    // Prepare
    const later = AT + 120_000;
    const events = [
      nodeClaimEvent(`${FLEET}InsufficientInstanceCapacity: ${ec2Text("inf2.xlarge", "us-west-2a")}`),
      nodeClaimEvent(`${FLEET}InsufficientInstanceCapacity: ${ec2Text("trn1.2xlarge", "us-west-2c")}`, {
        at: later,
        involvedObject: { kind: "NodeClaim", name: "trn1-pool-9qzdf" },
      }),
    ];

    // Act
    const signals = karpenterCapacitySignals(events);

    // Assess
    expect(signals.map((s) => [s.instanceType, s.at, s.detail])).toEqual([
      ["inf2.xlarge", AT, "NodeClaim inf2-pool-x7k2p"],
      ["trn1.2xlarge", later, "NodeClaim trn1-pool-9qzdf"],
    ]);
  });
});
