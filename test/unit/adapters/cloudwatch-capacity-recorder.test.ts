import {
  CloudWatchClient,
  CloudWatchServiceException,
  type MetricDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchCapacityRecorder } from "@switchyard/adapters";
import type { CapacitySignal } from "@switchyard/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CapacityRecordError } from "../../../packages/adapters/src/errors.ts";
import "../../support/aws-sdk-matchers.ts";

const AT = Date.parse("2025-06-02T14:08:12Z");

function signal(overrides: Partial<CapacitySignal> = {}): CapacitySignal {
  return {
    instanceType: "inf2.xlarge",
    at: AT,
    source: "cloudtrail-create-fleet",
    code: "InsufficientInstanceCapacity",
    count: 2,
    ...overrides,
  };
}

describe("Class: CloudWatchCapacityRecorder", () => {
  const cloudWatch = mockClient(CloudWatchClient);
  const client = new CloudWatchClient({ region: "us-east-1" });
  const recorder = () => new CloudWatchCapacityRecorder({ client, cluster: "inference-a" });

  afterEach(() => {
    cloudWatch.reset();
  });

  it("declares the IAM action it calls", () => {
    // Assess
    expect(CloudWatchCapacityRecorder.iamActions).toEqual(["cloudwatch:PutMetricData"]);
  });

  it("writes each signal as a Count at its time, on the Cluster+InstanceType set and the Cluster+InstanceType+ErrorCode set", async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).resolves({});

    // Act
    await recorder().record([
      signal(),
      signal({ instanceType: "g5.xlarge", code: "SpotInterruption", count: 1 }),
    ]);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    const datum = (instanceType: string, value: number, code?: string): MetricDatum => ({
      MetricName: "CapacityErrors",
      Timestamp: new Date(AT),
      Value: value,
      Unit: "Count",
      Dimensions: [
        { Name: "Cluster", Value: "inference-a" },
        { Name: "InstanceType", Value: instanceType },
        ...(code === undefined ? [] : [{ Name: "ErrorCode", Value: code }]),
      ],
    });
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: "Switchyard",
      MetricData: [
        datum("inf2.xlarge", 2),
        datum("inf2.xlarge", 2, "InsufficientInstanceCapacity"),
        datum("g5.xlarge", 1),
        datum("g5.xlarge", 1, "SpotInterruption"),
      ],
    });
  });

  it("writes a signal that says its capacity type or zone on the Cluster+InstanceType+CapacityType+AvailabilityZone set too, unknown for what it does not say", async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).resolves({});

    // Act
    await recorder().record([
      signal({ capacityType: "spot", availabilityZone: "us-east-1a" }),
      signal({ instanceType: "g5.xlarge", count: 1, capacityType: "on-demand" }),
    ]);

    // Assess
    const detail = (
      instanceType: string,
      value: number,
      capacityType: string,
      zone: string,
    ): MetricDatum => ({
      MetricName: "CapacityErrors",
      Timestamp: new Date(AT),
      Value: value,
      Unit: "Count",
      Dimensions: [
        { Name: "Cluster", Value: "inference-a" },
        { Name: "InstanceType", Value: instanceType },
        { Name: "CapacityType", Value: capacityType },
        { Name: "AvailabilityZone", Value: zone },
      ],
    });
    const sent = cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData ?? [];
    expect(sent).toHaveLength(6);
    expect(sent).toContainEqual(detail("inf2.xlarge", 2, "spot", "us-east-1a"));
    expect(sent).toContainEqual(detail("g5.xlarge", 1, "on-demand", "unknown"));
  });

  it.each([
    ["no signals", []],
    ["only zero counts", [signal({ count: 0 })]],
  ])("makes no call for %s", async (_what, signals) => {
    // Act
    await recorder().record(signals);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 0);
  });

  it("splits more than 1000 datums into calls of at most 1000", async () => {
    // Prepare: 600 signals are 1200 datums
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const signals = Array.from({ length: 600 }, (_, i) => signal({ at: AT - i * 60_000 }));

    // Act
    await recorder().record(signals);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 2);
    const sizes = cloudWatch
      .commandCalls(PutMetricDataCommand)
      .map((call) => call.args[0].input.MetricData?.length);
    expect(sizes).toEqual([1000, 200]);
  });

  it("keeps each signal's datums in one call when some signals have three", async () => {
    // Prepare: 400 signals with a zone are 1200 datums, three each
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const signals = Array.from({ length: 400 }, (_, i) =>
      signal({ at: AT - i * 60_000, capacityType: "spot", availabilityZone: "us-east-1a" }),
    );

    // Act
    await recorder().record(signals);

    // Assess: 333 signals (999 datums), then the other 67 (201)
    const sizes = cloudWatch
      .commandCalls(PutMetricDataCommand)
      .map((call) => call.args[0].input.MetricData?.length);
    expect(sizes).toEqual([999, 201]);
  });

  it("throws CapacityRecordError naming the cause and the IAM action when PutMetricData fails", async () => {
    // Prepare
    const denied = new CloudWatchServiceException({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403, attempts: 1 },
      message: "User is not authorized to perform: cloudwatch:PutMetricData",
    });
    cloudWatch.on(PutMetricDataCommand).rejects(denied);

    // Act
    const failure = await recorder()
      .record([signal()])
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(CapacityRecordError);
    expect(failure).toMatchObject({ name: "CapacityRecordError", code: "CAPACITY_RECORD_FAILED" });
    expect((failure as Error).cause).toBe(denied);
    expect((failure as Error).message).toContain("PutMetricData of 2 Switchyard/CapacityErrors datapoints");
    expect((failure as Error).message).toContain("AccessDenied: User is not authorized");
    expect((failure as Error).message).toContain(
      'allows cloudwatch:PutMetricData (with any cloudwatch:namespace condition allowing "Switchyard")',
    );
  });

  it("keeps the signals of a failed call and writes them first, at their own times, with the next", async () => {
    // Prepare
    const throttled = new CloudWatchServiceException({
      name: "ThrottlingException",
      $fault: "client",
      $metadata: { httpStatusCode: 400, attempts: 3 },
      message: "Rate exceeded",
    });
    cloudWatch.on(PutMetricDataCommand).rejectsOnce(throttled).resolves({});
    const kept = recorder();

    // Act
    const failure = await kept.record([signal()]).catch((error: unknown) => error);
    await kept.record([signal({ instanceType: "g5.xlarge", at: AT + 60_000 })]);

    // Assess
    expect(failure).toBeInstanceOf(CapacityRecordError);
    expect((failure as Error).message).toContain("1 signals are kept and written with the next record");
    const calls = cloudWatch.commandCalls(PutMetricDataCommand).map((call) => call.args[0].input.MetricData);
    expect(calls[1]?.map((d) => [d.Dimensions?.[1]?.Value, d.Timestamp])).toEqual([
      ["inf2.xlarge", new Date(AT)],
      ["inf2.xlarge", new Date(AT)],
      ["g5.xlarge", new Date(AT + 60_000)],
      ["g5.xlarge", new Date(AT + 60_000)],
    ]);
    expect(kept.pending).toEqual([]);
  });

  it("writes kept signals on a call that brings none of its own", async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).rejectsOnce(new Error("socket hang up")).resolves({});
    const kept = recorder();
    await kept.record([signal()]).catch(() => undefined);

    // Act
    await kept.record([]);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 2);
    expect(kept.pending).toEqual([]);
  });
});
