import {
  type CapacitySignal,
  classifyEvent,
  eventRegion,
  instanceClusterOf,
  launchErrorsFromCloudTrail,
  spotInterruptionInstance,
  spotInterruptionSignal,
} from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { capacitySignalsFromCloudTrail } from "../../../packages/core/src/signals/capacity-events.ts";
import { readRepoFile } from "../../support/paths.ts";

/** A fresh copy of a fixture in test/fixtures/events, free to change per test. */
function fixture(name: string) {
  return JSON.parse(readRepoFile(`test/fixtures/events/${name}.json`));
}

const at = (iso: string): number => Date.parse(iso);

describe("Function: classifyEvent", () => {
  it.each([
    ["scheduled-event", { kind: "schedule" }],
    ["create-fleet-one-error", { kind: "cloudtrail", eventName: "CreateFleet", errorCode: null }],
    ["create-fleet-several-errors", { kind: "cloudtrail", eventName: "CreateFleet", errorCode: null }],
    ["create-fleet-success", { kind: "cloudtrail", eventName: "CreateFleet", errorCode: null }],
    [
      "run-instances-insufficient-capacity",
      { kind: "cloudtrail", eventName: "RunInstances", errorCode: "Server.InsufficientInstanceCapacity" },
    ],
    ["spot-interruption-warning", { kind: "spot-interruption", instanceId: "i-0c4f8e2a7b19d3e56" }],
  ])("classifies %s", (name, expected) => {
    // Act
    const trigger = classifyEvent(fixture(name));

    // Assess
    expect(trigger).toMatchObject(expected);
  });

  it("reads the schedule's time and rule from the envelope", () => {
    // Act
    const trigger = classifyEvent(fixture("scheduled-event"));

    // Assess
    expect(trigger).toEqual({
      kind: "schedule",
      at: at("2025-06-02T14:07:00Z"),
      rule: "arn:aws:events:us-west-2:123456789012:rule/switchyard-prod-EvaluateSchedule",
    });
  });

  it("times a CloudTrail call at its eventTime, not at EventBridge's delivery time", () => {
    // Prepare
    const event = fixture("create-fleet-one-error");
    event.time = "2025-06-02T14:13:40Z";

    // Act
    const trigger = classifyEvent(event);

    // Assess
    expect(trigger).toMatchObject({ kind: "cloudtrail", at: at("2025-06-02T14:08:12Z") });
  });

  it("says which source and detail-type it did not expect", () => {
    // Prepare
    const s3 = { ...fixture("scheduled-event"), source: "aws.s3", "detail-type": "Object Created" };

    // Act
    const trigger = classifyEvent(s3);

    // Assess
    expect(trigger).toEqual({ kind: "unknown", received: 'source "aws.s3", detail-type "Object Created"' });
  });

  it("names the CloudTrail call when it is not CreateFleet or RunInstances", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    event.detail.eventName = "TerminateInstances";

    // Act
    const trigger = classifyEvent(event);

    // Assess
    expect(trigger.kind).toBe("unknown");
    expect(trigger).toHaveProperty(
      "received",
      expect.stringContaining("ec2.amazonaws.com TerminateInstances"),
    );
  });

  it.each([
    ["a string", "CreateFleet", "not an EventBridge event: a string"],
    ["null", null, "not an EventBridge event: null"],
    ["an array", [], "not an EventBridge event: an array"],
    [
      "an object without source",
      { detail: {} },
      'not an EventBridge event: no "source"/"detail-type" (keys: detail)',
    ],
  ])("describes %s as not an EventBridge event", (_what, event, received) => {
    // Act
    const trigger = classifyEvent(event);

    // Assess
    expect(trigger).toEqual({ kind: "unknown", received });
  });

  it("refuses an envelope whose time does not parse", () => {
    // Prepare
    const event = { ...fixture("scheduled-event"), time: "yesterday" };

    // Act
    const trigger = classifyEvent(event);

    // Assess
    expect(trigger).toEqual({
      kind: "unknown",
      received: 'source "aws.events", detail-type "Scheduled Event" without a valid time or detail',
    });
  });

  it("refuses a Spot warning that names no instance", () => {
    // Prepare
    const event = fixture("spot-interruption-warning");
    delete event.detail["instance-id"];

    // Act
    const trigger = classifyEvent(event);

    // Assess
    expect(trigger.kind).toBe("unknown");
    expect(trigger).toHaveProperty("received", expect.stringContaining("without detail.instance-id"));
  });
});

describe("Function: capacitySignalsFromCloudTrail", () => {
  it("turns a CreateFleet with one error item (an object) into one signal", () => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture("create-fleet-one-error"));

    // Assess
    expect(signals).toEqual([
      {
        instanceType: "inf2.xlarge",
        at: at("2025-06-02T14:08:12Z"),
        source: "cloudtrail-create-fleet",
        code: "InsufficientInstanceCapacity",
        count: 1,
        availabilityZone: "us-west-2a",
        // The item's lifecycle: Karpenter asked for on-demand.
        capacityType: "on-demand",
        detail: expect.stringContaining("We currently do not have sufficient inf2.xlarge capacity"),
      },
    ]);
  });

  it("counts capacity errors per instance type, code and zone when errorSet.item is an array, and none for a type the fleet launched", () => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture("create-fleet-several-errors"));

    // Assess
    // g5.xlarge failed in us-west-2a but launched in us-west-2b (fleetInstanceSet): not short of it.
    const summary = signals.map((s) => [s.instanceType, s.code, s.availabilityZone, s.count]);
    expect(summary).toEqual([
      ["inf2.xlarge", "InsufficientInstanceCapacity", "us-west-2a", 2],
      ["inf2.xlarge", "InsufficientInstanceCapacity", "us-west-2b", 1],
    ]);
    expect(new Set(signals.map((s) => s.source))).toEqual(new Set(["cloudtrail-create-fleet"]));
    expect(new Set(signals.map((s) => s.at))).toEqual(new Set([at("2025-06-02T14:11:37Z")]));
  });

  it("gives no signal for a partial success: Karpenter's fleet failed in one zone and launched the type in another", () => {
    // Act
    const errors = launchErrorsFromCloudTrail(fixture("create-fleet-partial-success"));

    // Assess
    expect(errors).toEqual({ capacity: [], blocked: [] });
  });

  it("counts a type again once the fleet launched none of it", () => {
    // Prepare
    const event = fixture("create-fleet-partial-success");
    delete event.detail.responseElements.CreateFleetResponse.fleetInstanceSet;

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toMatchObject([
      { instanceType: "inf2.xlarge", availabilityZone: "us-west-2a", count: 1 },
    ]);
  });

  it("reports quota, subnet and offering refusals as launch blocks with their fix, never as capacity signals", () => {
    // Prepare
    const event = fixture("create-fleet-one-error");
    event.detail.responseElements.CreateFleetResponse.errorSet.item = [
      "VcpuLimitExceeded",
      "InsufficientFreeAddressesInSubnet",
      "MaxFleetCountExceeded",
      "MaxSpotInstanceCountExceeded",
    ].map((errorCode) => ({
      ...event.detail.responseElements.CreateFleetResponse.errorSet.item,
      errorCode,
      errorMessage: `${errorCode} refused the launch`,
    }));

    // Act
    const errors = launchErrorsFromCloudTrail(event);

    // Assess
    expect(errors.capacity).toEqual([]);
    expect(errors.blocked.map((b) => [b.code, b.kind, b.instanceType, b.subnetId])).toEqual([
      ["VcpuLimitExceeded", "quota", "inf2.xlarge", "subnet-0f1e2d3c4b5a69788"],
      ["InsufficientFreeAddressesInSubnet", "subnet", "inf2.xlarge", "subnet-0f1e2d3c4b5a69788"],
      ["MaxFleetCountExceeded", "quota", "inf2.xlarge", "subnet-0f1e2d3c4b5a69788"],
      ["MaxSpotInstanceCountExceeded", "quota", "inf2.xlarge", "subnet-0f1e2d3c4b5a69788"],
    ]);
    expect(errors.blocked[0]?.fix).toMatch(/vCPU quota/);
    expect(errors.blocked[1]?.fix).toMatch(/IP addresses in the subnet/);
  });

  it("reports the Unsupported offering of a fleet that launched nothing of the type as a launch block", () => {
    // Act
    const { blocked } = launchErrorsFromCloudTrail(fixture("create-fleet-several-errors"));

    // Assess
    expect(blocked).toMatchObject([
      { code: "Unsupported", kind: "offering", instanceType: "inf2.xlarge", availabilityZone: "us-west-2c" },
    ]);
  });

  it("reports a RunInstances refused for the vCPU quota (Client.VcpuLimitExceeded) as a launch block", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    event.detail.errorCode = "Client.VcpuLimitExceeded";
    event.detail.errorMessage =
      "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.";

    // Act
    const errors = launchErrorsFromCloudTrail(event);

    // Assess
    expect(errors.capacity).toEqual([]);
    expect(errors.blocked).toMatchObject([
      {
        code: "VcpuLimitExceeded",
        kind: "quota",
        instanceType: "inf2.xlarge",
        source: "cloudtrail-run-instances",
      },
    ]);
  });

  it("gives no signal for a fulfilled CreateFleet", () => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture("create-fleet-success"));

    // Assess
    expect(signals).toEqual([]);
  });

  it("gives no signal for a CreateFleet whose only errors are not capacity errors", () => {
    // Prepare
    const event = fixture("create-fleet-several-errors");
    const errors = event.detail.responseElements.CreateFleetResponse.errorSet;
    errors.item = errors.item.filter((item: { errorCode: string }) => item.errorCode === "Unsupported");

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toEqual([]);
  });

  it.each([
    ["absent", undefined],
    ["an empty string", ""],
    ["an empty object", {}],
  ])("gives no signal when the errorSet is %s", (_what, errorSet) => {
    // Prepare
    const event = fixture("create-fleet-one-error");
    event.detail.responseElements.CreateFleetResponse.errorSet = errorSet;

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toEqual([]);
  });

  it("takes a CreateFleet error's instance type and zone from its message when the overrides lack them", () => {
    // Prepare
    const event = fixture("create-fleet-one-error");
    event.detail.responseElements.CreateFleetResponse.errorSet.item.launchTemplateAndOverrides.overrides = {};

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toMatchObject([
      { instanceType: "inf2.xlarge", availabilityZone: "us-west-2a", count: 1 },
    ]);
  });

  it("groups a Server.-prefixed code with the plain one", () => {
    // Prepare
    const event = fixture("create-fleet-several-errors");
    event.detail.responseElements.CreateFleetResponse.errorSet.item[1].errorCode =
      "Server.InsufficientInstanceCapacity";

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals[0]).toMatchObject({
      instanceType: "inf2.xlarge",
      availabilityZone: "us-west-2a",
      count: 2,
    });
  });

  it("turns a RunInstances that failed for capacity into one signal with the code's prefix removed", () => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture("run-instances-insufficient-capacity"));

    // Assess
    expect(signals).toEqual<CapacitySignal[]>([
      {
        instanceType: "inf2.xlarge",
        at: at("2025-06-02T14:12:05Z"),
        source: "cloudtrail-run-instances",
        code: "InsufficientInstanceCapacity",
        count: 1,
        availabilityZone: "us-west-2a",
        // No InstanceMarketOptions and no launch template: an on-demand launch.
        capacityType: "on-demand",
        detail: expect.stringContaining("(us-west-2a)"),
      },
    ]);
  });

  it("reads the instance type from the error message when a launch template chose it", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    delete event.detail.requestParameters.instanceType;
    event.detail.requestParameters.launchTemplate = {
      launchTemplateId: "lt-0d9c8b7a6f5e4d3c2",
      version: "$Default",
    };

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toMatchObject([{ instanceType: "inf2.xlarge", code: "InsufficientInstanceCapacity" }]);
  });

  it("prefers the request's placement zone to the message's", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    event.detail.requestParameters.placement = { availabilityZone: "us-west-2d", tenancy: "default" };

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toMatchObject([{ availabilityZone: "us-west-2d" }]);
  });

  it("gives no signal for a RunInstances that failed for another reason", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    event.detail.errorCode = "Client.UnauthorizedOperation";
    event.detail.errorMessage = "You are not authorized to perform this operation.";

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toEqual([]);
  });

  it("gives no signal for a capacity error that names no instance type anywhere", () => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity");
    delete event.detail.requestParameters.instanceType;
    event.detail.errorMessage = "Insufficient capacity.";

    // Act
    const signals = capacitySignalsFromCloudTrail(event);

    // Assess
    expect(signals).toEqual([]);
  });

  it.each(["scheduled-event", "spot-interruption-warning"])("gives no signal for %s", (name) => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture(name));

    // Assess
    expect(signals).toEqual([]);
  });
});

describe("Function: spotInterruptionInstance", () => {
  it("reads the instance, time, action and zone of the warning", () => {
    // Act
    const interruption = spotInterruptionInstance(fixture("spot-interruption-warning"));

    // Assess
    expect(interruption).toEqual({
      instanceId: "i-0c4f8e2a7b19d3e56",
      at: at("2025-06-02T14:09:41Z"),
      action: "terminate",
      availabilityZone: "us-west-2c",
    });
  });

  it("leaves the zone unknown when the resource ARN carries a Region", () => {
    // Prepare
    const event = fixture("spot-interruption-warning");
    event.resources = ["arn:aws:ec2:us-west-2:123456789012:instance/i-0c4f8e2a7b19d3e56"];

    // Act
    const interruption = spotInterruptionInstance(event);

    // Assess
    expect(interruption?.availabilityZone).toBeNull();
  });

  it.each(["scheduled-event", "create-fleet-one-error"])("returns null for %s", (name) => {
    // Act
    const interruption = spotInterruptionInstance(fixture(name));

    // Assess
    expect(interruption).toBeNull();
  });
});

describe("Function: spotInterruptionSignal", () => {
  it("makes a SpotInterruption signal for the resolved instance type", () => {
    // Prepare
    const interruption = spotInterruptionInstance(fixture("spot-interruption-warning"));
    if (interruption === null) throw new Error("the fixture is a Spot interruption warning");

    // Act
    const signal = spotInterruptionSignal(interruption, "inf2.xlarge");

    // Assess
    expect(signal).toEqual({
      instanceType: "inf2.xlarge",
      at: at("2025-06-02T14:09:41Z"),
      source: "spot-interruption",
      code: "SpotInterruption",
      count: 1,
      availabilityZone: "us-west-2c",
      capacityType: "spot",
      detail: "EC2 Spot Instance Interruption Warning for i-0c4f8e2a7b19d3e56 (terminate)",
    });
  });
});

describe("Function: eventRegion", () => {
  it("reads CloudTrail's awsRegion before the envelope's region", () => {
    // Prepare
    const event = fixture("create-fleet-one-error");
    event.region = "us-west-2";
    event.detail.awsRegion = "eu-west-1";

    // Act
    const region = eventRegion(event);

    // Assess
    expect(region).toBe("eu-west-1");
  });

  it("reads the envelope's region for a Spot warning, and null for no region at all", () => {
    // Act
    const spot = eventRegion(fixture("spot-interruption-warning"));
    const none = eventRegion({ source: "aws.ec2" });

    // Assess
    expect(spot).toBe("us-west-2");
    expect(none).toBeNull();
  });
});

describe("Function: instanceClusterOf", () => {
  it.each([
    [
      "a Karpenter node of the cluster",
      {
        "karpenter.sh/nodepool": "inf2",
        "eks:eks-cluster-name": "hw-agnostic-infer",
        "kubernetes.io/cluster/hw-agnostic-infer": "owned",
      },
      { kind: "this" },
    ],
    [
      "an EKS managed node group node of the cluster",
      {
        "eks:cluster-name": "hw-agnostic-infer",
        "eks:nodegroup-name": "trn1",
        "kubernetes.io/cluster/hw-agnostic-infer": "owned",
      },
      { kind: "this" },
    ],
    [
      "a self-managed node (cluster tag only)",
      { "kubernetes.io/cluster/hw-agnostic-infer": "shared" },
      { kind: "this" },
    ],
    [
      "a Karpenter node of another cluster",
      {
        "karpenter.sh/nodepool": "default",
        "eks:eks-cluster-name": "batch",
        "kubernetes.io/cluster/batch": "owned",
      },
      { kind: "other", clusters: ["batch"] },
    ],
    ["an instance no cluster tagged", { Name: "capacity-probe" }, { kind: "untagged" }],
  ])("says %s", (_what, tags, expected) => {
    // Act
    const cluster = instanceClusterOf(tags, "hw-agnostic-infer");

    // Assess
    expect(cluster).toEqual(expected);
  });
});

describe("Function: capacitySignalsFromCloudTrail — the capacity type asked for", () => {
  it("reads a Spot CreateFleet's error items as Spot, each with its zone, though EC2's message names neither", () => {
    // Act
    const signals = capacitySignalsFromCloudTrail(fixture("create-fleet-spot-error"));

    // Assess
    expect(signals.map((s) => [s.instanceType, s.availabilityZone, s.capacityType, s.count])).toEqual([
      ["inf2.xlarge", "us-west-2a", "spot", 1],
      ["inf2.xlarge", "us-west-2b", "spot", 1],
    ]);
  });

  it("takes the request's DefaultTargetCapacityType for an item without a lifecycle", () => {
    // Prepare
    const event = fixture("create-fleet-spot-error") as { detail: { responseElements: unknown } };
    const json = JSON.parse(JSON.stringify(event)) as typeof event & {
      detail: { responseElements: { CreateFleetResponse: { errorSet: { item: { lifecycle?: string }[] } } } };
    };
    for (const item of json.detail.responseElements.CreateFleetResponse.errorSet.item) {
      delete item.lifecycle;
    }

    // Act
    const signals = capacitySignalsFromCloudTrail(json);

    // Assess
    expect(signals.map((s) => s.capacityType)).toEqual(["spot", "spot"]);
  });

  it.each([
    ["InstanceMarketOptions.MarketType spot", { instanceMarketOptions: { marketType: "spot" } }, "spot"],
    ["no market options: on-demand", {}, "on-demand"],
    [
      "a launch template, which may set the market type: unknown",
      { launchTemplate: { launchTemplateId: "lt-1" } },
      undefined,
    ],
  ])("reads a failed RunInstances with %s", (_case, extra, capacityType) => {
    // Prepare
    const event = fixture("run-instances-insufficient-capacity") as {
      detail: { requestParameters: Record<string, unknown> };
    };
    const json = JSON.parse(JSON.stringify(event)) as typeof event;
    Object.assign(json.detail.requestParameters, extra);

    // Act
    const [signal] = capacitySignalsFromCloudTrail(json);

    // Assess
    expect(signal?.capacityType).toBe(capacityType);
  });

  it("gives a Spot warning the instance's zone from DescribeInstances when its ARN names the Region", () => {
    // Prepare
    const interruption = spotInterruptionInstance(fixture("spot-interruption-warning"));
    if (interruption === null) throw new Error("the fixture is a Spot interruption warning");

    // Act
    const signal = spotInterruptionSignal(
      { ...interruption, availabilityZone: null },
      "inf2.xlarge",
      "us-west-2b",
    );

    // Assess
    expect(signal).toMatchObject({
      availabilityZone: "us-west-2b",
      capacityType: "spot",
      code: "SpotInterruption",
    });
  });
});
